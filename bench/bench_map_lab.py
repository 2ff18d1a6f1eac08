"""Map lab: honesty() against sklearn.manifold.trustworthiness (time and peak memory)."""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from bench.common import Row, print_rows


def peak_bytes(function: Callable[[], object]) -> int:
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def alternate(ours: Callable[[], object], baseline: Callable[[], object], repeat: int = 3):
    """Median seconds of each, run alternately (the machine is shared: load hits both alike)."""
    times: dict[str, list[float]] = {"ours": [], "baseline": []}
    for _ in range(repeat):
        for name, function in (("ours", ours), ("baseline", baseline)):
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return statistics.median(times["ours"]), statistics.median(times["baseline"])


def run() -> None:
    from sklearn.manifold import trustworthiness

    from components.vectors.projection import honesty

    rows, memory = [], []
    rng = np.random.default_rng(0)
    for n in (2_000, 5_000):
        vectors = rng.normal(size=(n, 384)).astype(np.float32)  # (n, dim)
        coords = rng.normal(size=(n, 2))  # (n, 2)
        ours, baseline = alternate(
            lambda v=vectors, c=coords: honesty(v, c, 10),
            lambda v=vectors, c=coords: trustworthiness(v, c, n_neighbors=10),
        )
        rows.append(
            Row(
                f"honesty() on {n:,} points, k=10 (+ kept share)",
                ours,
                baseline,
                "sklearn trustworthiness alone",
                goal=1.5 if n == 5_000 else None,
            )
        )
        ours_peak = peak_bytes(lambda v=vectors, c=coords: honesty(v, c, 10))
        baseline_peak = peak_bytes(
            lambda v=vectors, c=coords: trustworthiness(v, c, n_neighbors=10)
        )
        memory.append((n, ours_peak, baseline_peak))
    print_rows("Map lab", rows)
    for n, ours_peak, baseline_peak in memory:
        print(
            f"peak memory, {n:,} points: honesty {ours_peak / 1e6:.0f} MB, sklearn "
            f"{baseline_peak / 1e6:.0f} MB ({ours_peak / baseline_peak:.2f}x)"
        )
