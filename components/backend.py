"""The one place with Streamlit caches: the shared model, embeddings and projections.

The cached model is shared by every session: nothing here (or anywhere) may change it. A session
that fine-tunes works on its own copy and registers it with `register_session_model`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import streamlit as st
from sentence_transformers import SentenceTransformer

from components.encoder import (
    DEFAULT_MODEL,
    ModelInfo,
    count_tokens,
    embed,
    load_model,
    model_info,
)
from components.projection import ProjectionResult, project
from components.tables import vectors_table

# Heavy CPU work (encoding, UMAP, training) from concurrent sessions runs one job at a time:
# on 2 cores, torch, numba and BLAS thread pools from two jobs only thrash each other.
HEAVY_WORK = threading.Lock()

EMBED_CHUNK = 128  # texts per cache entry; a progress bar advances per chunk
PROGRESS_MIN_TEXTS = 300  # below this, encoding is quick enough for a spinner

MODEL_NAME_KEY = "model_name"  # session_state: the name of the model this session uses
SESSION_MODELS_KEY = "session_models"  # session_state: label -> SentenceTransformer of this session


@dataclass(frozen=True)
class ActiveModel:
    model: SentenceTransformer
    key: str  # cache key: the model name, or a session-unique key for a session's own copy
    info: ModelInfo


@st.cache_resource(max_entries=4, show_spinner="Loading the model…")
def get_model(name: str = DEFAULT_MODEL) -> SentenceTransformer:
    """Load a model once per process (shared by all sessions; read-only). Errors are not cached."""
    model = load_model(name)
    model.eval()
    return model


def register_session_model(label: str, model: SentenceTransformer) -> None:
    """Offer a per-session model (e.g. a fine-tuned copy) in the sidebar model picker."""
    st.session_state.setdefault(SESSION_MODELS_KEY, {})[label] = model


def active_model() -> ActiveModel:
    """The model this session has picked (the default until the sidebar changes it)."""
    name = st.session_state.get(MODEL_NAME_KEY, DEFAULT_MODEL)
    session_models = st.session_state.get(SESSION_MODELS_KEY, {})
    if name in session_models:
        model = session_models[name]
        return ActiveModel(model, f"session:{id(model)}", model_info(model, name))
    model = get_model(name)
    return ActiveModel(model, name, model_info(model, name))


@st.cache_data(max_entries=512, show_spinner=False)
def _embed_chunk(model_key: str, texts: tuple[str, ...], _model: SentenceTransformer) -> np.ndarray:
    with HEAVY_WORK:
        return embed(_model, list(texts))


def embed_texts(active: ActiveModel, texts: list[str]) -> np.ndarray:
    """Normalised sentence vectors (n, dim), cached per (model, chunk of texts).

    More than PROGRESS_MIN_TEXTS texts show a progress bar; cached chunks are not re-encoded.
    """
    if not texts:
        return np.zeros((0, active.info.dimension), dtype=np.float32)
    chunks = [tuple(texts[i : i + EMBED_CHUNK]) for i in range(0, len(texts), EMBED_CHUNK)]
    bar = None
    if len(texts) > PROGRESS_MIN_TEXTS:
        bar = st.progress(0.0, text=f"Encoding {len(texts):,} sentences…")
    parts = []
    for number, chunk in enumerate(chunks, start=1):
        parts.append(_embed_chunk(active.key, chunk, active.model))
        if bar is not None:
            done = min(number * EMBED_CHUNK, len(texts))
            bar.progress(number / len(chunks), text=f"Encoded {done:,} / {len(texts):,} sentences")
    if bar is not None:
        bar.empty()
    return np.concatenate(parts)  # (n, dim)


@st.cache_data(max_entries=64, show_spinner=False)
def project_texts(
    model_key: str,
    texts: tuple[str, ...],
    method: str,
    n_components: int,
    params: tuple[tuple[str, float], ...],
    _vectors: np.ndarray,
) -> ProjectionResult:
    """`project` cached per (model, texts, method, params); the vectors follow from the first two."""
    with HEAVY_WORK:
        return project(_vectors, method, n_components, **dict(params))


@st.cache_data(max_entries=64, show_spinner=False)
def token_counts(model_key: str, texts: tuple[str, ...], _model: SentenceTransformer) -> list[int]:
    """Tokens per text (with [CLS]/[SEP]) before truncation, cached per (model, texts)."""
    return count_tokens(_model, texts)


@st.cache_data(max_entries=8, show_spinner=False)
def embeddings_csv(
    model_key: str, texts: tuple[str, ...], labels: tuple[str, ...], _vectors: np.ndarray
) -> bytes:
    """All vectors as CSV (text, label, dim_0 … dim_{d-1}), built once per (model, texts)."""
    return vectors_table(texts, labels, _vectors).to_csv(index=False).encode("utf-8")


# ---------------------------------------------------------------- Tokens & pooling lab (issue 4)
@st.cache_data(max_entries=32, show_spinner=False)
def token_vectors(
    model_key: str, texts: tuple[str, ...], _model: SentenceTransformer
) -> tuple[np.ndarray, np.ndarray]:
    """Contextual token vectors (n, tokens, dim) and attention mask (n, tokens) per (model, texts)."""
    from components.tokens import batched_token_embeddings

    with HEAVY_WORK:
        tokens, mask = batched_token_embeddings(_model, texts)
    return tokens.numpy(), mask.numpy()


@st.cache_resource(max_entries=2, show_spinner="Building a randomly initialised copy…")
def untrained_model(model_key: str, seed: int, _model: SentenceTransformer) -> SentenceTransformer:
    """The model's architecture with random weights (fixed seed), shared read-only like get_model."""
    from components.quality import untrained_copy

    with HEAVY_WORK:
        return untrained_copy(_model, seed)


