"""The page-state schema: defaults are valid, bounds are enforced, bad data becomes messages."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.core import limits
from components.state.page_state import (
    PAGE_STATES,
    ExploreState,
    LabState,
    LossState,
    SearchState,
    changed_fields,
    check_field,
    spec_of,
    state_from_mapping,
    to_mapping,
)
from tests.conftest import ROOT
from tests.unit.state_strategies import JSON, page_state


@pytest.mark.parametrize("state_type", PAGE_STATES.values(), ids=list(PAGE_STATES))
def test_every_default_passes_its_own_spec(state_type):
    state = state_type()
    for item in dataclasses.fields(state):
        value, problem = item.metadata["spec"].check(getattr(state, item.name))
        assert problem is None, (item.name, problem)
        assert value == getattr(state, item.name)
    assert changed_fields(state) == {}


@pytest.mark.parametrize("state_type", PAGE_STATES.values(), ids=list(PAGE_STATES))
def test_every_page_script_exists(state_type):
    assert (ROOT / state_type.SCRIPT).exists(), state_type.SCRIPT


def test_out_of_range_wrong_type_and_unknown_fields_become_messages_naming_them():
    state, messages = state_from_mapping(
        ExploreState,
        {
            "n_neighbors": 500,
            "min_dist": "far",
            "method": "pca",
            "dims": True,
            "colour": "red",
            "perplexity": 12.0,  # an integral float is a whole number
        },
        "pages.explore.",
    )
    assert state == ExploreState(method="pca", perplexity=12)
    text = "\n".join(message.text for message in messages)
    assert "`pages.explore.n_neighbors` is 500, outside 2–100: the default (15) is used." in text
    assert "`pages.explore.min_dist` should be a number, not text" in text
    assert "`pages.explore.dims`" in text  # True is not the option 1 (nor 2)
    assert "`pages.explore.colour` is not a setting of this page" in text
    assert len(messages) == 4


def test_not_a_mapping_gives_the_defaults_and_one_message():
    state, messages = state_from_mapping(LossState, ["not", "an", "object"], "pages.loss.")
    assert state == LossState()
    assert len(messages) == 1 and "`pages.loss` should be an object" in messages[0].text


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (float("nan"), "outside"),
        (float("inf"), "outside"),
        (-1.5, "outside"),
        (None, "should be a number"),
    ],
)
def test_real_values_must_be_finite_and_in_range(value, problem):
    _, message = check_field(LossState, "margin", value, "")
    assert message is not None and problem in message.text


def test_rows_are_checked_cell_by_cell():
    good = (("a", "p", "n"), ("b", "q", "m"))
    assert check_field(LossState, "triplets", [list(row) for row in good], "")[0] == good
    for bad, words in [
        ([["a", "p"]], "row 1 should be 3 texts"),
        ([["a", "p", 3]], "row 1 has a number"),
        ([["a", "p", "x" * 2_001]], "over 2,000 characters"),
        ([["a", "p", "n"]] * (limits.TABLE_ROWS + 1), f"over the limit of {limits.TABLE_ROWS:,}"),
        ("a,p,n", "should be a list of rows"),
        ([["a", "p", "\ud800"]], "not valid Unicode"),
    ]:
        value, message = check_field(LossState, "triplets", bad, "")
        assert value is None and message is not None and words in message.text, (bad, message)


def test_subset_keeps_order_and_drops_repeats():
    names = SearchState().samples
    assert len(names) >= 2
    reversed_names = tuple(reversed(names))
    assert check_field(SearchState, "samples", list(reversed_names) + [names[0]], "")[0] == (
        reversed_names
    )
    value, message = check_field(SearchState, "samples", ["no_such_file.md"], "")
    assert message is not None and value == SearchState().samples


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("n_neighbors", "30", 30),
        ("n_neighbors", " 30 ", 30),
        ("min_dist", "0.25", 0.25),
        ("dims", "3", 3),
        ("method", "tsne", "tsne"),
    ],
)
def test_plain_parameters_parse(name, raw, expected):
    value, problem = spec_of(ExploreState, name).parse(raw)
    assert problem is None and value == expected


def test_float_choices_parse_from_any_spelling_of_the_same_number():
    spec = spec_of(LossState, "tau")
    assert spec.parse("0.05") == (0.05, None)
    assert spec.parse("5e-2") == (0.05, None)
    assert spec.parse("0.050000000000") == (0.05, None)
    assert spec.parse("0.06")[1] is not None
    assert spec.parse("nan")[1] is not None


@pytest.mark.parametrize("raw", ["", "x", "1.5", "1e3", "9" * 40, "--3", "0x10"])
def test_whole_numbers_refuse_what_is_not_one(raw):
    assert spec_of(ExploreState, "n_neighbors").parse(raw)[1] is not None


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(list(PAGE_STATES.values())), JSON)
def test_any_json_gives_a_valid_state_and_never_raises(state_type, data):
    state, messages = state_from_mapping(state_type, data, "x.")
    assert isinstance(state, state_type)
    for item in dataclasses.fields(state):
        assert item.metadata["spec"].check(getattr(state, item.name))[1] is None
    if data == {}:
        assert messages == []


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_to_mapping_then_from_mapping_round_trips_every_page(data):
    state_type = data.draw(st.sampled_from(list(PAGE_STATES.values())))
    state = data.draw(page_state(state_type))
    restored, messages = state_from_mapping(state_type, to_mapping(state))
    assert messages == []
    assert restored == state


def test_lab_state_swaps_one_page():
    lab = LabState().with_page(ExploreState(method="pca"))
    assert lab.page("explore").method == "pca"
    assert lab.loss == LossState()
    assert not math.isnan(lab.loss.margin)
