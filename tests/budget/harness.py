"""Run one reader of user input on hostile inputs and measure each run: wall time and peak
extra memory (the process's resident high-water mark, reset before each run through
/proc/self/clear_refs, minus its resident size before). Prints one JSON line per input.

    python -m tests.budget.harness csv

Runs in a subprocess of its own (tests/budget/test_budgets.py), so that one reader's imports
and caches do not count against another's.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import traceback
from collections.abc import Callable

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _status(field: str) -> int:
    """A field of /proc/self/status in MB."""
    with open("/proc/self/status") as status:
        return int(re.search(rf"{field}:\s+(\d+)", status.read()).group(1)) // 1024


def measure(run: Callable[[], object]) -> dict:
    """Seconds, peak extra MB and the exception (None, "InputError" or another name) of `run()`."""
    import gc

    gc.collect()
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # resets VmHWM to the current resident size
    before = _status("VmRSS")
    started = time.perf_counter()
    error, detail = None, ""
    try:
        run()
    except Exception as exception:  # noqa: BLE001 - what it raised is the result
        error = type(exception).__name__
        if error != "InputError":
            detail = traceback.format_exc()[-2000:]
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 3),
        "extra_mb": max(_status("VmHWM") - before, 0),
        "error": error,
        "detail": detail,
    }


def main(reader: str) -> None:
    import logging

    logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # damaged files: warnings by the dozen
    from tests.budget import cases

    runs = cases.READERS[reader]
    measure(runs.warm_up)  # imports and first-call costs are not the input's
    for name, run in runs.crafted():
        print(json.dumps({"case": name, **measure(run)}), flush=True)
    worst: dict = {"seconds": 0.0, "extra_mb": 0, "error": None, "detail": "", "examples": 0}
    for run in runs.generated():
        result = measure(run)
        worst["examples"] += 1
        worst["seconds"] = max(worst["seconds"], result["seconds"])
        worst["extra_mb"] = max(worst["extra_mb"], result["extra_mb"])
        if result["error"] not in (None, "InputError") and worst["error"] is None:
            worst["error"], worst["detail"] = result["error"], result["detail"]
    print(json.dumps({"case": "hypothesis", **worst}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
