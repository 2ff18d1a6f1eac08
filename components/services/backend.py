"""The one place with caches and shared state: the shared model, embeddings, token vectors,
indexes, the heavy-work queue and this session's own models.

Every cached function takes the `ActiveModel` (told apart by its `key`: the model's name, or a
session-unique key for a session's own copy) and is named after what it returns. Models are
`st.cache_resource`s shared by every session: nothing here (or anywhere) may change them.
Computed results live in one `MemoryStore` bounded by bytes (`limits.CACHE_MB` for all of them
together, least recently used first out, dropped after `limits.CACHE_TTL_MINUTES` unused).
Heavy work waits its turn in one fair `WorkQueue`; a waiting session sees its place, an
estimate and a Cancel button. A session that fine-tunes works on its own copy, owned by
`finetune.REGISTRY` (counted from creation, evicted after `limits.COPY_IDLE_MINUTES` idle).

Memory (docs/memory.md): the packaged model runs on onnxruntime (`encoder.load_fast_model`), so
the server imports torch, transformers and sentence-transformers only when a session trains
(`trainable_model`) or picks another model. The default preset's vectors and maps come from disk
(`components.services.result_cache`); glibc's malloc arenas are capped when this module is imported.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import pickle
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import pandas as pd
import streamlit as st

from components.core import limits
from components.core.tables import vectors_table
from components.core.texts import csv_bytes
from components.data.chunking import Chunk, chunk_text
from components.data.documents import LoadedDocument, from_upload
from components.data.imported_vectors import first_rows
from components.data.large_corpus import Corpus, generate_corpus
from components.data.vector_io import ImportedVectors, read_uploads
from components.explore.scale import Prepared, prepare
from components.models.encoder import (
    DEFAULT_MODEL,
    ModelInfo,
    TokenBatch,
    count_tokens,
    embed,
    get_tokenizer,
    is_default_model,
    is_fast,
    load_fast_model,
    load_model,
    model_info,
    token_batch,
    unnormalized_embed,
    untrained_copy,
)
from components.models.onnx_encoder import packaged_model_path
from components.models.onnx_int8 import Int8Encoder
from components.runtime.allocator import fix_mmap_threshold, limit_malloc_arenas, trim_memory
from components.runtime.background import BackgroundJob, replace_or_reuse
from components.runtime.memory_cache import MemoryStore
from components.runtime.native_threads import one_thread_per_call
from components.runtime.work_queue import Job, JobCancelled, WorkQueue
from components.services import result_cache
from components.training.training_setup import REGISTRY
from components.vectors.clusters import Clustering, ClusterMethod, cluster_sentences
from components.vectors.geometry import (
    RAW_MAX,
    TRUNCATION_DIMS,
    metric_agreement,
    quantisation_overlap,
    truncation_overlap,
)
from components.vectors.heatmap_blocks import BlockSummary, block_similarity
from components.vectors.projection import (
    LARGE_N,
    Honesty,
    ProjectionResult,
    align,
    honesty,
    project,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go
    from sentence_transformers import CrossEncoder, SentenceTransformer

    from components.models.encoder import Model
    from components.retrieval.rerank import Bm25
    from components.vectors.index import HnswIndex

# Before the sessions' threads allocate: every thread that contends for the heap would get its own
# glibc arena (up to 8 per core), and arenas rarely give memory back (docs/memory.md).
limit_malloc_arenas(2)
fix_mmap_threshold()  # big blocks go back to the system when freed
one_thread_per_call()  # BLAS / OpenMP: one thread per call (components/runtime/native_threads.py)

T = TypeVar("T")
LOG = logging.getLogger(__name__)

# Heavy CPU work (encoding, maps, training) from concurrent sessions runs one job at a time, in
# the order asked: on 2 cores, torch, numba and BLAS thread pools from two jobs only thrash each
# other. Typical durations seed the wait estimates until real ones are measured.
QUEUE = WorkQueue(
    workers=1,
    time_cap=limits.JOB_SECONDS,
    default_seconds={"encode sentences": 1.0, "encode chunks": 2.0, "map": 5.0, "train": 30.0},
)
STORE = MemoryStore(limits.CACHE_MB * 2**20)
_TTL = limits.CACHE_TTL_MINUTES * 60
_SENTENCE_VECTORS = STORE.cache("sentence vectors", _TTL)
_PROJECTIONS = STORE.cache("projections", _TTL)
_TOKEN_COUNTS = STORE.cache("token counts", _TTL)
_TOKEN_VECTORS = STORE.cache("token vectors", _TTL)
_CHUNKS = STORE.cache("chunks", _TTL)
_INDEXES = STORE.cache("indexes", _TTL)
_UPLOADS = STORE.cache("uploaded files", _TTL)
_MODELS = STORE.cache("random-weight models", _TTL)
_FIGURES = STORE.cache("figures", _TTL)
_HONESTY = STORE.cache("map honesty", _TTL)
_CLUSTERINGS = STORE.cache("clusterings", _TTL)
_RAW_VECTORS = STORE.cache("unnormalised vectors", _TTL)
_GEOMETRY = STORE.cache("geometry lessons", _TTL)
_IMPORTS = STORE.cache("imported vectors", _TTL)
_CORPORA = STORE.cache("generated corpora", _TTL)
_BLOCKS = STORE.cache("heatmap blocks", _TTL)

EMBED_CHUNK = 128  # texts per cache entry; a progress bar advances per chunk
HONESTY_SAMPLE = 5_000  # a map's honesty is judged on at most this many points
PROGRESS_MIN_TEXTS = 300  # below this, encoding is quick enough for a spinner
CHUNK_BATCH = 32  # chunks per embedding cache entry (= model.encode's batch): long chunks gain
# nothing from larger slices, and the progress bar moves often

MODEL_NAME_KEY = "model_name"  # session_state: the name of the model this session uses
SESSION_MODELS_KEY = "session_models"  # session_state: label -> REGISTRY key of this session's copy
SESSION_MODEL_KEYS = "session_model_keys"  # session_state: label -> its unique cache key
SESSION_MODEL_BASES = "session_model_bases"  # session_state: label -> shared model it copies
SESSION_KEY_PREFIX = "session:"
CHUNK_VECTORS_KEY = "_chunk_vectors"  # session_state: the last encoded set of chunks
CANCEL_KEY = "_heavy_cancelled"  # session_state: the user pressed Cancel while waiting
CANCELLED_RUN_KEY = "_heavy_cancelled_run"  # session_state: this run follows a Cancel
EVICTED_KEY = "_session_model_evicted"  # session_state: a copy was dropped for being idle
JOBS_KEY = "_background_jobs"  # session_state: slot -> this session's BackgroundJob in it


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


@dataclass(frozen=True)
class ActiveModel:
    model: Model  # a SentenceTransformer, or the packaged model's torch-free OnnxEncoder
    key: str  # cache key: the model name, or a session-unique key for a session's own copy
    info: ModelInfo


# ---------------------------------------------------------------- the heavy-work queue
def session_owner() -> str:
    """A name unique to this session (it owns the session's fine-tuned copy in REGISTRY)."""
    return st.session_state.setdefault("_session_owner", uuid.uuid4().hex)


def session_id() -> str:
    """This session's id in the Streamlit runtime; "local" outside a server run."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        context = get_script_run_ctx()
    except Exception:  # noqa: BLE001 - no Streamlit run: one local owner
        context = None
    return context.session_id if context is not None else "local"


def _session_alive() -> Callable[[], bool] | None:
    """A check that this session's browser tab is still connected (None outside a server)."""
    try:
        from streamlit import runtime

        if not runtime.exists():
            return None
        server, current = runtime.get_instance(), session_id()
    except Exception:  # noqa: BLE001 - AppTest and bare mode have no live runtime
        return None
    return lambda: server.is_active_session(current)


def _cancel_waiting() -> None:
    st.session_state[CANCEL_KEY] = True


def start_run() -> None:
    """Called once at the top of every page run: a Cancel pressed while waiting applies to the
    run it triggers (that run starts no heavy work), then heavy work runs again as usual."""
    st.session_state[CANCELLED_RUN_KEY] = st.session_state.pop(CANCEL_KEY, False)


@contextmanager
def heavy(kind: str, label: str = "", time_cap: float | None = None) -> Iterator[Job]:
    """Wait for this session's turn in the queue, visibly, then run the block as one job.

    While waiting, a box shows the place in the queue and an estimate, with a Cancel button
    (the click reruns the page; that run starts no heavy work and says so). The job's progress
    callback should call `job.check()`: it stops the job past its time cap or when the tab closed.

    Raises:
        JobCancelled: this run follows a Cancel (nothing is queued), or the tab closed.
        QueueFull, JobTimedOut: see `components.runtime.work_queue`.
    """
    if st.session_state.get(CANCELLED_RUN_KEY):
        raise JobCancelled(
            "Cancelled: this heavy step did not run. Change anything on the page (or press "
            "Retry) to queue it again."
        )
    box = st.empty()
    shown: dict[str, object] = {}

    def on_wait(status) -> None:
        if "text" not in shown:
            with box.container(border=True):
                shown["text"] = st.empty()
                st.button(
                    "Cancel",
                    key=f"heavy_cancel_{status.ticket}",
                    on_click=_cancel_waiting,
                    help="Leave the queue; nothing is computed.",
                )
        shown["text"].info(f"⏳ {label or kind}: {status.text()}", icon=None)

    try:
        with QUEUE.run(
            kind, label=label, alive=_session_alive(), on_wait=on_wait, time_cap=time_cap
        ) as job:
            if shown:
                box.empty()
            yield job
    finally:
        if shown:
            box.empty()


def retry_button(key: str) -> None:
    """A Retry button after a cancelled or stopped job (any rerun queues the work again)."""
    st.button("Retry", key=key)


# ---------------------------------------------------------------- models
@st.cache_resource(max_entries=3, show_spinner="Loading the model…")
def get_model(name: str = DEFAULT_MODEL) -> Model:
    """Load a model once per process (shared by all sessions; read-only). Errors are not cached.

    The packaged model is an `OnnxEncoder`: its tokenizer works at once and its onnxruntime
    session opens in the background (exporting the model first when this machine has no export
    yet; `wait_for_model` shows a spinner when a page needs it before it is ready).
    """
    fast = load_fast_model(name)
    if fast is not None:
        fast.prepare_in_background()
        return fast
    model = load_model(name)
    model.eval()
    return model


@st.cache_resource(max_entries=2, show_spinner="Loading the model in torch for training…")
def trainable_model(name: str = DEFAULT_MODEL) -> SentenceTransformer:
    """The torch SentenceTransformer of `name`, to copy and train (shared; never trained itself).

    For the packaged model this is the first moment torch is imported into the server.
    """
    model = get_model(name)
    if is_fast(model):
        model = load_model(name)
        model.eval()
    return model


def wait_for_model(model: Model) -> None:
    """Before a forward pass: when the model is still being prepared, say so while waiting."""
    if is_fast(model) and not model.is_ready:
        with st.spinner(
            "Preparing the model: opening its ONNX export (the first time on a new server, "
            "exporting it takes ~10 s)…"
        ):
            model.prepare()


def disk_fingerprint(active: ActiveModel) -> str | None:
    """The model's key for results kept on disk: only the packaged model's exact vectors' (name +
    weights hash), never another backend's."""
    if is_session_model(active) or not is_default_model(active.info.name):
        return None
    if active.key != active.info.name:  # the int8 or torch backend: other numbers
        return None
    return _packaged_fingerprint()


@st.cache_resource(show_spinner=False)
def _packaged_fingerprint() -> str:
    return result_cache.packaged_fingerprint(DEFAULT_MODEL)


@st.cache_resource(show_spinner=False)
def _default_preset_texts() -> tuple[str, ...]:
    from components.data.samples import DEFAULT_PRESET, load_preset

    return tuple(load_preset(DEFAULT_PRESET).texts)


def _keep_on_disk(texts: Sequence[str]) -> bool:
    """Results are written to disk for the default preset only (never for users' own text)."""
    return tuple(texts) == _default_preset_texts()


def register_session_model(label: str, model: SentenceTransformer) -> None:
    """Offer a per-session model (a fine-tuned copy from `REGISTRY`) in the sidebar picker.

    The session keeps only the copy's registry key, so an evicted copy really frees its memory.
    Each registration also gets a never-used cache key, so a retrained copy under the same label
    is never served the previous copy's cached embeddings (an `id()` could be reused).
    """
    registry_key = REGISTRY.key_of(model)
    if registry_key is None:
        raise ValueError("a session model must be a copy made by finetune.REGISTRY")
    st.session_state.setdefault(SESSION_MODELS_KEY, {})[label] = registry_key
    key = f"{SESSION_KEY_PREFIX}{uuid.uuid4().hex}"
    st.session_state.setdefault(SESSION_MODEL_KEYS, {})[label] = key


def is_session_model(active: ActiveModel) -> bool:
    return active.key.startswith(SESSION_KEY_PREFIX)


def session_model(label: str) -> SentenceTransformer | None:
    """This session's own model under `label` (None when it has none, or it was evicted)."""
    return REGISTRY.get(st.session_state.get(SESSION_MODELS_KEY, {}).get(label))


def session_model_labels() -> list[str]:
    """Labels of this session's own models that are still alive."""
    return [
        label
        for label in st.session_state.get(SESSION_MODELS_KEY, {})
        if session_model(label) is not None
    ]


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


def drop_session_model(label: str) -> None:
    """Forget and release the session copy `label`; if it was in use, its base model is used."""
    registry_key = st.session_state.get(SESSION_MODELS_KEY, {}).pop(label, None)
    REGISTRY.release(registry_key)
    base_name = st.session_state.get(SESSION_MODEL_BASES, {}).pop(label, DEFAULT_MODEL)
    st.session_state.get(SESSION_MODEL_KEYS, {}).pop(label, None)
    if st.session_state.get(MODEL_NAME_KEY) == label:
        st.session_state[MODEL_NAME_KEY] = base_name


def active_model() -> ActiveModel:
    """The model this session has picked (the default until the sidebar changes it).

    A fine-tuned copy evicted for being idle falls back to the model it was made from, with a
    note for the sidebar (`EVICTED_KEY`).
    """
    name = st.session_state.get(MODEL_NAME_KEY, DEFAULT_MODEL)
    if name in st.session_state.get(SESSION_MODELS_KEY, {}):
        model = session_model(name)
        if model is not None:
            key = st.session_state[SESSION_MODEL_KEYS][name]
            return ActiveModel(model, key, model_info(model, name, source="this session only"))
        drop_session_model(name)
        st.session_state[EVICTED_KEY] = (
            f"Your {name} was dropped after {limits.COPY_IDLE_MINUTES} minutes unused, to make "
            "room for another session's; the model it was made from is back in use. Train again "
            "to get a new one."
        )
        name = st.session_state.get(MODEL_NAME_KEY, DEFAULT_MODEL)
    model = get_model(name)
    choice = st.session_state.get(ENCODER_KEY, EXACT)
    if is_default_model(name) and choice != EXACT and choice in ENCODERS:
        model = int8_model(name) if choice == INT8 else trainable_model(name)
        info = model_info(model, name)
        info = replace(info, source=f"{info.source} · {ENCODER_NAMES[choice]} backend")
        return ActiveModel(model, f"{name}#{choice}", info)
    return ActiveModel(model, name, model_info(model, name))


# The packaged model's encoder backends: the exact one is the default, the others are opt-in.
EXACT, INT8, TORCH = "exact", "int8", "torch"
ENCODERS = {
    EXACT: "Exact: ONNX fp32, equal to sentence-transformers within 1e-5 (the default)",
    INT8: "Fast: ONNX int8, ~4x the speed of torch, mean cosine 0.99 to the exact vectors",
    TORCH: "PyTorch: sentence-transformers itself (loads torch: ~400 MB more memory)",
}
ENCODER_NAMES = {EXACT: "exact (ONNX fp32)", INT8: "fast (ONNX int8)", TORCH: "PyTorch"}
ENCODER_KEY = "encoder_backend"  # session_state: which of ENCODERS encodes for this session


def encoder_backend(active: ActiveModel) -> str:
    """Which backend makes `active`'s vectors, in words (for a page to say)."""
    if active.key.endswith(f"#{INT8}"):
        return "ONNX int8 (approximate: mean cosine 0.99 to exact)"
    if active.key.endswith(f"#{TORCH}") or not is_fast(active.model):
        return "PyTorch (sentence-transformers)"
    if active.model.runtime == "torch (fallback)":
        return "PyTorch (the ONNX export failed here)"
    return "ONNX fp32 (exact within 1e-5)"


@st.cache_resource(max_entries=1, show_spinner="Preparing the int8 model…")
def int8_model(name: str = DEFAULT_MODEL) -> Int8Encoder:
    """The packaged model quantised to int8 (shared read-only; quantised once per machine)."""
    encoder = Int8Encoder(packaged_model_path(), DEFAULT_MODEL)
    encoder.prepare_in_background()
    return encoder


def session_model_names() -> list[str]:
    """The labels of this session's own models (e.g. a fine-tuned copy)."""
    return list(st.session_state.get(SESSION_MODELS_KEY, {}))


def model_named(name: str) -> ActiveModel:
    """A model by name: this session's own copy under that label, else the shared model."""
    model = session_model(name) if name in session_model_names() else None
    if model is not None:
        key = st.session_state[SESSION_MODEL_KEYS][name]
        return ActiveModel(model, key, model_info(model, name, source="this session only"))
    model = get_model(name)
    return ActiveModel(model, name, model_info(model, name))


def _parameter_bytes(model: Model) -> int:
    if is_fast(model):
        return model.weights_bytes()
    return int(sum(p.numel() * p.element_size() for p in model.parameters()))


# ---------------------------------------------------------------- sentence vectors
def embed_texts(
    active: ActiveModel,
    texts: list[str],
    *,
    chunk: int = EMBED_CHUNK,
    noun: str = "sentences",
    progress_min: int = PROGRESS_MIN_TEXTS,
) -> np.ndarray:
    """Normalised vectors (n, dim), cached per (model, slice of `chunk` texts).

    Each slice not in the cache is one job in the queue (so sessions take turns slice by
    slice). More than `progress_min` texts show a progress bar; cached slices are not re-encoded.
    The packaged model's vectors of a whole text list are looked up on disk first (the shipped
    default preset), and written there for the default preset when they were not.
    """
    if not texts:
        return np.zeros((0, active.info.dimension), dtype=np.float32)
    fingerprint = disk_fingerprint(active)
    if fingerprint is not None:
        kept = result_cache.load_vectors(fingerprint, texts)
        if kept is not None:
            return kept
    slices = [tuple(texts[i : i + chunk]) for i in range(0, len(texts), chunk)]
    bar = None
    if len(texts) > progress_min:
        bar = st.progress(0.0, text=f"Encoding {len(texts):,} {noun}…")
    parts = []
    for number, part in enumerate(slices, start=1):
        key = (active.key, digest(part))
        vectors = _SENTENCE_VECTORS.get(key)
        if vectors is None:
            wait_for_model(active.model)
            with heavy(f"encode {noun}", f"Encoding {len(texts):,} {noun}"):
                vectors = _SENTENCE_VECTORS.get_or_compute(
                    key, lambda part=part: embed(active.model, list(part))
                )
        parts.append(vectors)
        if bar is not None:
            done = min(number * chunk, len(texts))
            bar.progress(number / len(slices), text=f"Encoded {done:,} / {len(texts):,} {noun}")
    if bar is not None:
        bar.empty()
    vectors = np.concatenate(parts)  # (n, dim)
    if fingerprint is not None and _keep_on_disk(texts):
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
    vectors = embed_texts(active, texts, chunk=CHUNK_BATCH, noun="chunks", progress_min=0)
    st.session_state[CHUNK_VECTORS_KEY] = (fingerprint, vectors)
    return ChunkVectors(vectors, False, time.perf_counter() - started)


def projection(
    active: ActiveModel,
    texts: tuple[str, ...],
    method: str,
    n_components: int,
    params: tuple[tuple[str, float], ...],
    vectors: np.ndarray,
) -> ProjectionResult:
    """`project` cached per (model, texts, method, params); the vectors follow from the first two.

    The packaged model's maps are looked up on disk first (the default preset's default map is
    shipped); the default preset's other maps are written there.
    """
    key = (active.key, digest(texts), method, n_components, params)
    result = _PROJECTIONS.get(key)
    if result is not None:
        return result
    fingerprint = disk_fingerprint(active)
    if fingerprint is not None:
        result = result_cache.load_projection(
            fingerprint, texts, method, n_components, dict(params)
        )
        if result is not None:
            _PROJECTIONS.put(key, result)
            return result
    with heavy("map", f"Projecting {len(texts):,} points"):
        result = _PROJECTIONS.get_or_compute(
            key, lambda: project(vectors, method, n_components, **dict(params))
        )
    if fingerprint is not None and _keep_on_disk(texts):
        result_cache.save_projection(fingerprint, texts, method, n_components, dict(params), result)
    return result


# ---------------------------------------------------------------- large inputs, in the background
def generated_corpus(n: int, seed: int) -> Corpus:
    """`large_corpus.generate_corpus`, cached per (n, seed)."""
    return _CORPORA.get_or_compute((n, seed), lambda: generate_corpus(n, seed))


def session_jobs() -> dict[str, BackgroundJob]:
    """This session's background jobs, one per slot ("prepare", "projection")."""
    return st.session_state.setdefault(JOBS_KEY, {})


def _background_turn(
    job: BackgroundJob,
    kind: str,
    label: str,
    alive: Callable[[], bool] | None,
    time_cap: float | None = None,
) -> AbstractContextManager[Job]:
    """The queue's `run` for a background job: its place in line shows as the job's text, and a
    cancel while waiting leaves the line."""
    return QUEUE.run(
        kind,
        label=label,
        alive=alive,
        time_cap=time_cap,
        on_wait=lambda status: job.report(job.share, status.text()),
    )


def map_seconds(n: int) -> float:
    """The time cap of a map of n points: `limits.MAP_SECONDS` for the largest input, in
    proportion below it, never under the cap of other jobs (100,000 points took 134 s here on
    2 loaded cores, bench/bench_projection.py)."""
    return max(float(limits.JOB_SECONDS), limits.MAP_SECONDS * n / limits.SENTENCES)


def preparation(
    active: ActiveModel,
    texts: list[str],
    vectors: np.ndarray | None = None,
    *,
    restart: bool = False,
) -> BackgroundJob[Prepared]:
    """This session's background job preparing `texts` (tokens, vectors, neighbour search,
    heatmap blocks; only the last two for `vectors` the user brought); see `scale.prepare`.

    Started on the first call for these texts and model; later calls return the same job (a
    stopped one until `restart`). Each slice not yet in the vector cache is one job in the queue,
    so sessions take turns slice by slice, and a resumed or repeated preparation only encodes
    what no session has encoded yet.
    """
    key = f"{active.key}|{digest(texts)}"
    alive = _session_alive()
    label = f"Encoding {len(texts):,} sentences"

    def work(job: BackgroundJob[Prepared]) -> Prepared:
        if len(texts) >= LARGE_N:
            warm_up_large_umap()  # compiles the large-map code while the sentences are encoded
        if vectors is not None:
            return prepare(texts, None, None, job.report, vectors=vectors)
        if is_fast(active.model):
            active.model.prepare()  # the ONNX session (normally open long before)

        def encode(part: tuple[str, ...]) -> np.ndarray:
            cache_key = (active.key, digest(part))
            part_vectors = _SENTENCE_VECTORS.get(cache_key)
            if part_vectors is None:
                with _background_turn(job, "encode sentences", label, alive):
                    part_vectors = _SENTENCE_VECTORS.get_or_compute(
                        cache_key, lambda: embed(active.model, list(part))
                    )
            return part_vectors

        return prepare(
            texts,
            encode,
            lambda some: token_counts(active, tuple(some)),
            job.report,
            slice_size=EMBED_CHUNK,
        )

    return replace_or_reuse(
        session_jobs(),
        "prepare",
        key,
        lambda: BackgroundJob(key, work, f"Preparing {len(texts):,} sentences"),
        restart=restart,
    )


def projection_job(
    active: ActiveModel,
    texts: Sequence[str],
    method: str,
    n_components: int,
    params: tuple[tuple[str, float], ...],
    vectors: np.ndarray,
    *,
    restart: bool = False,
) -> BackgroundJob[ProjectionResult]:
    """This session's background job projecting many sentences, with progress by stage and epoch.

    Shares its cache with `projection` (per model, texts, method and settings: a map any session
    made comes back at once). A new setting cancels the projection still running for the old one.
    """
    key = (active.key, digest(texts), method, n_components, params)
    alive = _session_alive()
    label = f"Projecting {len(texts):,} points"

    def work(job: BackgroundJob[ProjectionResult]) -> ProjectionResult:
        result = _PROJECTIONS.get(key)
        if result is None:
            with _background_turn(job, "map", label, alive, map_seconds(len(texts))) as queued:

                def progress(share: float, text: str) -> None:
                    queued.check()  # the time cap, a closed tab
                    job.report(share, text)

                result = _PROJECTIONS.get_or_compute(
                    key,
                    lambda: project(
                        vectors, method, n_components, progress=progress, **dict(params)
                    ),
                )
        return result

    return replace_or_reuse(
        session_jobs(),
        "projection",
        str(key),
        lambda: BackgroundJob(str(key), work, label),
        restart=restart,
    )


def heatmap_blocks(
    active: ActiveModel, texts: tuple[str, ...], vectors: np.ndarray
) -> BlockSummary:
    """`block_similarity` of the vectors, cached per (model, texts)."""
    return _BLOCKS.get_or_compute((active.key, digest(texts)), lambda: block_similarity(vectors))


@dataclass(frozen=True)
class SimilarityHeatmap:
    figure: go.Figure
    shown: np.ndarray  # (rows,) which texts the heatmap shows, in its order
    similarity: np.ndarray  # (rows, rows) their cosines, in that order


def similarity_heatmap(
    active: ActiveModel,
    texts: Sequence[str],
    vectors: np.ndarray,
    *,
    rows: int,
    clustered: bool,
    show_values: bool,
) -> SimilarityHeatmap:
    """The cosine heatmap of the first `rows` texts (in cluster order when `clustered`), built
    once per (model, texts, view): a rerun with nothing changed only sends it again.

    Building it (the cosines, the clustering, one hover string per row) took ~50 ms of every
    Explore rerun. Plotly copies a figure before sending it, so sessions can share it.
    """
    from components.charts import charts
    from components.vectors.similarity import cluster_order, cosine_similarity_matrix

    def build() -> SimilarityHeatmap:
        shown = np.arange(rows)
        similarity = cosine_similarity_matrix(vectors[shown])  # (rows, rows): never n x n
        if clustered:
            order = cluster_order(similarity)
            shown, similarity = shown[order], similarity[np.ix_(order, order)]
        figure = charts.similarity_heatmap(
            similarity,
            [texts[i] for i in shown],
            show_values=show_values,
            numbers=(shown + 1).tolist(),
        )
        return SimilarityHeatmap(figure, shown, similarity)

    key = (active.key, digest(texts), rows, clustered, show_values)
    heatmap = _FIGURES.get(key)
    if heatmap is None:
        heatmap = build()
        nbytes = len(heatmap.figure.to_json()) + heatmap.similarity.nbytes
        _FIGURES.put(key, heatmap, nbytes=nbytes)
    return heatmap


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
    figure = _FIGURES.get(key)
    if figure is None:
        figure = build(*args, **kwargs)
        _FIGURES.put(key, figure, nbytes=len(figure.to_json()))
    return figure


def embeddings_csv(
    active: ActiveModel, texts: Sequence[str], labels: Sequence[str], vectors: np.ndarray
) -> bytes:
    """All vectors as CSV (text, label, dim_0 … dim_{d-1}), formula-looking cells neutralised.

    Not cached: pass it to `st.download_button` as a callable, so it runs only on a click.
    """
    return csv_bytes(vectors_table(list(texts), list(labels), vectors))


# ---------------------------------------------------------------- vectors the user brought
IMPORTED_KEY_PREFIX = "imported:"


def imported_vectors(files: Sequence[tuple[str, bytes]]) -> ImportedVectors:
    """Uploaded vector files (name, bytes), read once per set of files and cut to the first
    `limits.SENTENCES` rows. Raises `InputError` (never cached) when they cannot be used."""
    hasher = hashlib.blake2b(digest_size=16)
    for name, data in files:
        hasher.update(f"{len(name)}:{name}:{len(data)}:".encode())
        hasher.update(data)
    return _IMPORTS.get_or_compute(
        hasher.hexdigest(), lambda: first_rows(read_uploads(files), limits.SENTENCES)
    )


def imported_source(active: ActiveModel, imported: ImportedVectors) -> ActiveModel:
    """What the views' caches (maps, their honesty) are keyed by for vectors the user brought:
    the import's fingerprint, never the model's name, so a map of these vectors is never taken
    for the model's own map of the same texts (and nothing of them is written to disk). The
    model stays the one in use: it still encodes typed queries."""
    info = replace(active.info, name=f"{IMPORTED_KEY_PREFIX}{imported.source}")
    return ActiveModel(active.model, f"{IMPORTED_KEY_PREFIX}{imported.fingerprint}", info)


# ---------------------------------------------------------------- tokens
def token_counts(active: ActiveModel, texts: tuple[str, ...]) -> list[int]:
    """Tokens per text (with [CLS]/[SEP]) before truncation, cached per (model, texts)."""
    return _TOKEN_COUNTS.get_or_compute(
        (active.key, digest(texts)), lambda: count_tokens(active.model, texts)
    )


def token_vectors(active: ActiveModel, texts: tuple[str, ...]) -> TokenBatch:
    """Contextual token vectors and pieces of the texts, cached per (model, texts)."""
    key = (active.key, digest(texts))
    batch = _TOKEN_VECTORS.get(key)
    if batch is None:
        wait_for_model(active.model)
        with heavy("token vectors", f"Token vectors of {len(texts):,} texts"):
            batch = _TOKEN_VECTORS.get_or_compute(key, lambda: token_batch(active.model, texts))
    return batch


def untrained_model(active: ActiveModel, seed: int = 0) -> ActiveModel:
    """The model's architecture with random weights (fixed seed), shared read-only like get_model.

    For the packaged model the random transformer is built and exported to ONNX in a subprocess
    (torch stays out of the server), once per cache folder.
    """
    key = (active.key, seed)
    model = _MODELS.get(key)
    if model is None:
        with heavy("random model", "Building a randomly initialised copy"):
            model = _MODELS.get(key)
            if model is None:
                model = untrained_copy(active.model, seed)
                if is_fast(model):
                    model.prepare()
                _MODELS.put(key, model, nbytes=_parameter_bytes(model))
    info = model_info(model, active.info.name, source="random weights")
    return ActiveModel(model, f"untrained:{active.key}:{seed}", info)


# ---------------------------------------------------------------- long text and search
def chunks(
    active: ActiveModel, text: str, max_tokens: int, overlap: int, max_chunks: int | None = None
) -> list[Chunk]:
    """`chunk_text` with the model's tokenizer, cached per (model, text, window, overlap)."""
    key = (active.key, digest(text), max_tokens, overlap, max_chunks)
    found = _CHUNKS.get(key)
    if found is None:
        with heavy("chunk", f"Chunking {len(text):,} characters"):
            found = _CHUNKS.get_or_compute(
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
    index = _INDEXES.get(key)
    if index is None:
        with heavy("index", f"Building the HNSW index of {len(vectors):,} chunks"):
            index = _INDEXES.get_or_compute(key, lambda: HnswIndex(vectors))
    return index


def bm25_index(fingerprint: str, texts: tuple[str, ...]) -> Bm25:
    """The BM25 index of one set of chunk texts (read-only once built)."""
    from components.retrieval.rerank import Bm25

    return _INDEXES.get_or_compute(("bm25", fingerprint), lambda: Bm25(texts))


@st.cache_resource(max_entries=2, show_spinner="Loading the cross-encoder…")
def cross_encoder(name: str) -> CrossEncoder:
    """A cross-encoder, shared read-only by all sessions. Errors are not cached."""
    from components.retrieval.rerank import load_cross_encoder

    return load_cross_encoder(name)


def uploaded_document(data: bytes, filename: str) -> LoadedDocument:
    """An uploaded file as a document (PDF text extraction runs once per file, not per rerun).

    Raises `InputError` (not cached) when the file cannot be used.
    """
    return _UPLOADS.get_or_compute(
        (digest(filename), hashlib.blake2b(data, digest_size=16).hexdigest()),
        lambda: from_upload(data, filename),
    )


def cache_stats() -> str:
    """One line about the shared result caches (for the sidebar)."""
    stats = STORE.stats()
    running, waiting = QUEUE.snapshot()
    used = stats.bytes / 2**20
    return (
        f"Server: {used:,.{1 if used < 10 else 0}f} of {stats.max_bytes / 2**20:,.0f} MB of cached "
        f"results · heavy jobs: {running} running, {waiting} waiting"
    )


# ---------------------------------------------------------------- map lab
def _queued(cache, key: tuple, kind: str, label: str, compute: Callable[[], T]) -> T:
    """`cache`'s value for `key`, computed as one queued heavy job when it is missing."""
    value = cache.get(key)
    if value is None:
        with heavy(kind, label):
            value = cache.get_or_compute(key, compute)
    return value


def map_honesty(
    active: ActiveModel,
    texts: tuple[str, ...],
    method: str,
    n_components: int,
    params: tuple[tuple[str, float], ...],
    k: int,
    vectors: np.ndarray,
) -> Honesty:
    """How far to trust the `projection` with these arguments (trustworthiness, kept shares).

    Past HONESTY_SAMPLE points, judged on that many drawn at random (the same ones every time):
    every pair of 100,000 points would take many minutes.
    """
    coords = projection(active, texts, method, n_components, params, vectors).coords
    key = (active.key, digest(texts), method, n_components, params, k)
    if len(texts) > HONESTY_SAMPLE:
        rows = np.sort(np.random.default_rng(0).choice(len(texts), HONESTY_SAMPLE, replace=False))
        vectors, coords = vectors[rows], coords[rows]
    return _queued(
        _HONESTY,
        key,
        "map",
        f"Checking the map of {len(texts):,} points",
        lambda: honesty(vectors, coords, k),
    )


@dataclass(frozen=True)
class MapView:
    """One 2D map of the sentences, turned onto the PCA map, and how far to trust it."""

    method_used: str  # "pca", "umap", "tsne" (or what a small n fell back to)
    coords: np.ndarray  # (n, 2): PCA as computed; the others aligned onto it (Procrustes)
    honesty: Honesty  # alignment moves no neighbour: the same figures as the raw map
    note: str  # why the method or a parameter differs from what was asked


def map_view(
    active: ActiveModel,
    texts: tuple[str, ...],
    method: str,
    params: tuple[tuple[str, float], ...],
    k: int,
    vectors: np.ndarray,
) -> MapView:
    """A 2D map, aligned onto the PCA map of the same sentences, with its honesty figures."""
    result = projection(active, texts, method, 2, params, vectors)
    coords = result.coords
    if method != "pca":
        coords = align(projection(active, texts, "pca", 2, (), vectors).coords, coords).coords
    figures = map_honesty(active, texts, method, 2, params, k, vectors)
    return MapView(result.method_used, coords, figures, result.note)


def clustering(
    active: ActiveModel,
    texts: tuple[str, ...],
    method: ClusterMethod,
    n_clusters: int,
    min_cluster_size: int,
    seed: int,
    vectors: np.ndarray,
) -> Clustering:
    """Clusters of the sentence vectors, named by c-TF-IDF, per (model, texts, settings)."""
    key = (active.key, digest(texts), method, n_clusters, min_cluster_size, seed)
    return _queued(
        _CLUSTERINGS,
        key,
        "clusters",
        f"Clustering {len(texts):,} sentences",
        lambda: cluster_sentences(
            list(texts),
            vectors,
            method,
            n_clusters=n_clusters,
            min_cluster_size=min_cluster_size,
            seed=seed,
        ),
    )


def unnormalized_vectors(active: ActiveModel, texts: tuple[str, ...]) -> np.ndarray:
    """The model's vectors before its final Normalize module (n, dim), with their lengths."""
    return _queued(
        _RAW_VECTORS,
        (active.key, digest(texts)),
        "encode sentences",
        f"Encoding {len(texts):,} sentences without normalising",
        lambda: unnormalized_embed(active.model, texts),
    )


@dataclass(frozen=True)
class GeometryLessons:
    raw_lengths: np.ndarray  # (n,) length of each vector before Normalize
    metrics: pd.DataFrame  # `geometry.metric_agreement` on the raw vectors (first RAW_MAX)
    truncation: pd.DataFrame  # `geometry.truncation_overlap` at `TRUNCATION_DIMS`
    quantisation: pd.DataFrame  # `geometry.quantisation_overlap`


def geometry_lessons(
    active: ActiveModel, texts: tuple[str, ...], k: int, vectors: np.ndarray
) -> GeometryLessons:
    """The three geometry lessons' tables for these sentences (one n x n pass each, in blocks);
    the metric lesson re-encodes only the first `RAW_MAX` sentences without Normalize."""
    raw = unnormalized_vectors(active, texts[:RAW_MAX])
    return _queued(
        _GEOMETRY,
        (active.key, digest(texts), k),
        "geometry",
        f"Geometry lessons on {len(texts):,} sentences",
        lambda: GeometryLessons(
            raw_lengths=np.linalg.norm(raw, axis=1),
            metrics=metric_agreement(raw, k),
            truncation=truncation_overlap(vectors, TRUNCATION_DIMS, k),
            quantisation=quantisation_overlap(vectors, k),
        ),
    )


# ---------------------------------------------------------------- warm-up
_PAGE_DRAWN = threading.Event()  # set at the end of the first page run of the process
WARM_UP_WAIT_S = 60.0  # the warm-up starts anyway after this long


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
