"""Which widget (session_state key) holds each field of a page's shareable state: put a state into
the widgets (a link, a lesson) and read it back out of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from components.data.samples import PRESETS, TRIPLET_PRESETS, load_preset, load_triplet_preset
from components.data.triplets import COLUMNS as TRIPLET_COLUMNS
from components.services.session_keys import (
    EXPLORE_PRESET_KEY,
    EXPLORE_SOURCE_KEY,
    EXPLORE_TEXT_KEY,
    LOSS_PRESET_KEY,
    LOSS_TABLE_KEY,
    POOLING_FOCUS_KEY,
    SEARCH_WINDOW_DEFAULT_KEY,
)
from components.state.page_state import PAGE_STATES, ExploreState, LabState, LossState, check_field
from components.widgets.editors import edited_table, replace_table
from components.widgets.sentence_sources import TYPE, use_preset
from components.widgets.state import forget_persisted, kept_copy_key, page_default, set_persisted

_UNSET = object()  # a widget value to remove: the page then uses its own default


@dataclass(frozen=True)
class Binding:
    """One field of a page state and the widget (session_state key) that holds it.

    `to_widget(state)` is the widget value for a state (default: the field as it is; `_UNSET`
    removes the value so the page picks its own default); `from_widget(value)` turns the
    widget's value back into the field's (default: as it is).
    """

    field: str
    key: str
    to_widget: Callable[[Any], Any] | None = None
    from_widget: Callable[[Any], Any] | None = None


def _optional(field: str) -> Callable[[Any], Any]:
    return lambda state: _UNSET if getattr(state, field) is None else getattr(state, field)


def _preset_text(name: str) -> str:
    return "\n".join(load_preset(name).texts)


def _explore_sentences_to_widget(state: ExploreState) -> str:
    use_preset(state.preset)  # its labels colour the sentences that are the preset's
    return state.sentences if state.sentences is not None else st.session_state[EXPLORE_TEXT_KEY]


def _explore_sentences_from_widget(text: str) -> str | None:
    preset = _stored(EXPLORE_PRESET_KEY)
    if preset not in PRESETS:  # None, or a value a modified client made up
        return text
    return None if text == _preset_text(preset) else text


def _triplets_to_widget(state: LossState) -> object:
    rows = state.triplets
    table = (
        load_triplet_preset(state.preset)
        if rows is None
        else pd.DataFrame(list(rows), columns=list(TRIPLET_COLUMNS), dtype=object)
    )
    replace_table("loss", table)
    return _UNSET  # the table editor holds it; nothing else to set


def _table_rows(table: pd.DataFrame) -> tuple[tuple[str, str, str], ...]:
    cells = table.reindex(columns=list(TRIPLET_COLUMNS)).astype(object).where(table.notna(), "")
    return tuple(tuple(str(cell) for cell in row) for row in cells.itertuples(index=False))


def _triplets_from_widget(_: Any) -> Any:
    if LOSS_TABLE_KEY not in st.session_state:
        return None
    rows = _table_rows(edited_table("loss"))  # with the edits of the last run
    preset = _stored(LOSS_PRESET_KEY)
    if preset in TRIPLET_PRESETS and rows == _table_rows(load_triplet_preset(preset)):
        return None
    return rows


def _search_window_from_widget(value: int) -> int | None:
    return None if value == st.session_state.get(SEARCH_WINDOW_DEFAULT_KEY) else value


BINDINGS: dict[str, list[Binding]] = {
    "explore": [
        Binding("preset", EXPLORE_PRESET_KEY),
        Binding(
            "sentences",
            EXPLORE_TEXT_KEY,
            _explore_sentences_to_widget,
            _explore_sentences_from_widget,
        ),
        Binding("order", "explore_order"),
        Binding("method", "explore_method"),
        Binding("dims", "explore_dims"),
        Binding("n_neighbors", "explore_n_neighbors"),
        Binding("min_dist", "explore_min_dist"),
        Binding("perplexity", "explore_perplexity"),
        Binding("focus", "explore_focus", _optional("focus")),
        Binding("k", "explore_k"),
    ],
    "tokens": [
        Binding("example", "pooling_example"),
        Binding("text", "pooling_text"),
        Binding("words", "pooling_words"),
        Binding("context", "pooling_context"),
        Binding("map_special", "pooling_map_special"),
        Binding("sentences", "pooling_sentences"),
        Binding("focus", POOLING_FOCUS_KEY, _optional("focus")),
        Binding("steps", "pooling_steps"),
        Binding("learning_rate", "pooling_learning_rate"),
    ],
    "loss": [
        Binding("preset", LOSS_PRESET_KEY),
        Binding("triplets", LOSS_TABLE_KEY, _triplets_to_widget, _triplets_from_widget),
        Binding("margin", "loss_margin"),
        Binding("alpha", "loss_alpha"),
        Binding("tau", "loss_tau"),
        Binding("use_negatives", "loss_use_negatives"),
        Binding("focus", "loss_focus"),
        Binding("train_loss", "loss_train_loss"),
        Binding("epochs", "loss_epochs"),
        Binding("batch_size", "loss_batch"),
        Binding("learning_rate", "loss_lr"),
        Binding("held_out", "loss_held_out", _optional("held_out")),
    ],
    "search": [
        Binding("samples", "search_samples", lambda state: list(state.samples), tuple),
        Binding("paste", "search_paste"),
        Binding("window", "search_window", _optional("window"), _search_window_from_widget),
        Binding("overlap", "search_overlap"),
        Binding("view_document", "search_view_document"),
        Binding("ef_search", "search_ef"),
        Binding("k", "search_k"),
        Binding("query", "search_query"),
        Binding("reranker", "search_reranker"),
        Binding("candidates", "search_candidates"),
        Binding("mmr_lambda", "search_mmr_lambda"),
        Binding("pooling", "search_pooling"),
        Binding("temperature", "search_temperature"),
    ],
    "glossary": [Binding("query", "glossary_query")],
}


def _stored(key: str) -> Any:
    """A widget's value now, or the copy `persist` kept while its page was not shown."""
    if key in st.session_state:
        return st.session_state[key]
    return st.session_state.get(kept_copy_key(key))


