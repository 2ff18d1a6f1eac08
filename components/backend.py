"""The one place with Streamlit caches: the shared model, embeddings, token vectors, indexes.

Every cached function takes the `ActiveModel` (hashed by its `key`: the model's name, or a
session-unique key for a session's own copy) and is named after what it returns. The cached model
is shared by every session: nothing here (or anywhere) may change it. A session that fine-tunes
works on its own copy and registers it with `register_session_model`.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from components.chunking import Chunk, chunk_text
from components.documents import LoadedDocument, from_upload
from components.encoder import (
    DEFAULT_MODEL,
    ModelInfo,
    TokenBatch,
    count_tokens,
    embed,
    get_tokenizer,
    load_model,
    model_info,
    token_batch,
    untrained_copy,
)
from components.jobs import Job, replace_or_reuse
from components.large_corpus import Corpus, generate_corpus
from components.projection import LARGE_N, ProjectionResult, project
from components.scale import Prepared, prepare
from components.tables import vectors_table

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder, SentenceTransformer

    from components.index import HnswIndex
    from components.rerank import Bm25

# Heavy CPU work (encoding, UMAP, training) from concurrent sessions runs one job at a time:
# on 2 cores, torch, numba and BLAS thread pools from two jobs only thrash each other.
HEAVY_WORK = threading.Lock()

EMBED_CHUNK = 128  # texts per cache entry; a progress bar advances per chunk
PROGRESS_MIN_TEXTS = 300  # below this, encoding is quick enough for a spinner
CHUNK_BATCH = 32  # chunks per embedding cache entry (= model.encode's batch): long chunks gain
# nothing from larger slices, and the progress bar moves often

MODEL_NAME_KEY = "model_name"  # session_state: the name of the model this session uses
SESSION_MODELS_KEY = "session_models"  # session_state: label -> SentenceTransformer of this session
SESSION_MODEL_KEYS = "session_model_keys"  # session_state: label -> its unique cache key
SESSION_MODEL_BASES = "session_model_bases"  # session_state: label -> shared model it copies
SESSION_KEY_PREFIX = "session:"
CHUNK_VECTORS_KEY = "_chunk_vectors"  # session_state: the last encoded set of chunks
JOBS_KEY = "_jobs"  # session_state: slot -> this session's background Job in that slot


@dataclass(frozen=True)
class ActiveModel:
    model: SentenceTransformer
    key: str  # cache key: the model name, or a session-unique key for a session's own copy
    info: ModelInfo


def _model_key(active: ActiveModel) -> str:
    return active.key


MODEL_HASH = {ActiveModel: _model_key}  # caches tell models apart by key, never by weights


@st.cache_resource(max_entries=4, show_spinner="Loading the model…")
def get_model(name: str = DEFAULT_MODEL) -> SentenceTransformer:
    """Load a model once per process (shared by all sessions; read-only). Errors are not cached."""
    model = load_model(name)
    model.eval()
    return model


def register_session_model(label: str, model: SentenceTransformer) -> None:
    """Offer a per-session model (e.g. a fine-tuned copy) in the sidebar model picker.

    Each registration gets a never-used cache key, so a retrained copy under the same label is
    never served the previous copy's cached embeddings (an `id()` could be reused).
    """
    st.session_state.setdefault(SESSION_MODELS_KEY, {})[label] = model
    key = f"{SESSION_KEY_PREFIX}{uuid.uuid4().hex}"
    st.session_state.setdefault(SESSION_MODEL_KEYS, {})[label] = key


def is_session_model(active: ActiveModel) -> bool:
    return active.key.startswith(SESSION_KEY_PREFIX)


def session_model(label: str) -> SentenceTransformer | None:
    """This session's own model under `label` (None when it has none)."""
    return st.session_state.get(SESSION_MODELS_KEY, {}).get(label)


