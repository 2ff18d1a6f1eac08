"""The search lab's shared pieces: chunks of long text, the HNSW and BM25 indexes of a set of
chunks, and cross-encoders; each built once and read-only afterwards."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from components.data.chunking import Chunk, chunk_text
from components.models.encoder import get_tokenizer
from components.services.caches import CHUNKS, INDEXES, digest
from components.services.models import ActiveModel
from components.services.queue import heavy

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder

    from components.retrieval.rerank import Bm25
    from components.vectors.index import HnswIndex


def chunks(
    active: ActiveModel, text: str, max_tokens: int, overlap: int, max_chunks: int | None = None
) -> list[Chunk]:
    """`chunk_text` with the model's tokenizer, cached per (model, text, window, overlap)."""
    key = (active.key, digest(text), max_tokens, overlap, max_chunks)
    found = CHUNKS.get(key)
    if found is None:
        with heavy("chunk", f"Chunking {len(text):,} characters"):
            found = CHUNKS.get_or_compute(
                key,
                lambda: chunk_text(
                    text, get_tokenizer(active.model), max_tokens, overlap, max_chunks
                ),
            )
    return found


def hnsw_index(active: ActiveModel, fingerprint: str, vectors: np.ndarray) -> HnswIndex:
    """The faiss HNSW index of one set of chunk vectors (read-only once built)."""
    from components.vectors.index import HnswIndex

    key = ("hnsw", active.key, fingerprint)
    index = INDEXES.get(key)
    if index is None:
        with heavy("index", f"Building the HNSW index of {len(vectors):,} chunks"):
            index = INDEXES.get_or_compute(key, lambda: HnswIndex(vectors))
    return index


def bm25_index(fingerprint: str, texts: tuple[str, ...]) -> Bm25:
    """The BM25 index of one set of chunk texts (read-only once built)."""
    from components.retrieval.rerank import Bm25

    return INDEXES.get_or_compute(("bm25", fingerprint), lambda: Bm25(texts))


@st.cache_resource(max_entries=2, show_spinner="Loading the cross-encoder…")
def cross_encoder(name: str) -> CrossEncoder:
    """A cross-encoder, shared read-only by all sessions. Errors are not cached."""
    from components.retrieval.rerank import load_cross_encoder

    return load_cross_encoder(name)
