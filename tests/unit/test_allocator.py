"""glibc malloc arenas limited from inside the process (checked in fresh subprocesses)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from components.runtime.allocator import _libc
from tests.conftest import ROOT

PROGRAM = """
import sys, threading
from components.runtime.allocator import limit_malloc_arenas, malloc_arena_count, trim_memory
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


MMAP_PROGRAM = """
import ctypes, sys
from components.runtime.allocator import _libc, fix_mmap_threshold
libc = _libc()
libc.malloc.restype = ctypes.c_void_p
if sys.argv[1] == "fix":
    assert fix_mmap_threshold() and fix_mmap_threshold()  # idempotent
def mmapped() -> int:
    buffer, size = ctypes.c_char_p(), ctypes.c_size_t()
    libc.open_memstream.restype = ctypes.c_void_p
    stream = libc.open_memstream(ctypes.byref(buffer), ctypes.byref(size))
    libc.malloc_info(0, ctypes.c_void_p(stream))
    libc.fclose(ctypes.c_void_p(stream))
    report = ctypes.string_at(buffer, size.value).decode()
    return int(report.split('<total type="mmap" count="')[1].split('"')[0])
libc.free(ctypes.c_void_p(libc.malloc(4 << 20)))  # a 4 MB block, mmapped, then freed
before = mmapped()
block = libc.malloc(1 << 20)  # 1 MB: mmapped again only with a fixed threshold
print(mmapped() - before)
"""


def mmapped_blocks(mode: str) -> int:
    result = subprocess.run(
        [sys.executable, "-c", MMAP_PROGRAM, mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip())


def test_a_fixed_mmap_threshold_keeps_big_blocks_out_of_the_heap():
    """With it, a 1 MB block after a freed 4 MB one is still its own mmap (freed = returned to
    the system); without it glibc raised the threshold and put the block on the heap."""
    assert mmapped_blocks("fix") == 1
    assert mmapped_blocks("none") == 0
