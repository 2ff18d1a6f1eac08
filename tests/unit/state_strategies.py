"""Hypothesis strategies for every page state, built from the schema's own specs."""

from __future__ import annotations

import dataclasses

from hypothesis import strategies as st

from components.state.page_state import (
    PAGE_STATES,
    Choice,
    Flag,
    LabState,
    Real,
    Rows,
    Subset,
    Text,
    Whole,
)

# Any Unicode text a browser can send: no lone surrogates (UTF-8 cannot carry them).
UNICODE = st.characters(blacklist_categories=("Cs",))


def text(max_size: int) -> st.SearchStrategy[str]:
    return st.text(UNICODE, max_size=max_size)


def value_of(spec, text_size: int = 300) -> st.SearchStrategy:
    if isinstance(spec, Text):
        values = text(min(spec.max_chars, text_size))
        return st.none() | values if spec.optional else values
    if isinstance(spec, Choice):
        return st.sampled_from(spec.options)
    if isinstance(spec, Whole):
        values = st.integers(spec.low, spec.high)
        return st.none() | values if spec.optional else values
    if isinstance(spec, Real):
        return st.floats(spec.low, spec.high, allow_nan=False)
    if isinstance(spec, Flag):
        return st.booleans()
    if isinstance(spec, Subset):
        return st.lists(st.sampled_from(spec.options), unique=True).map(tuple)
    if isinstance(spec, Rows):
        cell = text(min(spec.max_chars, 60))
        rows = st.lists(st.tuples(*[cell] * len(spec.columns)), max_size=6).map(tuple)
        return st.none() | rows if spec.optional else rows
    raise TypeError(spec)


def page_state(state_type: type, text_size: int = 300) -> st.SearchStrategy:
    """Any valid state of one page (every field drawn within its bounds)."""
    return st.builds(
        state_type,
        **{
            item.name: value_of(item.metadata["spec"], text_size)
            for item in dataclasses.fields(state_type)
        },
    )


def any_page_state(text_size: int = 300) -> st.SearchStrategy:
    return st.one_of(*[page_state(state_type, text_size) for state_type in PAGE_STATES.values()])


def lab_state() -> st.SearchStrategy[LabState]:
    return st.builds(
        LabState, **{page: page_state(state_type) for page, state_type in PAGE_STATES.items()}
    )


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | text(20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(text(12), children, max_size=4)
    ),
    max_leaves=12,
)
