"""The byte-bounded cache: weighing, LRU order over all caches, TTL, exceptions, 12 threads."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

import numpy as np
import pytest
import torch

from components.runtime.memory_cache import MemoryStore, estimate_bytes

KB = 1024


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _array(kilobytes: int) -> np.ndarray:
    return np.zeros(kilobytes * KB, dtype=np.uint8)


@dataclass
class _Chunk:
    text: str
    vector: np.ndarray


def test_estimate_bytes_weighs_buffers_and_what_containers_hold():
    assert estimate_bytes(_array(100)) == pytest.approx(100 * KB, rel=0.01)
    assert estimate_bytes(torch.zeros(1000, 256)) == pytest.approx(1000 * 256 * 4, rel=0.01)
    arrays = [np.zeros((50, 384), np.float32) for _ in range(1000)]  # 76.8 MB, sampled
    assert estimate_bytes(arrays) == pytest.approx(1000 * 50 * 384 * 4, rel=0.01)
    assert estimate_bytes((_array(10), _array(20))) == pytest.approx(30 * KB, rel=0.02)
    assert estimate_bytes({"a": _array(10)}) == pytest.approx(10 * KB, rel=0.05)
    chunk = _Chunk("x" * 5000, _array(10))
    assert estimate_bytes(chunk) == pytest.approx(15 * KB, rel=0.05)
    assert estimate_bytes([chunk] * 10) == pytest.approx(150 * KB, rel=0.05)


def test_least_recently_used_goes_first_over_all_named_caches():
    store = MemoryStore(max_bytes=10 * KB + 500)
    first, second = store.cache("first"), store.cache("second")
    first.put("a", _array(4))
    first.put("b", _array(4))
    second.put("c", _array(2))
    assert first.get("a") is not None  # a is now the most recently used
    second.put("d", _array(4))  # over budget: b (least recently used) goes
    assert first.keys() == ["a"] and second.keys() == ["c", "d"]
    assert store.stats().bytes <= store.max_bytes
    second.put("e", _array(9))  # needs everything else gone
    assert first.keys() == [] and second.keys() == ["e"]
    assert store.stats().evictions == 4 and store.stats("first").evictions == 2


def test_a_value_larger_than_the_budget_is_not_stored():
    store = MemoryStore(max_bytes=10 * KB)
    cache = store.cache("c")
    cache.put("small", _array(2))
    assert cache.put("huge", _array(11)) is False
    assert cache.keys() == ["small"] and cache.stats().too_big == 1


def test_entries_unused_for_their_ttl_expire_and_use_keeps_them():
    clock = FakeClock()
    store = MemoryStore(max_bytes=100 * KB, clock=clock)
    short, forever = store.cache("short", ttl_seconds=60), store.cache("forever")
    short.put("used", 1)
    short.put("idle", 2)
    forever.put("kept", 3)
    clock.now = 50
    assert short.get("used") == 1  # refreshed at t=50
    clock.now = 100
    assert short.get("idle") is None and short.get("used") == 1
    clock.now = 10_000
    assert short.stats().entries == 0 and forever.get("kept") == 3
    assert short.stats().expirations == 2


def test_exceptions_are_never_cached():
    cache = MemoryStore(max_bytes=KB * KB).cache("c")
    calls = []

    def failing():
        calls.append(1)
        raise ValueError("boom")

    for _ in range(2):
        with pytest.raises(ValueError, match="boom"):
            cache.get_or_compute("k", failing)
    assert len(calls) == 2 and cache.keys() == []
    assert cache.get_or_compute("k", lambda: 7) == 7 and cache.get_or_compute("k", failing) == 7


def test_cached_arrays_are_read_only_for_every_session():
    cache = MemoryStore(max_bytes=KB * KB).cache("c")
    vectors = cache.get_or_compute("k", lambda: (np.ones(3), [np.ones(2)]))
    with pytest.raises(ValueError):
        vectors[0][0] = 5
    with pytest.raises(ValueError):
        vectors[1][0][0] = 5


def test_twelve_threads_compute_a_missing_key_once():
    cache = MemoryStore(max_bytes=KB * KB).cache("c")
    calls = []
    start = threading.Barrier(12)

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return np.arange(10)

    results = []

    def worker():
        start.wait()
        results.append(cache.get_or_compute("same", slow))

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len(results) == 12
    assert all(result is results[0] for result in results)


def test_the_budget_holds_under_twelve_threads():
    store = MemoryStore(max_bytes=64 * KB)
    caches = [store.cache(f"cache {n}", ttl_seconds=0.05 if n == 0 else None) for n in range(3)]
    start = threading.Barrier(13)
    over: list[int] = []
    done = threading.Event()
    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        pick = random.Random(seed)
        start.wait()
        try:
            for _ in range(400):
                cache = pick.choice(caches)
                key = pick.randrange(40)
                size = pick.choice([1, 2, 5, 13, 30])
                value = cache.get_or_compute(key, lambda size=size: _array(size))
                assert isinstance(value, np.ndarray)
                if pick.random() < 0.1:
                    cache.put(key, _array(size))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    def monitor() -> None:
        start.wait()
        while not done.is_set():
            used = store.stats().bytes
            if used > store.max_bytes:
                over.append(used)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(12)]
    watcher = threading.Thread(target=monitor)
    for thread in [*threads, watcher]:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    watcher.join()
    assert not errors and not over
    stats = store.stats()
    assert 0 < stats.bytes <= store.max_bytes
    assert stats.evictions > 0 and stats.hits > 0
    assert stats.bytes == sum(store.stats(cache.name).bytes for cache in caches)
