"""UI pieces every page shares: the sidebar model picker, persistent widgets, messages."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import streamlit as st

from components import backend
from components.encoder import DEFAULT_MODEL, ModelLoadError
from components.texts import Message

# Every page of the lab: (script path, title, one-line summary). The sidebar and home page use it.
LABS = [
    ("pages/1_Explore.py", "🔭 Explore",
     "Encode your sentences: similarity heatmap, 2D/3D map (UMAP, PCA, t-SNE), nearest "
     "neighbours, the reference demo's real numbers."),
    ("pages/2_Tokens_and_Pooling.py", "🧩 Tokens & pooling",
     "Sub-word pieces, contextual token vectors, and five ways to pool them into one vector."),
    ("pages/3_Loss_Lab.py", "🎯 Loss lab",
     "Cosine-margin, triplet and InfoNCE losses on your own triplets, and live fine-tuning."),
    ("pages/4_Search_Long_Text.py", "🔎 Long text & search",
     "Chunk long documents, build an index, search and re-rank; book vectors vs chunk vectors."),
]  # fmt: skip
ROOT = Path(__file__).resolve().parent.parent

CUSTOM_CHOICE = "Another model…"
_LOADED_KEY = "loaded_model_names"  # custom names this session has loaded successfully
_ERROR_KEY = "model_error"


def persist(key: str, default: Any) -> str:
    """Keep a widget's value when the user visits another page and comes back.

    Streamlit forgets the state of widgets that a page does not draw; this keeps a copy under
    `_key` and puts it back before the widget is drawn. Use: `st.text_area(..., key=persist(k, d))`.
    """
    store = f"_{key}"
    if store not in st.session_state:
        st.session_state[store] = default
    if key in st.session_state:
        st.session_state[store] = st.session_state[key]
    st.session_state[key] = st.session_state[store]
    return key


def show_messages(messages: Iterable[Message]) -> None:
    for message in messages:
        {"info": st.info, "warning": st.warning, "error": st.error}[message.level](message.text)


def _model_label(name: str) -> str:
    if name == DEFAULT_MODEL:
        return "all-MiniLM-L6-v2 (packaged, offline)"
    return name


def _choose_model() -> None:
    choice = st.session_state["model_choice"]
    if choice != CUSTOM_CHOICE:
        st.session_state[backend.MODEL_NAME_KEY] = choice
        st.session_state[_ERROR_KEY] = ""


def _load_custom_model() -> None:
    name = st.session_state.get("model_custom_name", "").strip()
    try:
        backend.get_model(name)
    except ModelLoadError as error:
        st.session_state[_ERROR_KEY] = str(error)
        return
    st.session_state[_ERROR_KEY] = ""
    loaded = st.session_state.setdefault(_LOADED_KEY, [])
    if name not in loaded:
        loaded.append(name)
    st.session_state["model_choice"] = name
    st.session_state[backend.MODEL_NAME_KEY] = name


def model_sidebar() -> backend.ActiveModel:
    """Draw the sidebar (lab navigation, model picker) and return the model this session uses.

    A failed load shows its message and leaves the previous model in use.
    """
    backend.warm_up_umap()  # once per process, in the background
    session_models = list(st.session_state.get(backend.SESSION_MODELS_KEY, {}))
    options = [DEFAULT_MODEL, *st.session_state.get(_LOADED_KEY, []), *session_models]
    options.append(CUSTOM_CHOICE)
    current = st.session_state.get(backend.MODEL_NAME_KEY, DEFAULT_MODEL)
    if current not in options:
        current = st.session_state[backend.MODEL_NAME_KEY] = DEFAULT_MODEL
    if st.session_state.get("model_choice") != CUSTOM_CHOICE:
        # Always re-assert: after a page switch the picker is a new widget that would otherwise
        # start at its first option while another model (e.g. a fine-tuned copy) is in use.
        st.session_state["model_choice"] = current
    with st.sidebar:
        st.page_link("app.py", label="Home", icon="🧭")
        for path, title, _ in LABS:
            if (ROOT / path).exists():
                st.page_link(path, label=title)
        st.divider()
        st.subheader("Model")
        choice = st.selectbox(
            "Sentence encoder",
            options,
            format_func=_model_label,
            key="model_choice",
            on_change=_choose_model,
            help="The packaged all-MiniLM-L6-v2 works offline. Another model loads from a local "
            "folder, or from the Hugging Face hub when this machine has internet.",
        )
        if choice == CUSTOM_CHOICE:
            st.text_input(
                "Model name or folder",
                key="model_custom_name",
                placeholder="sentence-transformers/all-mpnet-base-v2",
                help="A Hugging Face id or a folder on this machine. Remote code is never run.",
            )
            st.button("Load model", key="model_load", on_click=_load_custom_model)
        if st.session_state.get(_ERROR_KEY):
            st.error(st.session_state[_ERROR_KEY])
        active = backend.active_model()
        st.caption(
            f"In use: **{_model_label(active.info.name)}** · {active.info.dimension}-d vectors · "
            f"window {active.info.max_tokens} tokens · {active.info.source}"
        )
    return active
