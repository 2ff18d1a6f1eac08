"""Page setup and the sidebar every page shares: lab navigation, the model picker (with a custom
model and the encoder backend), the model card, then sharing."""

from __future__ import annotations

import logging

import streamlit as st

from components.core import limits
from components.core.paths import PROJECT_ROOT
from components.models import model_policy
from components.models.encoder import DEFAULT_MODEL, ModelLoadError
from components.models.model_card import model_card
from components.services.caches import cache_stats
from components.services.models import ENCODER_NAMES, ENCODERS, EXACT, ActiveModel, get_model
from components.services.queue import start_run
from components.services.session_keys import (
    ENCODER_KEY,
    EVICTED_KEY,
    LOADED_MODELS_KEY,
    MODEL_CHOICE_KEY,
    MODEL_CUSTOM_NAME_KEY,
    MODEL_ERROR_KEY,
    MODEL_NAME_KEY,
)
from components.services.session_models import active_model, live_session_model_labels
from components.services.startup import page_drawn, start
from components.widgets.layout import presenter_style
from components.widgets.room_student import sidebar_view as room_sidebar_view
from components.widgets.sharing import (
    finish_link,
    lesson_banner,
    presenter_toggle,
    read_section,
    restore_from_link,
    scroll_to_section,
    share_sidebar,
)
from components.widgets.state import persist

LOG = logging.getLogger(__name__)


# Every page of the lab: (script path, title, one-line summary). The sidebar and home page use it.
LABS = [
    (
        "pages/1_Explore.py",
        "🔭 Explore",
        "Encode your sentences: similarity heatmap, 2D/3D map (UMAP, PCA, t-SNE), nearest "
        "neighbours, the reference demo's real numbers.",
    ),
    (
        "pages/2_Tokens_and_Pooling.py",
        "🧩 Tokens & pooling",
        "Sub-word pieces, contextual token vectors, and five ways to pool them into one vector.",
    ),
    (
        "pages/3_Loss_Lab.py",
        "🎯 Loss lab",
        "Cosine-margin, triplet and InfoNCE losses on your own triplets, and live fine-tuning.",
    ),
    (
        "pages/4_Search_Long_Text.py",
        "🔎 Long text & search",
        "Chunk long documents, build an index, search and re-rank; book vectors vs chunk vectors.",
    ),
    (
        "pages/5_Map_Lab.py",
        "🗺️ Map lab",
        "How far to trust a map; PCA, UMAP and t-SNE side by side; clusters with names; semantic "
        "axes; the geometry of metrics, dimensions and quantisation; find and select.",
    ),
    (
        "pages/6_Glossary.py",
        "📖 Glossary",
        "Every term of the lesson and the labs in one line, with the place to see it at work.",
    ),
    (
        "pages/7_Class_Room.py",
        "🏫 Class room",
        "A live room for a class: students join by code, guess cosines, vote on triplets and put "
        "their sentences on one map; the projector shows the class's answers next to the model's.",
    ),
]
ROOT = PROJECT_ROOT  # the project folder
CUSTOM_CHOICE = "Another model…"


def page_setup(title: str, icon: str, state_type: type | None = None) -> ActiveModel:
    """Configure the page (title, icon, wide layout), draw the sidebar, return the model in use.

    With `state_type` (the page's class in `components.state.page_state`) the page is shareable: on
    its first run in a session it takes its inputs from the link (`?method=pca&…`), and on
    every run it writes its inputs back to the address bar.
    """
    st.set_page_config(
        page_title=f"{title} · Sentence Embedding Lab", page_icon=icon, layout="wide"
    )
    start()  # the process's start-up (once) and the warm-up
    if state_type is not None:
        read_section()
        restore_from_link(state_type)
    active = model_sidebar()
    room_sidebar_view()  # a student's room (or a join form for a `?room=` link)
    presenter_style()
    if state_type is not None:
        share_sidebar(state_type, active)
        lesson_banner(state_type.PAGE)
    else:
        with st.sidebar:
            presenter_toggle()
    return active


def page_done() -> None:
    """The last call of every page: the share link catches up with this run's changes, the
    page is drawn, background warm-ups may start."""
    finish_link()
    scroll_to_section()
    page_drawn()


def _model_label(name: str) -> str:
    if name == DEFAULT_MODEL:
        return "all-MiniLM-L6-v2 (packaged, offline)"
    return name


def _choose_model() -> None:
    choice = st.session_state[MODEL_CHOICE_KEY]
    if choice != CUSTOM_CHOICE:
        st.session_state[MODEL_NAME_KEY] = choice
        st.session_state[MODEL_ERROR_KEY] = ""


