"""glibc malloc arenas limited from inside the process (checked in fresh subprocesses)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from components.allocator import _libc
from tests.conftest import ROOT

PROGRAM = """
import sys, threading
from components.allocator import limit_malloc_arenas, malloc_arena_count, trim_memory
if sys.argv[1] == "limit":
    assert limit_malloc_arenas(2) and limit_malloc_arenas(2)  # idempotent
barrier = threading.Barrier(8)
def work():
    barrier.wait()
    for _ in range(300):
        chunks = [bytes(100) for _ in range(200)]
threads = [threading.Thread(target=work) for _ in range(8)]
[thread.start() for thread in threads]
[thread.join() for thread in threads]
trim_memory()
print(malloc_arena_count())
"""

pytestmark = pytest.mark.skipif(_libc() is None, reason="glibc only")


def arenas_after_eight_threads(mode: str) -> int:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM, mode], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip())


def test_eight_busy_threads_get_at_most_two_arenas_when_limited():
    assert arenas_after_eight_threads("limit") <= 2


def test_without_the_limit_they_get_more():
    """The control: the same threads make glibc open more arenas (so the test above can fail)."""
    assert arenas_after_eight_threads("none") > 2
