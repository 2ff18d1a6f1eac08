"""Session state behind the widgets: values kept across pages, clamped or forgotten when they no
longer fit, predict-then-reveal, the sentences Explore shares with the other labs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import streamlit as st

from components.data.samples import DEFAULT_PRESET, load_preset
from components.services.session_keys import PAGE_DEFAULTS_KEY, PRESENTER_KEY, SENTENCES_KEY

T = TypeVar("T")


def kept_copy_key(key: str) -> str:
    """Where `persist` keeps its copy of the widget `key`'s value (`_key`)."""
    return f"_{key}"


def set_persisted(key: str, value: Any) -> None:
    """Set a `persist`ed widget's value and its kept copy (before the widget is drawn)."""
    st.session_state[key] = st.session_state[kept_copy_key(key)] = value


def forget_persisted(key: str) -> None:
    """Forget a `persist`ed widget's value and its kept copy (it starts at its default)."""
    st.session_state.pop(key, None)
    st.session_state.pop(kept_copy_key(key), None)


def persist(key: str, default: Any) -> str:
    """Keep a widget's value when the user visits another page and comes back.

    Streamlit forgets the state of widgets that a page does not draw; this keeps a copy under
    `_key` and puts it back before the widget is drawn. Use: `st.text_area(..., key=persist(k, d))`.
    """
    store = kept_copy_key(key)
    if store not in st.session_state:
        st.session_state[store] = default
    if key in st.session_state:
        st.session_state[store] = st.session_state[key]
    st.session_state[key] = st.session_state[store]
    return key


def note_page_default(key: str, value: Any) -> None:
    """Record the value the page itself gives widget `key` this run (its first sentence, a
    quarter of the triplets...). A share link leaves out a widget that still holds it: the
    receiving page computes the same value from the same inputs."""
    st.session_state.setdefault(PAGE_DEFAULTS_KEY, {})[key] = value


def page_default(key: str) -> Any:
    """What `note_page_default` recorded for `key` (None when nothing was)."""
    return st.session_state.get(PAGE_DEFAULTS_KEY, {}).get(key)


def keep_in_range(key: str, low: Any, high: Any) -> None:
    """Clamp a widget's value (and `persist`'s copy) into [low, high] before it is drawn.

    A link, a lesson or another model may have set a value this widget cannot show now.
    """
    for name in (key, kept_copy_key(key)):
        value = st.session_state.get(name)
        if value is not None and not low <= value <= high:
            st.session_state[name] = min(max(value, low), high)


def keep_if_in(key: str, options: Iterable[Any]) -> None:
    """Forget a select box's value that is not one of its options now (it takes its first)."""
    if key in st.session_state and st.session_state[key] not in list(options):
        del st.session_state[key]


def session_value(key: str, make: Callable[[], T], keep: Callable[[T], bool] | None = None) -> T:
    """This session's value under `key`: made by `make()` when missing or when `keep` rejects it."""
    value = st.session_state.get(key)
    if value is None or (keep is not None and not keep(value)):
        value = st.session_state[key] = make()
    return value


def revealed(name: str, fingerprint: str) -> bool:
    """A "Reveal" button for a predict-then-reveal exercise; True once pressed for these inputs.

    The answer stays revealed until the inputs (their `fingerprint`) change.
    """
    store = f"_{name}_revealed"
    if st.session_state.get(store) != fingerprint and st.button(
        "Reveal",
        key=f"{name}_reveal",
        type="primary",
        help="Show the model's answer next to yours.",
    ):
        st.session_state[store] = fingerprint
    return st.session_state.get(store) == fingerprint


def wait_for_reveal(name: str, fingerprint: str, hidden: str) -> None:
    """Stop the page until "Reveal" is pressed for these inputs; `hidden` names what waits."""
    if not revealed(name, fingerprint):
        st.info(f"{hidden} appear when you press **Reveal**.")
        st.stop()


def share_sentences(texts: list[str], labels: list[str]) -> None:
    """Offer the sentences (and colour labels) a page works on to the other labs."""
    st.session_state[SENTENCES_KEY] = (list(texts), list(labels))


def shared_sentences() -> tuple[list[str], list[str]]:
    """The sentences Explore last used, so no lab asks for them twice; before any visit to
    Explore, its default preset. Labels are "" where there are none."""
    if SENTENCES_KEY not in st.session_state:
        parsed = load_preset(DEFAULT_PRESET)
        share_sentences(parsed.texts, parsed.labels or [""] * len(parsed.texts))
    texts, labels = st.session_state[SENTENCES_KEY]
    return list(texts), list(labels)


def presenter_mode() -> bool:
    return bool(st.session_state.get(PRESENTER_KEY, False))
