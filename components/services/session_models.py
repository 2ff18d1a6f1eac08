"""The model this session uses: a shared model by name, or one of the session's own copies.

A session that fine-tunes works on its own copy, owned by `training_setup.REGISTRY` (counted from
creation, evicted after `limits.COPY_IDLE_MINUTES` idle). The session keeps only the copy's
registry key, so an evicted copy really frees its memory; `active_model` then falls back to the
shared model the copy was made from, with a note for the sidebar.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import streamlit as st

from components.core import limits
from components.models.encoder import DEFAULT_MODEL, model_info
from components.services.models import (
    EXACT,
    SESSION_KEY_PREFIX,
    ActiveModel,
    is_session_model,
    shared_model,
    with_encoder,
)
from components.services.session_keys import (
    ENCODER_KEY,
    EVICTED_KEY,
    MODEL_NAME_KEY,
    SESSION_MODEL_BASES,
    SESSION_MODEL_CACHE_KEYS,
    SESSION_MODELS_KEY,
)
from components.training.training_setup import REGISTRY

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


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
    st.session_state.setdefault(SESSION_MODEL_CACHE_KEYS, {})[label] = key


def session_model(label: str) -> SentenceTransformer | None:
    """This session's own model under `label` (None when it has none, or it was evicted)."""
    return REGISTRY.get(st.session_state.get(SESSION_MODELS_KEY, {}).get(label))


def registered_session_model_labels() -> list[str]:
    """The labels of every copy this session registered, evicted ones included (an evicted copy
    is only noticed, and its label dropped, when `active_model` or `drop_session_model` runs)."""
    return list(st.session_state.get(SESSION_MODELS_KEY, {}))


def live_session_model_labels() -> list[str]:
    """The labels of this session's own models that are still alive (not evicted)."""
    return [
        label for label in registered_session_model_labels() if session_model(label) is not None
    ]


def _session_copy(label: str) -> ActiveModel | None:
    """This session's own copy under `label` as the services take it; None when it was evicted."""
    model = session_model(label)
    if model is None:
        return None
    key = st.session_state[SESSION_MODEL_CACHE_KEYS][label]
    return ActiveModel(model, key, model_info(model, label, source="this session only"))


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
    st.session_state.get(SESSION_MODEL_CACHE_KEYS, {}).pop(label, None)
    if st.session_state.get(MODEL_NAME_KEY) == label:
        st.session_state[MODEL_NAME_KEY] = base_name


def active_model() -> ActiveModel:
    """The model this session has picked (the default until the sidebar changes it).

    A fine-tuned copy evicted for being idle falls back to the model it was made from, with a
    note for the sidebar (`EVICTED_KEY`).
    """
    name = st.session_state.get(MODEL_NAME_KEY, DEFAULT_MODEL)
    if name in st.session_state.get(SESSION_MODELS_KEY, {}):
        copy = _session_copy(name)
        if copy is not None:
            return copy
        drop_session_model(name)
        st.session_state[EVICTED_KEY] = (
            f"Your {name} was dropped after {limits.COPY_IDLE_MINUTES} minutes unused, to make "
            "room for another session's; the model it was made from is back in use. Train again "
            "to get a new one."
        )
        name = st.session_state.get(MODEL_NAME_KEY, DEFAULT_MODEL)
    return with_encoder(name, st.session_state.get(ENCODER_KEY, EXACT))


def model_named(name: str) -> ActiveModel:
    """A model by name: this session's own copy under that label, else the shared model."""
    copy = _session_copy(name) if name in registered_session_model_labels() else None
    return copy if copy is not None else shared_model(name)
