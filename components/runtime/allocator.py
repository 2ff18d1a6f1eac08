"""glibc malloc settings that a process can apply to itself (a hosted app's start command and
environment are not ours to change, so `MALLOC_ARENA_MAX=2` cannot be set from outside).

glibc gives threads that contend for the heap their own malloc arenas (up to 8 per core), and
freed memory inside an arena is rarely returned to the system. A Streamlit server runs every
session on its own thread, and onnxruntime / BLAS / numba add thread pools: the arenas add up.
See docs/memory.md for the measured effect.

On anything other than glibc (macOS, musl, Windows) these functions do nothing and return False.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading

M_ARENA_MAX = -8  # mallopt parameter numbers, from glibc's <malloc.h>
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 256 * 1024
_LOCK = threading.Lock()
_applied: dict[str, int] = {}


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    if not hasattr(libc, "mallopt") or not hasattr(libc, "malloc_trim"):
        return None  # not glibc
    return libc


def _mallopt_once(name: str, parameter: int, value: int) -> bool:
    """Set one of glibc's malloc parameters for this process (once); True when in effect."""
    with _LOCK:
        if _applied.get(name) == value:
            return True
        libc = _libc()
        if libc is None or libc.mallopt(parameter, value) != 1:
            return False
        _applied[name] = value
        return True


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Cap glibc's malloc arenas for this process (like MALLOC_ARENA_MAX=arenas), once.

    Call it as early as possible, before threads start: arenas that already exist stay.

    Returns:
        True when the limit is in effect.
    """
    return _mallopt_once("arena_max", M_ARENA_MAX, arenas)


def fix_mmap_threshold(threshold: int = MMAP_THRESHOLD_BYTES) -> bool:
    """Serve every allocation of `threshold` bytes or more with its own mmap, returned to the
    system when freed (like MALLOC_MMAP_THRESHOLD_=threshold), once.

    glibc starts at 128 KB but raises the threshold to the size of each mmapped block freed (up
    to 32 MB), after which numpy arrays, Plotly payloads and onnxruntime buffers come from the
    heap, where freed memory stays. Fixing it cost the real server 35 MB less at the classroom
    peak (839 -> 804 MB, docs/memory.md) for no measurable CPU.

    Returns:
        True when the threshold is in effect.
    """
    return _mallopt_once("mmap_threshold", M_MMAP_THRESHOLD, threshold)


def malloc_arena_count() -> int | None:
    """How many malloc arenas (heaps) this process has now, from glibc's `malloc_info`."""
    libc = _libc()
    if libc is None or not hasattr(libc, "open_memstream"):
        return None
    buffer, size = ctypes.c_char_p(), ctypes.c_size_t()
    libc.open_memstream.restype = ctypes.c_void_p
    stream = libc.open_memstream(ctypes.byref(buffer), ctypes.byref(size))
    if not stream:
        return None
    libc.malloc_info(0, ctypes.c_void_p(stream))
    libc.fclose(ctypes.c_void_p(stream))
    report = ctypes.string_at(buffer, size.value).decode("ascii", "replace")
    libc.free(buffer)
    return report.count("<heap nr=")


def trim_memory() -> bool:
    """Give freed heap memory back to the system (glibc `malloc_trim(0)`), e.g. after a big job.

    Returns:
        True when some memory was released.
    """
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
