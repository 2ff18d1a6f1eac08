"""Start-up of the server process, made explicitly (nothing in the services runs at import).

`start()` is called at the top of every page run (`app.py`, and every page through
`widgets.page_setup`): once per process it caps glibc's malloc arenas and sets the native
libraries' thread pools; on every run it makes sure the UMAP warm-up thread exists. Tests and
benchmarks that use the services outside a page call it too.
"""

from __future__ import annotations

import atexit
import gc
import threading
import time

import numpy as np
import streamlit as st

from components.runtime.allocator import fix_mmap_threshold, limit_malloc_arenas, trim_memory
from components.runtime.native_threads import one_thread_per_call
from components.services.queue import QUEUE
from components.vectors.projection import LARGE_N, project

_START_LOCK = threading.Lock()
_started = False
_PAGE_DRAWN = threading.Event()  # set at the end of the first page run of the process
WARM_UP_WAIT_S = 60.0  # the warm-up starts anyway after this long
# ... and not before this long after the first page's script ended: the browser is still drawing
# that page (Plotly's code, the charts), and the import and compilation would take its core.
WARM_UP_DELAY_S = 3.0
WARM_UP_JOIN_S = 120.0  # at exit, how long to wait for a warm-up that is compiling
_STOPPING = threading.Event()  # set at exit: a warm-up that has not started compiling never does
_WARM_UPS: list[threading.Thread] = []


def _finish_warm_ups() -> None:
    """At interpreter exit: no new compilation starts, and one under way is waited for.

    A daemon thread inside numba/LLVM's C++ code when the interpreter finalises is stopped
    by `pthread_exit` in the middle of that C++ code, which aborts the whole process ("terminate
    called without an active exception", exit status 134). atexit handlers run before daemon
    threads are stopped, so joining here lets the compilation end cleanly first.
    """
    _STOPPING.set()
    _PAGE_DRAWN.set()  # wake a warm-up that waits for the first page
    for thread in list(_WARM_UPS):
        thread.join(timeout=WARM_UP_JOIN_S)


atexit.register(_finish_warm_ups)


def _start_warm_up(target, name: str) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    _WARM_UPS.append(thread)
    thread.start()
    return thread


def start() -> None:
    """Set up the process for serving (idempotent, thread-safe), then start the warm-up.

    Before the sessions' threads allocate: every thread that contends for the heap would get its
    own glibc arena (up to 8 per core), and arenas rarely give memory back (docs/memory.md); big
    blocks go back to the system when freed; BLAS / OpenMP run one thread per call
    (components/runtime/native_threads.py).
    """
    global _started
    with _START_LOCK:
        if not _started:
            limit_malloc_arenas(2)
            fix_mmap_threshold()
            one_thread_per_call()
            _started = True
    warm_up_umap()  # once per process, in the background


def page_drawn() -> None:
    """Called as the last line of every page: background warm-ups may start now. The first
    time, the heap the imports built is frozen (`freeze_heap`)."""
    if not _PAGE_DRAWN.is_set():
        freeze_heap()
    _PAGE_DRAWN.set()


def freeze_heap() -> None:
    """Move every object alive now out of the garbage collector's reach (`gc.freeze`).

    Streamlit runs a full collection after every script run (`runner.postScriptGC`), and a full
    collection walks every tracked object: with pandas, plotly, onnxruntime and umap's numba
    loaded, ~360,000 objects, 0.18-0.29 s of CPU per run, more than a rerun's own work (and 4
    runs per student in a class). The imported modules never become garbage, so freezing them
    (after the first page, after each warm-up) makes that collection walk only what the
    sessions made since: ~0 ms. What is frozen is never collected by the cycle collector (still
    by reference counting): at most the one run's cyclic garbage, once."""
    gc.freeze()


@st.cache_resource(show_spinner=False)
def warm_up_umap() -> threading.Thread:
    """Import umap and JIT-compile its code once per process, in the background.

    A cold process pays ~20 s for this on the first UMAP map (import + numba compilation); doing
    it while the user reads the first page means the first map of their own sentences does not.
    It starts only once a page has been drawn and no heavy job is running or waiting: the import
    holds the interpreter lock for seconds, which would slow the first page (a cold server draws
    the default Explore page from disk without UMAP). Not in the queue: it must not hold up
    encoding.
    """

    def fit_a_tiny_map() -> None:
        _PAGE_DRAWN.wait(timeout=WARM_UP_WAIT_S)
        if _STOPPING.wait(WARM_UP_DELAY_S):
            return
        deadline = time.monotonic() + WARM_UP_WAIT_S
        while QUEUE.snapshot() != (0, 0) and time.monotonic() < deadline:
            if _STOPPING.wait(0.5):
                return
        if _STOPPING.is_set():
            return
        points = np.random.default_rng(0).normal(size=(30, 8)).astype(np.float32)
        project(points, "umap", 2)
        one_thread_per_call()  # pools umap's imports loaded
        freeze_heap()  # umap, numba and llvmlite's objects
        trim_memory()

    return _start_warm_up(fit_a_tiny_map, "umap-warm-up")


@st.cache_resource(show_spinner=False)
def warm_up_large_umap() -> threading.Thread:
    """Compile, once per process, the code of maps of LARGE_N points and more (approximate
    neighbours, PCA init): ~10 s on a first large map. Started when a session brings that many
    sentences, so it runs while they are encoded; not at start-up, where most visitors never
    need it. Not in the queue, like `warm_up_umap`."""

    def fit_a_large_map() -> None:
        if _STOPPING.is_set():
            return
        points = np.random.default_rng(0).normal(size=(LARGE_N, 64)).astype(np.float32)
        project(points, "umap", 2)
        freeze_heap()

    return _start_warm_up(fit_a_large_map, "large-umap-warm-up")
