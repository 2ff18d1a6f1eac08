"""Input widgets: preset pickers, text boxes with a character cap, sentence boxes, rankings, pairs
of select boxes, CSV column pickers and the cross-encoder loaded on click."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import streamlit as st

from components.core import limits
from components.core.texts import first_lines, within_chars
from components.models import model_policy
from components.models.encoder import ModelLoadError
from components.services.search import cross_encoder
from components.widgets.layout import show_messages
from components.widgets.state import keep_if_in, kept_copy_key, persist

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder


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
    replaces the page's text or table); its value is kept across pages.

    A value that is not one of `options` (a modified client can send any string) is ignored:
    `on_pick` never sees it, the box shows `default` again and `default` is returned.
    """
    choices = list(options)
    for name in (key, kept_copy_key(key)):
        if name in st.session_state and st.session_state[name] not in choices:
            st.session_state[name] = default

    def picked() -> None:
        if st.session_state.get(key) in choices:
            on_pick(st.session_state[key])

    value = container.selectbox(
        label, choices, key=persist(key, default), on_change=picked, help=help
    )
    return value if value in choices else default


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
        container.text_area,
        label,
        key,
        "\n".join(default),
        max_chars,
        height=height,
        help=f"{help} {limits_note}" if help else limits_note,
    )
    sentences, messages = first_lines(text, cap)
    show_messages(messages)
    return sentences


def rank_inputs(items: list[str], key: str, noun: str = "item") -> list[int]:
    """One number box per item (1 to len(items), under `{key}_0`, `{key}_1`, ...) beside its
    text: the user's ranking, 1 = most similar; equal ranks are allowed."""
    ranks = []
    for number, item in enumerate(items):
        left, right = st.columns([5, 1])
        left.text(f"{number + 1}.  {item}")
        ranks.append(
            right.number_input(
                f"Rank of {noun} {number + 1}",
                1,
                len(items),
                number + 1,
                key=f"{key}_{number}",
                label_visibility="collapsed",
                help="1 = most similar.",
            )
        )
    return ranks


def select_pair(
    options: dict[Any, str], labels: tuple[str, str], keys: tuple[str, str]
) -> tuple[Any, Any]:
    """Two select boxes side by side over the same `options` (value -> shown text), each kept
    under its key while its value is still an option."""
    picked = []
    for column, label, key in zip(st.columns(2), labels, keys, strict=True):
        keep_if_in(key, list(options))
        picked.append(column.selectbox(label, list(options), format_func=options.get, key=key))
    return picked[0], picked[1]


def column_pickers(
    columns: list[str],
    text: str | None,
    label: str | None,
    keys: tuple[str, str],
    no_text: str | None = None,
) -> tuple[str | None, str | None]:
    """Side by side: the column holding each row's text (or `no_text`, when offered) and the
    column whose values colour the map (or none). A kept choice that is not a column of this
    table (a new file) goes back to the guesses `text` and `label`."""
    text_options = [*([no_text] if no_text else []), *columns]
    label_options = ["(none)", *columns]
    text_key, label_key = keys
    if st.session_state.get(text_key) not in text_options:
        st.session_state[text_key] = text or no_text
    if st.session_state.get(label_key) not in label_options:
        st.session_state[label_key] = label or "(none)"
    rows = f" `{no_text}` calls the rows by their numbers." if no_text else ""
    left, right = st.columns(2)
    text = left.selectbox(
        "Text column",
        text_options,
        key=text_key,
        help=f"The column whose cells are the sentences: the map, the neighbours and the tables "
        f"show them.{rows} First guess: a column named like text or sentence.",
    )
    label = right.selectbox(
        "Label column (colours the map)",
        label_options,
        key=label_key,
        help="A column of categories (a topic, a source): each value gets its own colour on "
        "the map and appears beside each neighbour. `(none)`: one colour for every point.",
    )
    return (None if text == no_text else text), (None if label == "(none)" else label)


def loaded_cross_encoder(key: str) -> CrossEncoder | None:
    """A cross-encoder named by the user (a hub id or folder; in public mode one of the allowed
    few), loaded only when the user clicks (it may be downloaded); None until then, or with a
    message when it cannot be loaded. The name loaded is kept under `_{key}_loaded`."""
    from components.retrieval.rerank import LOCAL_CROSS_ENCODER as local  # bm25s: only on this page

    loaded_key = f"_{key}_loaded"
    if model_policy.public_mode():
        name = st.selectbox(
            "Cross-encoder",
            [local, *model_policy.ALLOWED_CROSS_ENCODERS],
            key=persist(key, local),
            help="Public mode: the offline demo or a small cross-encoder from the hub.",
        )
    else:
        name = limited_text(
            st.text_input,
            "Cross-encoder",
            key,
            local,
            limits.NAME_CHARS,
            help="A Hugging Face id (e.g. cross-encoder/ms-marco-MiniLM-L6-v2) or a local "
            f"folder; loads only when reachable. `{local}` works offline.",
        ).strip()
    if name == local:
        st.warning(
            "The local demo cross-encoder is MiniLM with a **new, untrained scoring head**: its "
            "scores are meaningless (the order below is noise). It shows the plumbing offline; "
            "name a trained cross-encoder when this machine has internet."
        )
    if st.session_state.get(loaded_key) != name:
        st.button(
            "Load the cross-encoder and re-rank",
            key=f"{key.removesuffix('_name')}_load",
            type="primary",
            on_click=st.session_state.__setitem__,
            args=(loaded_key, name),
        )
        st.caption("A model loads only when you ask for it (it may be downloaded).")
        return None
    try:
        return cross_encoder(name)
    except ModelLoadError as error:
        st.session_state.pop(loaded_key, None)
        st.error(f"{error} Re-ranking with a cross-encoder is unavailable.")
        return None