def _load_custom_model() -> None:
    name = st.session_state.get(MODEL_CUSTOM_NAME_KEY, "").strip()
    try:
        get_model(name)
    except ModelLoadError as error:
        st.session_state[MODEL_ERROR_KEY] = str(error)
        return
    except Exception as error:  # noqa: BLE001 - a model name never crashes the page
        LOG.exception("loading model %r failed", name)
        st.session_state[MODEL_ERROR_KEY] = (
            f"Cannot load `{model_policy.shown(name)}`: {type(error).__name__}."
        )
        return
    st.session_state[MODEL_ERROR_KEY] = ""
    loaded = st.session_state.setdefault(LOADED_MODELS_KEY, [])
    if name not in loaded:
        loaded.append(name)
    st.session_state[MODEL_CHOICE_KEY] = name
    st.session_state[MODEL_NAME_KEY] = name


def model_sidebar() -> ActiveModel:
    """Draw the sidebar (lab navigation, model picker) and return the model this session uses.

    A failed load shows its message and leaves the previous model in use. In public mode
    (`model_policy.public_mode()`) the picker offers only the allow-listed small models, each
    checked for size before its first download; locally any hub id or folder can be typed.
    """
    start_run()
    public = model_policy.public_mode()
    session_models = live_session_model_labels()
    if public:
        offered = [name for name in model_policy.ALLOWED_MODELS if name != DEFAULT_MODEL]
        options = [DEFAULT_MODEL, *offered, *session_models]
    else:
        options = [DEFAULT_MODEL, *st.session_state.get(LOADED_MODELS_KEY, []), *session_models]
        options.append(CUSTOM_CHOICE)
    current = st.session_state.get(MODEL_NAME_KEY, DEFAULT_MODEL)
    if current not in options:
        current = st.session_state[MODEL_NAME_KEY] = DEFAULT_MODEL
    try:  # load the picked model before the picker is drawn, so a failure can reset it
        active = active_model()
    except ModelLoadError as error:  # e.g. an allow-listed model that cannot be downloaded
        st.session_state[MODEL_ERROR_KEY] = str(error)
        current = st.session_state[MODEL_NAME_KEY] = DEFAULT_MODEL
        st.session_state[MODEL_CHOICE_KEY] = DEFAULT_MODEL
        active = active_model()
    current = st.session_state.get(MODEL_NAME_KEY, DEFAULT_MODEL)  # after an eviction
    if st.session_state.get(MODEL_CHOICE_KEY) != CUSTOM_CHOICE:
        # Always re-assert: after a page switch the picker is a new widget that would otherwise
        # start at its first option while another model (e.g. a fine-tuned copy) is in use.
        st.session_state[MODEL_CHOICE_KEY] = current
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
            key=MODEL_CHOICE_KEY,
            on_change=_choose_model,
            help=(
                "Public mode: the packaged all-MiniLM-L6-v2 (offline) or one of a few small "
                f"models (at most {limits.MODEL_MB} MB, downloaded on first use when the server "
                "has internet). Run the lab locally to load any model."
                if public
                else "The packaged all-MiniLM-L6-v2 works offline. Another model loads from a "
                "local folder, or from the Hugging Face hub when this machine has internet."
            ),
        )
        if choice == DEFAULT_MODEL:
            st.selectbox(
                "Encoder backend",
                list(ENCODERS),
                format_func=ENCODER_NAMES.get,
                key=persist(ENCODER_KEY, EXACT),
                help=" ".join(f"{text}." for text in ENCODERS.values()),
            )
        if choice == CUSTOM_CHOICE:
            st.text_input(
                "Model name or folder",
                key=MODEL_CUSTOM_NAME_KEY,
                max_chars=limits.NAME_CHARS,
                placeholder="sentence-transformers/all-mpnet-base-v2",
                help="A Hugging Face id or a folder on this machine. Remote code is never run.",
            )
            st.button(
                "Load model",
                key="model_load",
                on_click=_load_custom_model,
                help="Load the model named above; it stays in the list for this session.",
            )
        if st.session_state.get(MODEL_ERROR_KEY):
            st.error(st.session_state[MODEL_ERROR_KEY])
        if st.session_state.get(EVICTED_KEY):
            st.warning(st.session_state.pop(EVICTED_KEY))
        st.caption(
            f"In use: **{_model_label(active.info.name)}** · {active.info.dimension}-d vectors · "
            f"window {active.info.max_tokens} tokens · {active.info.source}"
        )
        model_card_box(active)
        if public:
            st.caption("🌐 Public mode: small models only, shared server limits apply.")
        st.caption(cache_stats())
    return active


def model_card_box(active: ActiveModel) -> None:
    """The model's card: what it is made of, read from the loaded model."""
    card = model_card(active.model)
    rows = {
        "vector size": f"{card.dimension} d",
        "window": f"{card.window} tokens",
        "pooling": card.pooling,
        "unit length": "yes" if card.normalized else "no",
        "tokenizer": card.tokenizer,
        "vocabulary": f"{card.vocabulary_size:,} tokens",
        "architecture": card.architecture,
        "modules": " → ".join(card.modules),
    }
    with st.expander("Model card"):
        st.markdown("\n".join(f"- **{name}**: {value}" for name, value in rows.items()))
