"""A thread-safe in-memory cache bounded by bytes: one budget shared by every named cache.

Streamlit's `st.cache_data(max_entries=...)` bounds entries, not bytes: 256 entries of up to
~20 MB each is 5 GB. Here every entry is weighed when stored (numpy arrays and torch tensors by
their buffers, lists/tuples/dicts/dataclasses by what they hold, anything else by an estimate),
all named caches draw on one `MemoryStore` budget, and the least recently used entries (over all
caches) go first when it is full. An entry unused for its cache's `ttl_seconds` is dropped.
Exceptions are never cached: a failed computation is tried again next time.

No streamlit here: `components/services/caches.py` creates the caches and decides their keys.

    store = MemoryStore(max_bytes=256 * 2**20)
    embeddings = store.cache("embeddings", ttl_seconds=3600)
    vectors = embeddings.get_or_compute(("model", texts), lambda: embed(model, texts))
"""

from __future__ import annotations

import dataclasses
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

V = TypeVar("V")
_MISSING = object()  # get(): no default given, raise KeyError
_ABSENT = object()  # get_or_compute(): not in the cache
_SAMPLE_ITEMS = 200  # a longer container is weighed from a sample of its items, scaled up
_MAX_DEPTH = 6
_COUNTERS = ("hits", "misses", "evictions", "expirations", "too_big")


def estimate_bytes(value: Any, _depth: int = 0) -> int:
    """Approximate memory held by `value`, for the cache budget.

    Exact for numpy arrays (`nbytes`) and torch tensors (element size x count); containers,
    dataclasses and plain objects add up what they hold (long containers from a sample of
    `_SAMPLE_ITEMS` items, scaled); an object with an `nbytes` attribute or a `memory_bytes()`
    method reports itself; anything else counts `sys.getsizeof`.
    """
    if isinstance(value, np.ndarray):
        return int(value.nbytes) + 112
    if isinstance(value, (str, bytes, bytearray, int, float, bool, type(None))):
        return sys.getsizeof(value)
    if _depth >= _MAX_DEPTH:
        return sys.getsizeof(value)
    size_method = getattr(value, "memory_bytes", None)
    if callable(size_method):
        return int(size_method())
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, (int, np.integer)):
        return int(nbytes) + 112
    if type(value).__module__.startswith("torch") and hasattr(value, "element_size"):
        return int(value.element_size() * value.nelement()) + 112  # a tensor
    if isinstance(value, dict):
        items = list(value.items())
        return sys.getsizeof(value) + _scaled(
            items, lambda item: _weigh(item[0], _depth) + _weigh(item[1], _depth)
        )
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
        return sys.getsizeof(value) + _scaled(items, lambda item: _weigh(item, _depth))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sys.getsizeof(value) + sum(
            _weigh(getattr(value, field.name), _depth) for field in dataclasses.fields(value)
        )
    attributes = getattr(value, "__dict__", None)
    if isinstance(attributes, dict):
        return sys.getsizeof(value) + _weigh(attributes, _depth)
    return sys.getsizeof(value)


def _weigh(value: Any, depth: int) -> int:
    return estimate_bytes(value, depth + 1)


def _scaled(items: list, weigh: Callable[[Any], int]) -> int:
    if len(items) <= _SAMPLE_ITEMS:
        return sum(weigh(item) for item in items)
    step = len(items) / _SAMPLE_ITEMS
    sample = [items[int(i * step)] for i in range(_SAMPLE_ITEMS)]
    return int(sum(weigh(item) for item in sample) * len(items) / _SAMPLE_ITEMS)