def base_model_name(active: ActiveModel) -> str:
    """The shared model a new session copy starts from: the model in use or, when that is a
    session copy itself, the shared model that copy was made from."""
    if is_session_model(active):
        return st.session_state.get(SESSION_MODEL_BASES, {}).get(active.info.name, DEFAULT_MODEL)
    return active.info.name


def use_session_model(label: str, model: SentenceTransformer, base_name: str) -> None:
    """Register a session copy made from `base_name` and make it the model this session uses."""
    register_session_model(label, model)
    st.session_state.setdefault(SESSION_MODEL_BASES, {})[label] = base_name
    st.session_state[MODEL_NAME_KEY] = label


def drop_session_model(label: str) -> SentenceTransformer | None:
    """Forget the session copy `label`; if it was in use, its base model is used again.

    Returns:
        The dropped model (for the caller to release), or None.
    """
    model = st.session_state.get(SESSION_MODELS_KEY, {}).pop(label, None)
    base_name = st.session_state.get(SESSION_MODEL_BASES, {}).pop(label, DEFAULT_MODEL)
    if st.session_state.get(MODEL_NAME_KEY) == label:
        st.session_state[MODEL_NAME_KEY] = base_name
    return model


def active_model() -> ActiveModel:
    """The model this session has picked (the default until the sidebar changes it)."""
    name = st.session_state.get(MODEL_NAME_KEY, DEFAULT_MODEL)
    session_models = st.session_state.get(SESSION_MODELS_KEY, {})
    if name in session_models:
        model = session_models[name]
        key = st.session_state[SESSION_MODEL_KEYS][name]
        return ActiveModel(model, key, model_info(model, name, source="this session only"))
    model = get_model(name)
    return ActiveModel(model, name, model_info(model, name))


# ---------------------------------------------------------------- sentence vectors
@st.cache_data(max_entries=2048, show_spinner=False, hash_funcs=MODEL_HASH)
def _vectors_of_slice(active: ActiveModel, texts: tuple[str, ...]) -> np.ndarray:
    with HEAVY_WORK:
        return embed(active.model, list(texts))


def embed_texts(
    active: ActiveModel,
    texts: list[str],
    *,
    chunk: int = EMBED_CHUNK,
    noun: str = "sentences",
    progress_min: int = PROGRESS_MIN_TEXTS,
) -> np.ndarray:
    """Normalised vectors (n, dim), cached per (model, slice of `chunk` texts).

    More than `progress_min` texts show a progress bar; cached slices are not re-encoded.
    """
    if not texts:
        return np.zeros((0, active.info.dimension), dtype=np.float32)
    slices = [tuple(texts[i : i + chunk]) for i in range(0, len(texts), chunk)]
    bar = None
    if len(texts) > progress_min:
        bar = st.progress(0.0, text=f"Encoding {len(texts):,} {noun}…")
    parts = []
    for number, part in enumerate(slices, start=1):
        parts.append(_vectors_of_slice(active, part))
        if bar is not None:
            done = min(number * chunk, len(texts))
            bar.progress(number / len(slices), text=f"Encoded {done:,} / {len(texts):,} {noun}")
    if bar is not None:
        bar.empty()
    return np.concatenate(parts)  # (n, dim)


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
    vectors = embed_texts(active, texts, chunk=CHUNK_BATCH, noun="chunks", progress_min=0)
    st.session_state[CHUNK_VECTORS_KEY] = (fingerprint, vectors)
    return ChunkVectors(vectors, False, time.perf_counter() - started)


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=MODEL_HASH)
def projection(
    active: ActiveModel,
    texts: tuple[str, ...],
    method: str,
    n_components: int,
    params: tuple[tuple[str, float], ...],
    _vectors: np.ndarray,
) -> ProjectionResult:
    """`project` cached per (model, texts, method, params); the vectors follow from the first two."""
    with HEAVY_WORK:
        return project(_vectors, method, n_components, **dict(params))