# ---------------------------------------------------------------- Long text & search (issue 6)
SEARCH_BATCH = 32  # chunks per cache entry (= model.encode batch); the bar advances per batch


@st.cache_data(max_entries=32, show_spinner=False)
def search_chunks(
    model_key: str, text: str, max_tokens: int, overlap: int, _tokenizer: object
) -> list:
    """`chunk_text` cached per (model, text, window, overlap)."""
    from components.chunking import chunk_text

    return chunk_text(text, _tokenizer, max_tokens, overlap)


@st.cache_data(max_entries=4096, show_spinner=False)
def _search_embed_batch(
    model_key: str, texts: tuple[str, ...], _model: SentenceTransformer
) -> np.ndarray:
    with HEAVY_WORK:
        return embed(_model, list(texts))


def search_embed_chunks(active: ActiveModel, texts: list[str]) -> np.ndarray:
    """Chunk vectors (n, dim) with a progress bar, cached per batch of SEARCH_BATCH chunks."""
    if not texts:
        return np.zeros((0, active.info.dimension), dtype=np.float32)
    batches = [tuple(texts[i : i + SEARCH_BATCH]) for i in range(0, len(texts), SEARCH_BATCH)]
    bar = st.progress(0.0, text=f"Encoding {len(texts):,} chunks…")
    parts = []
    for number, batch in enumerate(batches, start=1):
        parts.append(_search_embed_batch(active.key, batch, active.model))
        done = min(number * SEARCH_BATCH, len(texts))
        bar.progress(number / len(batches), text=f"Encoded {done:,} / {len(texts):,} chunks")
    bar.empty()
    return np.concatenate(parts)  # (n, dim)


@st.cache_resource(max_entries=8, show_spinner=False)
def search_hnsw_index(model_key: str, fingerprint: str, _vectors: np.ndarray) -> object:
    """The faiss HNSW index of one set of chunk vectors (read-only once built)."""
    from components.index import HnswIndex

    with HEAVY_WORK:
        return HnswIndex(_vectors)


@st.cache_resource(max_entries=8, show_spinner=False)
def search_bm25(fingerprint: str, _texts: tuple[str, ...]) -> object:
    """The BM25 index of one set of chunk texts (read-only once built)."""
    from components.rerank import Bm25

    return Bm25(_texts)


@st.cache_data(max_entries=256, show_spinner=False)
def search_token_vectors(
    model_key: str, texts: tuple[str, ...], _model: SentenceTransformer
) -> list[np.ndarray]:
    """Unit token vectors of each text (specials removed), for late interaction."""
    from components.rerank import token_vectors

    with HEAVY_WORK:
        return token_vectors(_model, list(texts))


@st.cache_resource(max_entries=2, show_spinner="Loading the cross-encoder…")
def search_cross_encoder(name: str) -> object:
    """A cross-encoder, shared read-only by all sessions. Errors are not cached."""
    from components.rerank import load_cross_encoder

    return load_cross_encoder(name)


@st.cache_data(max_entries=16, show_spinner="Reading the file…")
def search_read_upload(data: bytes, filename: str) -> object:
    """An uploaded file as a document (PDF text extraction runs once per file, not per rerun).

    Raises `InputError` (not cached) when the file cannot be used.
    """
    from components.documents import from_upload

    return from_upload(data, filename)