def _freeze(value: Any, depth: int = 0) -> None:
    """Make numpy arrays in `value` read-only: a cached value is shared by every session."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif depth < 2 and isinstance(value, (list, tuple)):
        for item in value[:_SAMPLE_ITEMS] if len(value) > _SAMPLE_ITEMS else value:
            _freeze(item, depth + 1)
        if len(value) > _SAMPLE_ITEMS:
            for item in value[_SAMPLE_ITEMS:]:
                if isinstance(item, np.ndarray):
                    item.flags.writeable = False


@dataclass
class _Entry:
    value: Any
    nbytes: int
    last_used: float


@dataclass(frozen=True)
class CacheStats:
    entries: int
    bytes: int
    max_bytes: int
    hits: int
    misses: int
    evictions: int  # dropped to make room
    expirations: int  # dropped after their time to live
    too_big: int  # values not stored because they alone exceed the budget


class MemoryStore:
    """The shared byte budget and the least-recently-used order of every named cache's entries.

    Thread-safe: one lock guards the entries; computations run outside it (`get_or_compute`), so a
    slow computation never blocks other keys, and two threads asking for the same missing key
    compute it once (the second waits for the first, then reads the result).

    Args:
        max_bytes: the budget for all caches together.
        clock: seconds (monotonic); a test may pass a fake.
    """

    def __init__(self, max_bytes: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_bytes = int(max_bytes)
        self._clock = clock
        self._entries: OrderedDict[tuple[str, Hashable], _Entry] = OrderedDict()  # oldest first
        self._ttl: dict[str, float | None] = {}
        self._bytes = 0
        self._lock = threading.RLock()
        self._key_locks: dict[tuple[str, Hashable], list] = {}  # key -> [RLock, users]
        self._counts: dict[str, dict[str, int]] = {}  # cache name -> counter name -> count

    def cache(self, name: str, ttl_seconds: float | None = None) -> NamedCache:
        """A named view of the store: its own keys and TTL, the shared budget."""
        with self._lock:
            self._ttl[name] = ttl_seconds
            self._counts.setdefault(name, dict.fromkeys(_COUNTERS, 0))
        return NamedCache(self, name)

    def _count(self, name: str, counter: str) -> None:
        self._counts.setdefault(name, dict.fromkeys(_COUNTERS, 0))[counter] += 1

    # ---------------------------------------------------------------- entries
    def _expired(self, name: str, entry: _Entry, now: float) -> bool:
        ttl = self._ttl.get(name)
        return ttl is not None and now - entry.last_used > ttl

    def get(self, name: str, key: Hashable, default: Any = _MISSING) -> Any:
        full_key = (name, key)
        with self._lock:
            entry = self._entries.get(full_key)
            now = self._clock()
            if entry is not None and self._expired(name, entry, now):
                self._drop(full_key, "expirations")
                entry = None
            if entry is None:
                self._count(name, "misses")
                if default is _MISSING:
                    raise KeyError(key)
                return default
            entry.last_used = now
            self._entries.move_to_end(full_key)
            self._count(name, "hits")
            return entry.value

    def put(self, name: str, key: Hashable, value: Any, nbytes: int | None = None) -> bool:
        """Store `value` (weighed by `estimate_bytes` unless `nbytes` is given).

        Returns:
            False when the value alone is larger than the whole budget (it is not stored).
        """
        size = estimate_bytes(value) if nbytes is None else int(nbytes)
        full_key = (name, key)
        with self._lock:
            if full_key in self._entries:
                self._drop(full_key, None)
            if size > self.max_bytes:
                self._count(name, "too_big")
                return False
            _freeze(value)
            now = self._clock()
            self._sweep(now)
            while self._entries and self._bytes + size > self.max_bytes:
                self._drop(next(iter(self._entries)), "evictions")  # least recently used
            self._entries[full_key] = _Entry(value, size, now)
            self._bytes += size
            return True

    def _drop(self, full_key: tuple[str, Hashable], reason: str | None) -> None:
        entry = self._entries.pop(full_key)
        self._bytes -= entry.nbytes
        if reason is not None:
            self._count(full_key[0], reason)

    def _sweep(self, now: float) -> None:
        expired = [
            full_key
            for full_key, entry in self._entries.items()
            if self._expired(full_key[0], entry, now)
        ]
        for full_key in expired:
            self._drop(full_key, "expirations")

    def discard(self, name: str, key: Hashable) -> None:
        with self._lock:
            if (name, key) in self._entries:
                self._drop((name, key), None)

    def clear(self, name: str | None = None) -> None:
        """Drop every entry (of one named cache, or of all)."""
        with self._lock:
            for full_key in [k for k in self._entries if name is None or k[0] == name]:
                self._drop(full_key, None)

    def stats(self, name: str | None = None) -> CacheStats:
        """Entries, bytes and counters of one named cache, or of the whole store."""
        with self._lock:
            self._sweep(self._clock())
            entries = [e for k, e in self._entries.items() if name is None or k[0] == name]
            counters = [c for n, c in self._counts.items() if name is None or n == name]
            return CacheStats(
                entries=len(entries),
                bytes=sum(entry.nbytes for entry in entries),
                max_bytes=self.max_bytes,
                **{counter: sum(c[counter] for c in counters) for counter in _COUNTERS},
            )

    def keys(self, name: str) -> list[Hashable]:
        """The keys of one named cache, least recently used first."""
        with self._lock:
            return [key for cache_name, key in self._entries if cache_name == name]

    # ---------------------------------------------------------------- compute once
    def get_or_compute(
        self, name: str, key: Hashable, compute: Callable[[], V], nbytes: int | None = None
    ) -> V:
        """The cached value, or `compute()` stored (exceptions propagate and are not cached)."""
        value = self.get(name, key, _ABSENT)
        if value is not _ABSENT:
            return value
        key_lock = self._acquire_key_lock((name, key))
        try:
            with key_lock:
                value = self.get(name, key, _ABSENT)  # computed while we waited?
                if value is not _ABSENT:
                    return value
                value = compute()
                self.put(name, key, value, nbytes)
                return value
        finally:
            self._release_key_lock((name, key))

    def _acquire_key_lock(self, full_key: tuple[str, Hashable]) -> threading.RLock:
        with self._lock:
            slot = self._key_locks.setdefault(full_key, [threading.RLock(), 0])
            slot[1] += 1
            return slot[0]

    def _release_key_lock(self, full_key: tuple[str, Hashable]) -> None:
        with self._lock:
            slot = self._key_locks[full_key]
            slot[1] -= 1
            if slot[1] == 0:
                del self._key_locks[full_key]


class NamedCache:
    """One named cache in a `MemoryStore` (see there); keys are any hashable values."""

    def __init__(self, store: MemoryStore, name: str) -> None:
        self.store = store
        self.name = name

    def get(self, key: Hashable, default: Any = None) -> Any:
        return self.store.get(self.name, key, default)

    def put(self, key: Hashable, value: Any, nbytes: int | None = None) -> bool:
        return self.store.put(self.name, key, value, nbytes)

    def get_or_compute(
        self, key: Hashable, compute: Callable[[], V], nbytes: int | None = None
    ) -> V:
        return self.store.get_or_compute(self.name, key, compute, nbytes)

    def discard(self, key: Hashable) -> None:
        self.store.discard(self.name, key)

    def clear(self) -> None:
        self.store.clear(self.name)

    def stats(self) -> CacheStats:
        return self.store.stats(self.name)

    def keys(self) -> list[Hashable]:
        return self.store.keys(self.name)
