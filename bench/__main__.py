"""Run every benchmark module `bench/bench_*.py` (each has `run() -> None`) in one process."""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> None:
    modules = sorted(path.stem for path in HERE.glob("bench_*.py"))
    if names:
        modules = [module for module in modules if any(name in module for name in names)]
    started = time.perf_counter()
    for module in modules:
        importlib.import_module(f"bench.{module}").run()
    print(f"\n(all benchmarks: {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