def apply_state(state: Any) -> None:
    """Put a page state into its widgets (before they are drawn)."""
    if state.PAGE == "explore":
        set_persisted(EXPLORE_SOURCE_KEY, TYPE)
    for binding in BINDINGS[state.PAGE]:
        value = (binding.to_widget or (lambda s, f=binding.field: getattr(s, f)))(state)
        if value is _UNSET:
            if binding.to_widget is _triplets_to_widget:
                continue
            forget_persisted(binding.key)
        else:
            set_persisted(binding.key, value)


def _is_page_default(key: str, value: Any) -> bool:
    """True when widget `key` holds what the page itself gave it this run (`note_page_default`)."""
    default = page_default(key)
    return default is not None and type(value) is type(default) and bool(value == default)


def current_state(state_type: type) -> Any:
    """The page's state as its widgets hold it now (fields never drawn keep their default)."""
    values = {}
    for binding in BINDINGS[state_type.PAGE]:
        value = _stored(binding.key)
        if value is None and binding.from_widget is not _triplets_from_widget:
            continue
        if _is_page_default(binding.key, value):
            continue  # the page's own choice, not the user's: the field keeps its default
        if binding.from_widget is not None:
            value = binding.from_widget(value)
        checked, problem = check_field(state_type, binding.field, value, "")
        if problem is None:
            values[binding.field] = checked
    return state_type(**values)


def current_lab() -> LabState:
    """Every page's state at once, as this session holds it (for a lesson file)."""
    lab = LabState()
    for state_type in PAGE_STATES.values():
        lab = lab.with_page(current_state(state_type))
    return lab
