"""Thread pools of the native libraries (BLAS, OpenMP, numba), set deliberately for a shared server.

numpy, scipy and scikit-learn each load an OpenBLAS or OpenMP pool sized to the machine's cores.
On a server where every session runs its script on its own thread (and onnxruntime has its own
pool), a 2-thread BLAS call only waits for a core another session holds: on the loaded 2-core
development machine a 120 x 384 PCA plus a 240 x 240 cosine matrix took 0.51 s median (7.6 s at
worst) with the default 2 threads and 0.018 s (0.045 s at worst) with 1. The lab's page-sized
matrices are small, so one thread per call is the rule (`one_thread_per_call`).

Heavy jobs are the exception: the work queue runs one at a time, so a job that is alone in the
queue may use every core (`heavy_threads`): BLAS / OpenMP pools and numba's threads go up to the
available cores for the job's duration and back to one after it. A job with others waiting behind
it keeps one thread (`services.queue` decides; see docs/benchmarks.md for what each measured).

No streamlit here; `services.startup.start()` calls `one_thread_per_call()` once per process.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_LOCK = threading.Lock()
_LIMITED: set[str] = set()  # library paths already limited
_WIDE = 0  # heavy_threads blocks open right now (the pools stay wide while any is open)
_WIDE_THREADS = 1  # the thread count those blocks asked for
_LOCAL = threading.local()  # this thread's heavy_threads count (`threads_in_effect`)


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity; `os.cpu_count()` off Linux)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def threads_in_effect() -> int:
    """The thread count of the innermost `heavy_threads` block of the calling thread (1 outside
    any): what a heavy job passes on to libraries that take a thread count per call (umap's
    `n_jobs`, a thread pool of blocks)."""
    return getattr(_LOCAL, "threads", 1)


def _pools():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # threadpoolctl comes with scikit-learn; without it, nothing to do
        return []
    return ThreadpoolController().lib_controllers


def one_thread_per_call() -> int:
    """Limit every BLAS / OpenMP pool loaded so far to one thread (idempotent, thread-safe).

    Libraries loaded later (e.g. by a lazy import) keep their own default until this is called
    again. Inside a `heavy_threads` block, newly loaded pools are recorded but left wide: the
    block sets them back to one thread when it ends.

    Returns:
        How many newly loaded pools were limited.
    """
    with _LOCK:
        fresh = [pool for pool in _pools() if pool.filepath not in _LIMITED]
        for pool in fresh:
            pool.set_num_threads(_WIDE_THREADS if _WIDE else 1)
            _LIMITED.add(pool.filepath)
        return len(fresh)


def _set_pools(threads: int) -> None:
    for pool in _pools():
        pool.set_num_threads(threads)
        _LIMITED.add(pool.filepath)


def _set_numba(threads: int) -> int | None:
    """numba's threads for the calling thread (numba's setting is per thread); None when numba is
    not imported (only umap imports it, lazily) or is being imported by another thread right now
    (a partly initialised module in `sys.modules`)."""
    numba = sys.modules.get("numba")
    getter = getattr(numba, "get_num_threads", None)
    setter = getattr(numba, "set_num_threads", None)
    config = getattr(numba, "config", None)
    if getter is None or setter is None or config is None:
        return None
    try:
        previous = getter()
        setter(max(1, min(threads, config.NUMBA_NUM_THREADS)))
    except (AttributeError, ImportError, RuntimeError, ValueError):  # still initialising
        return None
    return previous


@contextmanager
def heavy_threads(threads: int | None = None) -> Iterator[int]:
    """Run the block with BLAS / OpenMP pools and numba at `threads` (default: every available
    core), then back to one thread per call.

    For one heavy job at a time (the work queue's), not for page code: the BLAS pools are
    process-wide, so while the block runs other threads' BLAS calls may use as many threads too.
    Nested and overlapping blocks are fine: the pools go back to one thread when the last ends.

    Yields:
        The thread count in effect.
    """
    global _WIDE, _WIDE_THREADS
    threads = max(1, int(threads or available_cores()))
    with _LOCK:
        _WIDE += 1
        if _WIDE == 1 or threads > _WIDE_THREADS:
            _WIDE_THREADS = threads
            _set_pools(threads)
    numba_before = _set_numba(threads)
    outer = threads_in_effect()
    _LOCAL.threads = threads
    try:
        yield threads
    finally:
        _LOCAL.threads = outer
        if numba_before is not None:
            _set_numba(numba_before)
        else:  # numba imported inside the block (umap): one thread from now on
            _set_numba(1)
        with _LOCK:
            _WIDE -= 1
            if _WIDE == 0:
                _WIDE_THREADS = 1
                _set_pools(1)


@contextmanager
def one_thread() -> Iterator[None]:
    """Run the block with BLAS / OpenMP pools and numba at one thread, inside a heavy job too,
    then back to what was in effect.

    For results that must not depend on the thread count: a seeded UMAP map came out different
    with two threads than with one (PCA's BLAS sums, numba's parallel loops), so a share link's map
    depended on whether the job had been alone in the queue.
    """
    with _LOCK:
        _set_pools(1)
    numba_before = _set_numba(1)
    outer = threads_in_effect()
    _LOCAL.threads = 1
    try:
        yield
    finally:
        _LOCAL.threads = outer
        if numba_before is not None:
            _set_numba(numba_before)
        with _LOCK:
            _set_pools(_WIDE_THREADS if _WIDE else 1)
