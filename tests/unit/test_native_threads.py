"""BLAS / OpenMP pools are limited to one thread per call (checked in a fresh process)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

PROGRAM = """
import json
import numpy, scipy.linalg, sklearn.decomposition
from threadpoolctl import threadpool_info
from components.runtime.native_threads import one_thread_per_call
before = [pool["num_threads"] for pool in threadpool_info()]
first, again = one_thread_per_call(), one_thread_per_call()
after = [pool["num_threads"] for pool in threadpool_info()]
print(json.dumps({"before": before, "first": first, "again": again, "after": after}))
"""


def test_every_loaded_pool_gets_one_thread_once():
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["first"] == len(report["before"]) > 0 and report["again"] == 0
    assert report["after"] == [1] * len(report["before"])
