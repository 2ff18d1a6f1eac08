"""Start-up of the server process, made explicitly (nothing in the services runs at import).

`start()` is called at the top of every page run (`app.py`, and every page through
`widgets.page_setup`): once per process it caps glibc's malloc arenas and sets the native
libraries' thread pools; on every run it makes sure the UMAP warm-up thread exists. Tests and
benchmarks that use the services outside a page call it too.
"""

from __future__ import annotations

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
    """Called as the last line of every page: background warm-ups may start now."""
    _PAGE_DRAWN.set()


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
        deadline = time.monotonic() + WARM_UP_WAIT_S
        while QUEUE.snapshot() != (0, 0) and time.monotonic() < deadline:
            time.sleep(0.5)
        points = np.random.default_rng(0).normal(size=(30, 8)).astype(np.float32)
        project(points, "umap", 2)
        one_thread_per_call()  # pools umap's imports loaded
        trim_memory()

    thread = threading.Thread(target=fit_a_tiny_map, name="umap-warm-up", daemon=True)
    thread.start()
    return thread


@st.cache_resource(show_spinner=False)
def warm_up_large_umap() -> threading.Thread:
    """Compile, once per process, the code of maps of LARGE_N points and more (approximate
    neighbours, PCA init): ~10 s on a first large map. Started when a session brings that many
    sentences, so it runs while they are encoded; not at start-up, where most visitors never
    need it. Not in the queue, like `warm_up_umap`."""

    def fit_a_large_map() -> None:
        points = np.random.default_rng(0).normal(size=(LARGE_N, 64)).astype(np.float32)
        project(points, "umap", 2)

    thread = threading.Thread(target=fit_a_large_map, name="large-umap-warm-up", daemon=True)
    thread.start()
    return thread