# ---------------------------------------------------------------- large inputs, in the background
@st.cache_data(max_entries=2, show_spinner="Generating the corpus…")
def generated_corpus(n: int, seed: int) -> Corpus:
    """`large_corpus.generate_corpus`, cached per (n, seed)."""
    return generate_corpus(n, seed)


def texts_fingerprint(texts: list[str] | tuple[str, ...]) -> str:
    """A short key for a list of texts (hashing it is faster than hashing a 100k-tuple per call)."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return f"{len(texts)}:{digest.hexdigest()[:24]}"


def session_jobs() -> dict[str, Job]:
    """This session's background jobs, one per slot ("prepare", "projection")."""
    return st.session_state.setdefault(JOBS_KEY, {})


def preparation(active: ActiveModel, texts: list[str], *, restart: bool = False) -> Job[Prepared]:
    """This session's job preparing `texts` (tokens, vectors, neighbours, heatmap blocks).

    Started on the first call for these texts and model; later calls return the same job. Slices
    are encoded through the shared slice cache: a resumed (`restart`) or repeated preparation
    only encodes what no session has encoded yet.
    """
    fingerprint = texts_fingerprint(texts)
    key = f"{active.key}|{fingerprint}"

    def count(some: list[str]) -> list[int]:
        with HEAVY_WORK:
            return count_tokens(active.model, some)

    def work(job: Job[Prepared]) -> Prepared:
        if len(texts) >= LARGE_N:
            warm_up_large_umap()  # compiles the large-map code while the sentences are encoded
        return prepare(
            texts, lambda part: _vectors_of_slice(active, part), count, job.report,
            slice_size=EMBED_CHUNK,
        )  # fmt: skip

    return replace_or_reuse(
        session_jobs(), "prepare", key,
        lambda: Job(key, work, f"Preparing {len(texts):,} sentences"), restart=restart,
    )  # fmt: skip


@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=MODEL_HASH)
def _projection_of(
    active: ActiveModel,
    fingerprint: str,
    method: str,
    n_components: int,
    params: tuple[tuple[str, float], ...],
    _vectors: np.ndarray,
    _progress: object,
) -> ProjectionResult:
    with HEAVY_WORK:
        return project(_vectors, method, n_components, progress=_progress, **dict(params))


def projection_job(
    active: ActiveModel,
    fingerprint: str,
    method: str,
    n_components: int,
    params: tuple[tuple[str, float], ...],
    vectors: np.ndarray,
    *,
    restart: bool = False,
) -> Job[ProjectionResult]:
    """This session's job projecting a large set (cached across sessions per model, texts,
    method and settings); a new setting cancels the projection still running for the old one."""
    key = f"{active.key}|{fingerprint}|{method}|{n_components}|{params}"

    def work(job: Job[ProjectionResult]) -> ProjectionResult:
        return _projection_of(
            active, fingerprint, method, n_components, params, vectors, job.report
        )

    return replace_or_reuse(
        session_jobs(), "projection", key,
        lambda: Job(key, work, f"Projecting {len(vectors):,} sentences"), restart=restart,
    )  # fmt: skip


@st.cache_data(max_entries=8, show_spinner=False, hash_funcs=MODEL_HASH)
def embeddings_csv(
    active: ActiveModel, texts: tuple[str, ...], labels: tuple[str, ...], _vectors: np.ndarray
) -> bytes:
    """All vectors as CSV (text, label, dim_0 … dim_{d-1}), built once per (model, texts)."""
    return vectors_table(texts, labels, _vectors).to_csv(index=False).encode("utf-8")


# ---------------------------------------------------------------- tokens
@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=MODEL_HASH)
def token_counts(active: ActiveModel, texts: tuple[str, ...]) -> list[int]:
    """Tokens per text (with [CLS]/[SEP]) before truncation, cached per (model, texts).

    Under HEAVY_WORK: the shared tokenizer changes its truncation setting per call, so counting
    (untruncated) while another thread encodes (truncated) breaks one of them.
    """
    with HEAVY_WORK:
        return count_tokens(active.model, texts)


