"""UI pieces every page shares: page setup with the model picker, persistent widgets, presets,
uploads, number tables, progress bars, messages."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from components import backend, limits, model_policy
from components.background import BackgroundJob
from components.encoder import DEFAULT_MODEL, ModelLoadError
from components.texts import InputError, Message, first_lines, within_chars
from components.work_queue import QueueError

T = TypeVar("T")
LOG = logging.getLogger(__name__)

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


def page_setup(title: str, icon: str) -> backend.ActiveModel:
    """Configure the page (title, icon, wide layout), draw the sidebar, return the model in use."""
    st.set_page_config(page_title=f"{title} · Sentence Embedding Lab", page_icon=icon,
                       layout="wide")  # fmt: skip
    return model_sidebar()


def preset_picker(
    label: str,
    options: Iterable[str],
    key: str,
    default: str,
    on_pick: Callable[[str], None],
    *,
    container: Any = st,
    help: str | None = None,
) -> str:
    """A select box whose choice, when the user changes it, is handed to `on_pick` (which
    replaces the page's text or table); its value is kept across pages."""
    return container.selectbox(
        label,
        list(options),
        key=persist(key, default),
        on_change=lambda: on_pick(st.session_state[key]),
        help=help,
    )


def limited_text(
    widget: Callable[..., str], label: str, key: str, default: str, max_chars: int, **options: Any
) -> str:
    """A text box (`st.text_area`, `st.text_input` or a column's) kept across pages, with
    `max_chars`; returns its value cut to `max_chars` (with a message when a longer value got
    in, e.g. set by a script), the box itself keeping what was typed."""
    text = widget(label, key=persist(key, default), max_chars=max_chars, **options)
    text, messages = within_chars(text or "", max_chars, f"`{label}`")
    show_messages(messages)
    return text


def sentence_box(
    label: str,
    key: str,
    default: Iterable[str],
    cap: int,
    *,
    height: int,
    container: Any = st,
    help: str | None = None,
    max_chars: int = limits.SMALL_BOX_CHARS,
) -> list[str]:
    """A text area of one sentence per line, kept across pages; returns its first `cap`
    distinct non-blank lines and shows what was merged or cut."""
    limits_note = f"Up to {cap} sentences and {max_chars:,} characters."
    text = limited_text(
        container.text_area, label, key, "\n".join(default), max_chars, height=height,
        help=f"{help} {limits_note}" if help else limits_note,
    )  # fmt: skip
    sentences, messages = first_lines(text, cap)
    show_messages(messages)
    return sentences


@contextmanager
def section(name: str) -> Iterator[None]:
    """Run one section of a page; an error shows as a message here and the rest of the page
    still runs. Streamlit's own stop/rerun signals pass through.

    Input and model errors say what is wrong; a job that was cancelled, stopped at its time cap
    or turned away by a full queue says so with a Retry button; anything else is logged (with its
    traceback, for the server's log) and shown as a short message.
    """
    try:
        yield
    except (InputError, ModelLoadError) as error:
        st.error(str(error))
    except QueueError as error:
        st.warning(str(error))
        backend.retry_button(key=f"retry_{name}")
    except Exception as error:  # noqa: BLE001 - the section fails, never the page
        LOG.exception("section %r failed", name)
        st.error(
            f"This section could not be computed ({type(error).__name__}: "
            f"{model_policy.shown(str(error), 200)}). The rest of the page still works; change "
            "the input and try again."
        )


def or_error(read: Callable[[], T], suffix: str = "") -> T | None:
    """`read()`, or None after showing its `InputError` as an error box (with `suffix`)."""
    try:
        return read()
    except InputError as error:
        st.error(f"{error}{suffix}")
        return None


def or_stop(read: Callable[[], T]) -> T:
    """`read()`; an `InputError` is shown as an error box and stops the page there (whatever
    the user entered stays in its widgets)."""
    value = or_error(read)
    if value is None:
        st.stop()
    return value


def number_table(
    data: pd.DataFrame | Mapping[str, Any],
    formats: Mapping[str, str] | None = None,
    *,
    key: str | None = None,
    hide_index: bool = True,
    container: Any = st,
) -> None:
    """A read-only table across the page; `formats` maps a column to its printf format."""
    container.dataframe(
        pd.DataFrame(data),
        hide_index=hide_index,
        width="stretch",
        key=key,
        column_config={
            column: st.column_config.NumberColumn(format=format)
            for column, format in (formats or {}).items()
        },
    )


def metric_row(values: Mapping[str, Any], help: Mapping[str, str] | None = None) -> None:
    """One `st.metric` per label, side by side."""
    for column, (label, value) in zip(st.columns(len(values)), values.items(), strict=True):
        column.metric(label, value, help=(help or {}).get(label))


def replace_table(name: str, table: pd.DataFrame) -> None:
    """Put a new table in the `table_editor` called `name` (its old edits no longer apply)."""
    st.session_state[f"{name}_table"] = table.reset_index(drop=True)
    version = f"{name}_editor_version"
    st.session_state[version] = st.session_state.get(version, 0) + 1
    st.session_state.pop(f"_{name}_table_edited", None)


def edited_table(name: str) -> pd.DataFrame:
    """The table of `table_editor` `name` with the user's edits of the last run."""
    return st.session_state.get(f"_{name}_table_edited", st.session_state[f"{name}_table"])


def table_editor(name: str, **options: Any) -> pd.DataFrame:
    """An editable table whose edits survive a visit to another page; `replace_table` sets it.

    Streamlit's data editor keeps edits as a diff against the table it was given, under its
    key: a new table gets a new key (a version number), and the edited table is kept aside.
    """
    key = f"{name}_editor_{st.session_state[f'{name}_editor_version']}"
    if key not in st.session_state and f"_{name}_table_edited" in st.session_state:
        st.session_state[f"{name}_table"] = st.session_state[f"_{name}_table_edited"]  # came back
    edited = st.data_editor(st.session_state[f"{name}_table"], key=key, **options)
    st.session_state[f"_{name}_table_edited"] = edited
    return edited


def chart(figure: Any, key: str, container: Any = st, **options: Any) -> Any:
    """A Plotly figure across its column, under a stable key (for tests and selections)."""
    return container.plotly_chart(figure, width="stretch", key=key, **options)


@contextmanager
def progress(text: str) -> Iterator[Callable[[float, str], None]]:
    """A progress bar for a long job: yields `show(fraction, text)`; the bar goes at the end."""
    bar = st.progress(0.0, text=text)
    try:
        yield lambda fraction, message: bar.progress(min(max(fraction, 0.0), 1.0), text=message)
    finally:
        bar.empty()


JOB_POLL_SECONDS = 1.0  # how often the page looks at a background job


def job_progress(job: BackgroundJob[Any], key: str, noun: str = "") -> None:
    """The progress of a background job, redrawn every second on its own (`st.fragment`): the rest
    of the page stays usable. A Cancel button stops it; when it ends the whole page reruns."""

    @st.fragment(run_every=JOB_POLL_SECONDS)
    def status() -> None:
        if not job.running:
            st.rerun()  # the whole page: it draws the result (or says why there is none)
        bar, button = st.columns([5, 1], vertical_alignment="bottom")
        bar.progress(job.share, text=f"{job.text or job.label} · {job.elapsed:.0f} s")
        button.button("Cancel", key=f"{key}_cancel", on_click=job.cancel,
                      help=f"Stop {noun or 'this'}; what is finished is kept.")  # fmt: skip

    status()


def job_outcome(job: BackgroundJob[Any], key: str, what: str) -> bool:
    """For a job that did not finish: say so, with a button to resume or retry (True: clicked)."""
    if job.state == "cancelled":
        st.warning(f"{what} stopped at {job.share:.0%} ({job.text}). Finished parts are kept: "
                   "resuming continues from there.")  # fmt: skip
        return st.button("Resume", key=f"{key}_resume")
    if job.state == "failed":
        st.error(f"{what} failed: {job.error}")
        return st.button("Try again", key=f"{key}_retry")
    return False


def session_value(key: str, make: Callable[[], T], keep: Callable[[T], bool] | None = None) -> T:
    """This session's value under `key`: made by `make()` when missing or when `keep` rejects it."""
    value = st.session_state.get(key)
    if value is None or (keep is not None and not keep(value)):
        value = st.session_state[key] = make()
    return value


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """`1 triplet`, `3 triplets`, `1,200 sentences`."""
    return f"{count:,} {noun if count == 1 else plural_noun or noun + 's'}"


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

    A failed load shows its message and leaves the previous model in use. In public mode
    (`model_policy.public_mode()`) the picker offers only the allow-listed small models, each
    checked for size before its first download; locally any hub id or folder can be typed.
    """
    backend.start_run()
    backend.warm_up_umap()  # once per process, in the background
    public = model_policy.public_mode()
    session_models = backend.session_model_labels()
    if public:
        offered = [name for name in model_policy.ALLOWED_MODELS if name != DEFAULT_MODEL]
        options = [DEFAULT_MODEL, *offered, *session_models]
    else:
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
            help=(
                "Public mode: the packaged all-MiniLM-L6-v2 (offline) or one of a few small "
                f"models (at most {limits.MODEL_MB} MB, downloaded on first use when the server "
                "has internet). Run the lab locally to load any model."
                if public
                else "The packaged all-MiniLM-L6-v2 works offline. Another model loads from a "
                "local folder, or from the Hugging Face hub when this machine has internet."
            ),
        )
        if choice == CUSTOM_CHOICE:
            st.text_input(
                "Model name or folder",
                key="model_custom_name",
                max_chars=limits.NAME_CHARS,
                placeholder="sentence-transformers/all-mpnet-base-v2",
                help="A Hugging Face id or a folder on this machine. Remote code is never run.",
            )
            st.button("Load model", key="model_load", on_click=_load_custom_model)
        if st.session_state.get(_ERROR_KEY):
            st.error(st.session_state[_ERROR_KEY])
        try:
            active = backend.active_model()
        except ModelLoadError as error:  # e.g. an allow-listed model that cannot be downloaded
            st.error(str(error))
            st.session_state[backend.MODEL_NAME_KEY] = DEFAULT_MODEL
            st.session_state["model_choice"] = DEFAULT_MODEL
            active = backend.active_model()
        if st.session_state.get(backend.EVICTED_KEY):
            st.warning(st.session_state.pop(backend.EVICTED_KEY))
        st.caption(
            f"In use: **{_model_label(active.info.name)}** · {active.info.dimension}-d vectors · "
            f"window {active.info.max_tokens} tokens · {active.info.source}"
        )
        if public:
            st.caption("🌐 Public mode: small models only, shared server limits apply.")
        st.caption(backend.cache_stats())
    return active
