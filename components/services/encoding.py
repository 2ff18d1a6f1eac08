"""Vectors of texts, cached and queued: sentence vectors, chunk vectors, token counts and
contextual token vectors, and the CSV of a set of vectors.

Each slice of texts not in the cache is one job in the heavy-work queue (so sessions take turns
slice by slice); the packaged model's vectors of the default preset come from disk.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import streamlit as st

from components.core.tables import vectors_table
from components.core.texts import csv_bytes
from components.data import result_cache
from components.models.encoder import TokenBatch, count_tokens, embed, token_batch
from components.runtime.allocator import trim_memory
from components.services.caches import SENTENCE_VECTORS, TOKEN_COUNTS, TOKEN_VECTORS, digest
from components.services.models import ActiveModel, wait_for_model
from components.services.on_disk import disk_fingerprint, keep_on_disk
from components.services.queue import heavy
from components.services.session_keys import CHUNK_VECTORS_KEY

TEXTS_PER_ENTRY = 128  # sentences per cache entry; a progress bar advances per entry
CHUNKS_PER_ENTRY = 32  # chunks per cache entry (= model.encode's batch): long chunks gain
# nothing from larger slices, and the progress bar moves often
PROGRESS_MIN_TEXTS = 300  # below this, encoding is quick enough for a spinner


def embed_texts(
    active: ActiveModel,
    texts: list[str],
    *,
    texts_per_entry: int = TEXTS_PER_ENTRY,
    noun: str = "sentences",
    progress_min: int = PROGRESS_MIN_TEXTS,
) -> np.ndarray:
    """Normalised vectors (n, dim), cached per (model, slice of `texts_per_entry` texts).

    Each slice not in the cache is one job in the queue (so sessions take turns slice by
    slice). More than `progress_min` texts show a progress bar; cached slices are not re-encoded.
    The packaged model's vectors of a whole text list are looked up on disk first (the shipped
    default preset), and written there for the default preset when they were not.
    """
    if not texts:
        return np.zeros((0, active.info.dimension), dtype=np.float32)
    fingerprint = disk_fingerprint(active)
    if fingerprint is not None:
        # The whole list's vectors read from disk stay in memory: a rerun does not read the
        # `.npz` again (it did on every Explore rerun).
        whole = (active.key, "from disk", digest(tuple(texts)))
        kept = SENTENCE_VECTORS.get(whole)
        if kept is not None:
            return kept
        kept = result_cache.load_vectors(fingerprint, texts)
        if kept is not None:
            kept.setflags(write=False)  # shared by every session from now on
            SENTENCE_VECTORS.put(whole, kept)
            return kept
    step = texts_per_entry
    slices = [tuple(texts[i : i + step]) for i in range(0, len(texts), step)]
    bar = None
    if len(texts) > progress_min:
        bar = st.progress(0.0, text=f"Encoding {len(texts):,} {noun}…")
    parts = []
    for number, part in enumerate(slices, start=1):
        key = (active.key, digest(part))
        vectors = SENTENCE_VECTORS.get(key)
        if vectors is None:
            wait_for_model(active.model)
            with heavy(f"encode {noun}", f"Encoding {len(texts):,} {noun}"):
                vectors = SENTENCE_VECTORS.get_or_compute(
                    key, lambda part=part: embed(active.model, list(part))
                )
        parts.append(vectors)
        if bar is not None:
            done = min(number * step, len(texts))
            bar.progress(number / len(slices), text=f"Encoded {done:,} / {len(texts):,} {noun}")
    if bar is not None:
        bar.empty()
    vectors = np.concatenate(parts)  # (n, dim)
    if fingerprint is not None and keep_on_disk(texts):
        result_cache.save_vectors(fingerprint, texts, vectors)
    if len(texts) > progress_min:
        trim_memory()  # a big job leaves freed heap pages behind
    return vectors


@dataclass(frozen=True)
class ChunkVectors:
    vectors: np.ndarray  # (chunks, dim) unit length
    reused: bool  # True when this session had encoded exactly these chunks already
    seconds: float  # time spent encoding on this run


def chunk_vectors(active: ActiveModel, fingerprint: str, texts: list[str]) -> ChunkVectors:
    """Vectors of a set of chunks, kept for this session under its fingerprint.

    A rerun with the same chunks (e.g. a new query) takes them from the session without even
    a cache lookup per batch; new chunks are encoded with a progress bar, batch by batch.
    """
    kept = st.session_state.get(CHUNK_VECTORS_KEY)
    if kept is not None and kept[0] == fingerprint:
        return ChunkVectors(kept[1], True, 0.0)
    started = time.perf_counter()
    vectors = embed_texts(
        active, texts, texts_per_entry=CHUNKS_PER_ENTRY, noun="chunks", progress_min=0
    )
    st.session_state[CHUNK_VECTORS_KEY] = (fingerprint, vectors)
    return ChunkVectors(vectors, False, time.perf_counter() - started)


def embeddings_csv(
    active: ActiveModel, texts: Sequence[str], labels: Sequence[str], vectors: np.ndarray
) -> bytes:
    """All vectors as CSV (text, label, dim_0 … dim_{d-1}), formula-looking cells neutralised.

    Not cached: pass it to `st.download_button` as a callable, so it runs only on a click.
    """
    return csv_bytes(vectors_table(list(texts), list(labels), vectors))


# ---------------------------------------------------------------- tokens
def token_counts(active: ActiveModel, texts: tuple[str, ...]) -> list[int]:
    """Tokens per text (with [CLS]/[SEP]) before truncation, cached per (model, texts)."""
    return TOKEN_COUNTS.get_or_compute(
        (active.key, digest(texts)), lambda: count_tokens(active.model, texts)
    )


def token_vectors(active: ActiveModel, texts: tuple[str, ...]) -> TokenBatch:
    """Contextual token vectors and pieces of the texts, cached per (model, texts)."""
    key = (active.key, digest(texts))
    batch = TOKEN_VECTORS.get(key)
    if batch is None:
        wait_for_model(active.model)
        with heavy("token vectors", f"Token vectors of {len(texts):,} texts"):
            batch = TOKEN_VECTORS.get_or_compute(key, lambda: token_batch(active.model, texts))
    return batch
