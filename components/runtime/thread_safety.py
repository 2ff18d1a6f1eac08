"""Locks for what every session shares: tokenizers, and torch's process-wide settings.

Streamlit runs every session's script on its own thread, and all of them use the one cached model.
A Hugging Face fast tokenizer is not safe to share: it keeps its truncation and padding settings on
the object (on its Rust backend) and sets them again on every call, so a call that counts tokens
without truncation, running while another thread encodes with truncation, makes the encoder see
untruncated batches ("Unable to create tensor ... activate truncation", tensor-size mismatches)
and the counter see truncated ones (wrong counts, then cached and served to everyone).

Every tokenizer object therefore gets one re-entrant lock (`tokenizer_lock`), and every call into
a tokenizer holds it: `guarded(tokenizer)` is a view whose calls take the lock, and code that calls
the tokenizer indirectly (`model.encode`, `model.preprocess`) holds `model_lock(model)`. The lock
belongs to the tokenizer object, not to the Python wrapper that uses it, so any encoder (torch,
ONNX) that shares a tokenizer object shares its lock. Copies (`copy.deepcopy`) get their own
tokenizer and so their own lock.

Torch's thread count and its global random generator are process-wide too: `torch_threads` and
`seeded` change them only while holding `TORCH_GLOBALS`, and put them back before releasing it.

No streamlit and no torch import at module level: this module is cheap to import anywhere.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_LOCKS: dict[int, threading.RLock] = {}  # id(tokenizer) -> its lock, dropped when it is collected
_LOCKS_GUARD = threading.Lock()  # creating a lock for a tokenizer happens once, under this

# Held while torch's process-wide settings (intra-op threads, global random state) are changed.
TORCH_GLOBALS = threading.RLock()


class ForgivingLock:
    """tqdm's write lock, with a wait that ends: after `PATIENCE` seconds the bar goes on unlocked.

    Every `model.encode` creates a tqdm under one process-wide lock, and tqdm does not release it
    when a file sink raises inside `refresh` (a cancelled progress callback did: the full suite
    then hung, every encode waiting forever). Progress bars need no more than best-effort
    ordering, so a lock that was leaked costs each later bar `PATIENCE` seconds, never the server.
    """

    PATIENCE = 0.5

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if not blocking or timeout >= 0:
            return self._lock.acquire(blocking, timeout)
        self._lock.acquire(timeout=self.PATIENCE)
        return True

    def release(self) -> None:
        if self._lock._is_owned():  # not held when the wait above ran out
            self._lock.release()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def forgiving_progress_lock() -> None:
    """Give tqdm a `ForgivingLock` (once per process)."""
    from tqdm import tqdm

    if not isinstance(getattr(tqdm, "_lock", None), ForgivingLock):
        tqdm.set_lock(ForgivingLock())


forgiving_progress_lock()


def _unwrap(tokenizer: Any) -> Any:
    return tokenizer._target if isinstance(tokenizer, GuardedTokenizer) else tokenizer


def tokenizer_lock(tokenizer: Any) -> threading.RLock:
    """The one re-entrant lock of this tokenizer object (created on first use).

    Args:
        tokenizer: any tokenizer object (a transformers tokenizer, a `tokenizers.Tokenizer`, or a
            `GuardedTokenizer` view of one, which shares the lock of what it wraps).
    """
    target = _unwrap(tokenizer)
    key = id(target)
    with _LOCKS_GUARD:
        lock = _LOCKS.get(key)
        if lock is None:
            lock = threading.RLock()
            _LOCKS[key] = lock
            try:  # forget the lock when the tokenizer is collected (its id may be reused)
                weakref.finalize(target, _LOCKS.pop, key, None)
            except TypeError:  # not weak-referenceable: keep the lock for the process's life
                pass
    return lock


def model_lock(model: Any) -> threading.RLock:
    """The lock of the model's tokenizer: hold it around `model.encode`, `model.preprocess`, ...

    A model without a `tokenizer` attribute is its own key.
    """
    tokenizer = getattr(model, "tokenizer", None)
    return tokenizer_lock(model if tokenizer is None else tokenizer)


class GuardedTokenizer:
    """A view of a tokenizer whose every call (and attribute read) holds the tokenizer's lock.

    It forwards everything to the tokenizer: `guarded(tok)(texts, truncation=False)`,
    `.convert_ids_to_tokens(ids)`, `.all_special_ids`, `.is_fast` work as on the tokenizer itself.
    Results (e.g. a `BatchEncoding` and its `word_ids()`) are the tokenizer's own.
    """

    __slots__ = ("_target", "_lock")

    def __init__(self, tokenizer: Any) -> None:
        self._target = _unwrap(tokenizer)
        self._lock = tokenizer_lock(self._target)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return self._target(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        with self._lock:
            value = getattr(self._target, name)
        if callable(value) and not isinstance(value, type):
            lock = self._lock

            @functools.wraps(value)
            def locked(*args: Any, **kwargs: Any) -> Any:
                with lock:
                    return value(*args, **kwargs)

            return locked
        return value

    def __len__(self) -> int:
        with self._lock:
            return len(self._target)

    def __repr__(self) -> str:
        return f"GuardedTokenizer({self._target!r})"


def guarded(tokenizer: Any) -> GuardedTokenizer:
    """`tokenizer` behind its lock (a guarded tokenizer is returned as it is)."""
    if isinstance(tokenizer, GuardedTokenizer):
        return tokenizer
    return GuardedTokenizer(tokenizer)


@contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run the block with torch's intra-op thread count set to `threads` (None: unchanged).

    Holds TORCH_GLOBALS for the whole block, so two blocks never interleave their set/restore
    (which could leave the process at one thread for good).
    """
    import torch

    with TORCH_GLOBALS:
        previous = torch.get_num_threads()
        if threads is not None:
            torch.set_num_threads(int(threads))
        try:
            yield
        finally:
            torch.set_num_threads(previous)


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run the block with torch's global (CPU) random generator seeded, then restore its state.

    Holds TORCH_GLOBALS for the whole block: no other `seeded` block can reseed the generator
    halfway, nor restore a state over this one.
    """
    import torch

    with TORCH_GLOBALS, torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        yield
