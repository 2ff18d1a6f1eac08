"""The models every session shares: loaded once per process, read-only, picked by name.

Models are `st.cache_resource`s shared by every session: nothing here (or anywhere) may change
them. The packaged model runs on onnxruntime (`encoder.load_fast_model`), so the server imports
torch, transformers and sentence-transformers only when a session trains (`trainable_model`),
picks the PyTorch encoder backend, or picks another model (docs/memory.md).

Every cached function of the services takes an `ActiveModel`, told apart by its `key`: the
model's name, or a session-unique key for a session's own copy (`services.session_models`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import streamlit as st

from components.models.encoder import (
    DEFAULT_MODEL,
    ModelInfo,
    is_default_model,
    is_fast,
    load_fast_model,
    load_model,
    model_info,
    untrained_copy,
)
from components.models.onnx_files import packaged_model_path
from components.models.onnx_int8 import Int8Encoder
from components.services.caches import MODELS
from components.services.queue import heavy

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from components.models.encoder import Model

SESSION_KEY_PREFIX = "session:"  # the cache keys of a session's own copies start so


@dataclass(frozen=True)
class ActiveModel:
    model: Model  # a SentenceTransformer, or the packaged model's torch-free OnnxEncoder
    key: str  # cache key: the model name, or a session-unique key for a session's own copy
    info: ModelInfo


def is_session_model(active: ActiveModel) -> bool:
    """True for a session's own copy (e.g. a fine-tuned one), never shared with other sessions."""
    return active.key.startswith(SESSION_KEY_PREFIX)


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


def shared_model(name: str) -> ActiveModel:
    """The shared model `name` (loaded once per process), as the services take it."""
    model = get_model(name)
    return ActiveModel(model, name, model_info(model, name))


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


# ---------------------------------------------------------------- the packaged model's backends
# The exact one is the default, the others are opt-in (the sidebar's "Encoder backend").
EXACT, INT8, TORCH = "exact", "int8", "torch"
ENCODERS = {
    EXACT: "Exact: ONNX fp32, equal to sentence-transformers within 1e-5 (the default)",
    INT8: "Fast: ONNX int8, ~4x the speed of torch, mean cosine 0.99 to the exact vectors",
    TORCH: "PyTorch: sentence-transformers itself (loads torch: ~400 MB more memory)",
}
ENCODER_NAMES = {EXACT: "exact (ONNX fp32)", INT8: "fast (ONNX int8)", TORCH: "PyTorch"}


@st.cache_resource(max_entries=1, show_spinner="Preparing the int8 model…")
def int8_model(name: str = DEFAULT_MODEL) -> Int8Encoder:
    """The packaged model quantised to int8 (shared read-only; quantised once per machine)."""
    encoder = Int8Encoder(packaged_model_path(), DEFAULT_MODEL)
    encoder.prepare_in_background()
    return encoder


def with_encoder(name: str, choice: str) -> ActiveModel:
    """The shared model `name` on the encoder backend `choice` (one of `ENCODERS`; only the
    packaged model has backends to choose from: any other model is itself)."""
    shared = shared_model(name)  # loaded (and its ONNX session opening) whatever the backend
    if not is_default_model(name) or choice == EXACT or choice not in ENCODERS:
        return shared
    model = int8_model(name) if choice == INT8 else trainable_model(name)
    info = model_info(model, name)
    info = replace(info, source=f"{info.source} · {ENCODER_NAMES[choice]} backend")
    return ActiveModel(model, f"{name}#{choice}", info)


def encoder_backend(active: ActiveModel) -> str:
    """Which backend makes `active`'s vectors, in words (for a page to say)."""
    if active.key.endswith(f"#{INT8}"):
        return "ONNX int8 (approximate: mean cosine 0.99 to exact)"
    if active.key.endswith(f"#{TORCH}") or not is_fast(active.model):
        return "PyTorch (sentence-transformers)"
    if active.model.runtime == "torch (fallback)":
        return "PyTorch (the ONNX export failed here)"
    return "ONNX fp32 (exact within 1e-5)"


# ---------------------------------------------------------------- random weights
def parameter_bytes(model: Model) -> int:
    """The memory a model's weights take."""
    if is_fast(model):
        return model.weights_bytes()
    return int(sum(p.numel() * p.element_size() for p in model.parameters()))


def untrained_model(active: ActiveModel, seed: int = 0) -> ActiveModel:
    """The model's architecture with random weights (fixed seed), shared read-only like get_model.

    For the packaged model the random transformer is built and exported to ONNX in a subprocess
    (torch stays out of the server), once per cache folder.
    """
    key = (active.key, seed)
    model = MODELS.get(key)
    if model is None:
        with heavy("random model", "Building a randomly initialised copy"):
            model = MODELS.get(key)
            if model is None:
                model = untrained_copy(active.model, seed)
                if is_fast(model):
                    model.prepare()
                MODELS.put(key, model, nbytes=parameter_bytes(model))
    info = model_info(model, active.info.name, source="random weights")
    return ActiveModel(model, f"untrained:{active.key}:{seed}", info)
