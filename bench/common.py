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


def median_time(
    function: Callable[[], object],
    repeat: int = 5,
    warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Median time of `function` over `repeat` runs, after `warmup` untimed runs (wall time by
    default; pass `clock=time.process_time` for this process's CPU time)."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeat):
        start = clock()
        function()
        times.append(clock() - start)
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


@dataclass
class Measure:
    """An absolute figure with an absolute goal (memory in MB, seconds, bytes)."""

    name: str
    value: float
    unit: str  # "s", "MB", "x" ...
    goal: float | None = None  # the value should stay at or under this
    note: str = ""

    @property
    def missed(self) -> bool:
        return self.goal is not None and self.value > self.goal


def print_measures(title: str, measures: list[Measure]) -> None:
    print(f"\n## {title}")
    print(f"{'measure':66} {'value':>10} {'goal':>10}  note")
    for measure in measures:
        goal = f"<={measure.goal:g} {measure.unit}" if measure.goal is not None else ""
        flag = " !" if measure.missed else ""
        value = f"{measure.value:,.2f} {measure.unit}"
        print(f"{measure.name:66} {value:>10} {goal:>10}{flag}  {measure.note}")
