"""The server's computed results in memory: one `MemoryStore` and its named caches, the keys
they are filed under, and shared figures.

Computed results live in one store bounded by bytes (`limits.CACHE_MB` for all of them together,
least recently used first out, dropped after `limits.CACHE_TTL_MINUTES` unused). Every cache is
keyed by the `ActiveModel.key` of the model that made the result (the model's name, or a
session-unique key for a session's own copy) and a `digest` of the inputs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from components.core import limits
from components.runtime.memory_cache import MemoryStore, NamedCache
from components.services.queue import QUEUE, heavy

if TYPE_CHECKING:
    import plotly.graph_objects as go

T = TypeVar("T")

STORE = MemoryStore(limits.CACHE_MB * 2**20)


def _cache(name: str) -> NamedCache:
    """A named cache of `STORE` whose entries go after `limits.CACHE_TTL_MINUTES` unused."""
    return STORE.cache(name, limits.CACHE_TTL_MINUTES * 60)


SENTENCE_VECTORS = _cache("sentence vectors")
PROJECTIONS = _cache("projections")
TOKEN_COUNTS = _cache("token counts")
TOKEN_VECTORS = _cache("token vectors")
CHUNKS = _cache("chunks")
INDEXES = _cache("indexes")
UPLOADS = _cache("uploaded files")
MODELS = _cache("random-weight models")
FIGURES = _cache("figures")
HONESTY = _cache("map honesty")
CLUSTERINGS = _cache("clusterings")
RAW_VECTORS = _cache("unnormalised vectors")
GEOMETRY = _cache("geometry lessons")
IMPORTS = _cache("imported vectors")
CORPORA = _cache("generated corpora")
BLOCKS = _cache("heatmap blocks")


def digest(*parts: object) -> str:
    """A short, fixed-size cache key for any number of strings (texts, settings)."""
    hasher = hashlib.blake2b(digest_size=16)
    for part in parts:
        if isinstance(part, (tuple, list)):
            hasher.update(digest(*part).encode())
        else:
            hasher.update(str(part).encode("utf-8", "surrogatepass"))
        hasher.update(b"\x00")
    return hasher.hexdigest()


def queued(cache: NamedCache, key: tuple, kind: str, label: str, compute: Callable[[], T]) -> T:
    """`cache`'s value for `key`, computed as one queued heavy job when it is missing."""
    value = cache.get(key)
    if value is None:
        with heavy(kind, label):
            value = cache.get_or_compute(key, compute)
    return value


def _fingerprint(hasher: hashlib._Hash, value: object) -> None:
    """Feed `value` into `hasher`, arrays by their bytes (a repr would elide them)."""
    if isinstance(value, np.ndarray):
        hasher.update(f"nd{value.dtype}{value.shape}".encode())
        hasher.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, (list, tuple)):
        hasher.update(f"seq{len(value)}".encode())
        for item in value:
            _fingerprint(hasher, item)
    elif isinstance(value, dict):
        hasher.update(f"map{len(value)}".encode())
        for name in sorted(value, key=repr):
            _fingerprint(hasher, name)
            _fingerprint(hasher, value[name])
    elif value is None or isinstance(value, (str, int, float, bool, np.generic)):
        hasher.update(f"{type(value).__name__}:{value!r}".encode("utf-8", "surrogatepass"))
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        hasher.update(f"{type(value).__module__}.{type(value).__qualname__}".encode())
        for item in dataclasses.fields(value):
            _fingerprint(hasher, getattr(value, item.name))
    else:  # anything else: its pickle holds its state
        hasher.update(pickle.dumps(value, protocol=5))
    hasher.update(b"\x00")


def cached_figure(build: Callable[..., go.Figure], *args: object, **kwargs: object) -> go.Figure:
    """`build(*args, **kwargs)`, built once per (builder, arguments) and shared by reruns and
    sessions: a rerun with nothing changed only sends the figure again.

    Building Plotly figures was most of a rerun on the Map lab (five maps of 240 points: ~0.1 s
    of its ~0.17 s). Plotly copies a figure before sending it, and `widgets.chart` restyles a
    copy in presenter mode, so a shared figure is never changed.
    """
    hasher = hashlib.blake2b(digest_size=16)
    try:
        _fingerprint(hasher, (build.__module__, build.__qualname__, args, kwargs))
    except (pickle.PicklingError, TypeError, AttributeError):
        return build(*args, **kwargs)  # arguments without a stable key: not cached
    key = hasher.hexdigest()
    figure = FIGURES.get(key)
    if figure is None:
        figure = build(*args, **kwargs)
        FIGURES.put(key, figure, nbytes=len(figure.to_json()))
    return figure


def cache_stats() -> str:
    """One line about the shared result caches (for the sidebar)."""
    stats = STORE.stats()
    running, waiting = QUEUE.snapshot()
    used = stats.bytes / 2**20
    return (
        f"Server: {used:,.{1 if used < 10 else 0}f} of {stats.max_bytes / 2**20:,.0f} MB of cached "
        f"results · heavy jobs: {running} running, {waiting} waiting"
    )