@st.cache_data(max_entries=256, show_spinner=False, hash_funcs=MODEL_HASH)
def token_vectors(active: ActiveModel, texts: tuple[str, ...]) -> TokenBatch:
    """Contextual token vectors and pieces of the texts, cached per (model, texts)."""
    with HEAVY_WORK:
        return token_batch(active.model, texts)


@st.cache_resource(max_entries=2, show_spinner="Building a randomly initialised copy…",
                   hash_funcs=MODEL_HASH)  # fmt: skip
def untrained_model(active: ActiveModel, seed: int = 0) -> ActiveModel:
    """The model's architecture with random weights (fixed seed), shared read-only like get_model."""
    with HEAVY_WORK:
        model = untrained_copy(active.model, seed)
    info = model_info(model, active.info.name, source="random weights")
    return ActiveModel(model, f"untrained:{active.key}:{seed}", info)


# ---------------------------------------------------------------- long text and search
@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=MODEL_HASH)
def chunks(active: ActiveModel, text: str, max_tokens: int, overlap: int) -> list[Chunk]:
    """`chunk_text` with the model's tokenizer, cached per (model, text, window, overlap)."""
    return chunk_text(text, get_tokenizer(active.model), max_tokens, overlap)


@st.cache_resource(max_entries=8, show_spinner=False, hash_funcs=MODEL_HASH)
def hnsw_index(active: ActiveModel, fingerprint: str, _vectors: np.ndarray) -> HnswIndex:
    """The faiss HNSW index of one set of chunk vectors (read-only once built)."""
    from components.index import HnswIndex

    with HEAVY_WORK:
        return HnswIndex(_vectors)


@st.cache_resource(max_entries=8, show_spinner=False)
def bm25_index(fingerprint: str, _texts: tuple[str, ...]) -> Bm25:
    """The BM25 index of one set of chunk texts (read-only once built)."""
    from components.rerank import Bm25

    return Bm25(_texts)


@st.cache_resource(max_entries=2, show_spinner="Loading the cross-encoder…")
def cross_encoder(name: str) -> CrossEncoder:
    """A cross-encoder, shared read-only by all sessions. Errors are not cached."""
    from components.rerank import load_cross_encoder

    return load_cross_encoder(name)


@st.cache_data(max_entries=16, show_spinner="Reading the file…")
def uploaded_document(data: bytes, filename: str) -> LoadedDocument:
    """An uploaded file as a document (PDF text extraction runs once per file, not per rerun).

    Raises `InputError` (not cached) when the file cannot be used.
    """
    return from_upload(data, filename)


# ---------------------------------------------------------------- warm-up
@st.cache_resource(show_spinner=False)
def warm_up_umap() -> threading.Thread:
    """Import umap and JIT-compile its code once per process, in the background.

    A cold process pays ~20 s for this on the first UMAP map (import + numba compilation); doing
    it while the user reads the home page means the first map does not. Not under HEAVY_WORK:
    it must not hold up encoding.
    """

    def fit_a_tiny_map() -> None:
        points = np.random.default_rng(0).normal(size=(30, 8)).astype(np.float32)
        project(points, "umap", 2)

    thread = threading.Thread(target=fit_a_tiny_map, name="umap-warm-up", daemon=True)
    thread.start()
    return thread


@st.cache_resource(show_spinner=False)
def warm_up_large_umap() -> threading.Thread:
    """Compile, once per process, the code of maps of LARGE_N points and more (approximate
    neighbours, PCA init): ~10 s on a first large map. Started when a session brings that many
    sentences, so it runs while they are encoded; not at start-up, where most visitors never
    need it."""

    def fit_a_large_map() -> None:
        points = np.random.default_rng(0).normal(size=(LARGE_N, 64)).astype(np.float32)
        project(points, "umap", 2)

    thread = threading.Thread(target=fit_a_large_map, name="large-umap-warm-up", daemon=True)
    thread.start()
    return thread
