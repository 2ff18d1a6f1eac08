"""Every reader of user input, on hostile inputs up to its caps, within its stated budget.

Each reader runs in a subprocess of its own (tests/budget/harness.py) that measures every input:
wall time and peak extra memory (resident high-water mark over the resident size before). The
budgets are `limits.READER_BUDGETS`, shown in docs/shared-server.md's limits table; the only
exception a reader may raise is `InputError`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from components.core import limits
from components.core.paths import PROJECT_ROOT


def run_reader(reader: str) -> list[dict]:
    completed = subprocess.run(
        [sys.executable, "-m", "tests.budget.harness", reader],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]


@pytest.fixture(scope="module")
def measured():
    """Every reader's results, two subprocesses at a time (most of each one's time is imports;
    the budgets leave room for the neighbour's load)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {reader: pool.submit(run_reader, reader) for reader in limits.READER_BUDGETS}
        return {reader: future.result() for reader, future in futures.items()}


@pytest.mark.parametrize("reader", list(limits.READER_BUDGETS))
def test_reader_stays_within_its_budget(reader, measured):
    budget = limits.READER_BUDGETS[reader]
    results = measured[reader]
    assert len(results) >= 4, results  # the crafted cases and the generated ones all ran
    for result in results:
        where = f"{reader}, {result['case']}"
        assert result["error"] in (None, "InputError"), f"{where}: {result['detail']}"
        assert result["seconds"] <= budget.seconds, f"{where}: {result['seconds']} s"
        assert result["extra_mb"] <= budget.mb, f"{where}: +{result['extra_mb']} MB"
    assert results[-1]["case"] == "hypothesis" and results[-1]["examples"] > 0
