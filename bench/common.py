"""Timing helpers and the one table every benchmark prints."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@dataclass
class Row:
    name: str
    ours_s: float  # seconds for our code path
    baseline_s: float  # seconds for the reference it is compared with
    baseline: str  # what the reference is
    goal: float | None = None  # the ratio ours/baseline should stay at or under

    @property
    def ratio(self) -> float:
        return self.ours_s / self.baseline_s if self.baseline_s else float("inf")


def median_time(function: Callable[[], object], repeat: int = 5, warmup: int = 1) -> float:
    """Median wall time of `function` over `repeat` runs, after `warmup` untimed runs."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def print_rows(title: str, rows: list[Row]) -> None:
    print(f"\n## {title}")
    print(f"{'measure':58} {'ours':>10} {'baseline':>10} {'ratio':>7} {'goal':>6}  baseline is")
    for row in rows:
        goal = f"<={row.goal:g}" if row.goal else ""
        flag = " !" if row.goal and row.ratio > row.goal else ""
        print(
            f"{row.name:58} {row.ours_s:9.4f}s {row.baseline_s:9.4f}s {row.ratio:6.2f}x "
            f"{goal:>6}{flag}  {row.baseline}"
        )
