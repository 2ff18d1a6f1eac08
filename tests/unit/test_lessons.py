"""Lesson files: exact round trips, clear messages for every kind of bad file, shipped lessons."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.state.lessons import (
    LESSON_DIR,
    LESSON_SCHEMA,
    MAX_LESSON_BYTES,
    Lesson,
    lesson_from_json,
    lesson_to_dict,
    lesson_to_json,
    shipped_lessons,
)
from components.state.page_state import PAGE_STATES, ExploreState, LabState, LossState
from tests.unit.state_strategies import JSON, lab_state, text

LESSONS = st.builds(
    Lesson,
    title=text(200),
    what_to_try=text(300),
    what_to_notice=text(300),
    start_page=st.sampled_from(list(PAGE_STATES)),
    model=text(200),
    lab=lab_state(),
)


def words(messages) -> str:
    return "\n".join(message.text for message in messages)


@settings(max_examples=40, deadline=None)
@given(LESSONS)
def test_any_valid_lesson_round_trips_exactly(lesson):
    data = lesson_to_json(lesson)
    restored, messages = lesson_from_json(data.encode("utf-8"))
    assert messages == []
    assert restored == lesson
    assert lesson_from_json(data)[0] == lesson  # str in, same result


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_messages_never_an_exception(data):
    lesson, messages = lesson_from_json(data)
    if lesson is None:
        assert messages and messages[0].level == "error"


@settings(max_examples=150, deadline=None)
@given(JSON)
def test_any_json_gives_messages_never_an_exception(content):
    lesson, messages = lesson_from_json(json.dumps(content))
    assert lesson is None  # without the schema field it is not a lesson
    assert messages and "Nothing was loaded" in messages[0].text


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(text(12) | st.sampled_from(list(PAGE_STATES)), JSON, max_size=5), JSON)
def test_any_json_inside_a_lesson_envelope_gives_a_valid_lesson(pages, version):
    content = {"schema": LESSON_SCHEMA, "version": version, "pages": pages, "title": version}
    lesson, messages = lesson_from_json(json.dumps(content))
    assert isinstance(lesson, Lesson)
    for page in PAGE_STATES:
        assert isinstance(lesson.lab.page(page), PAGE_STATES[page])
    if version != 1:
        assert "`version`" in words(messages)


def test_a_short_hand_written_lesson_fills_in_the_defaults():
    lesson, messages = lesson_from_json(
        json.dumps(
            {
                "schema": LESSON_SCHEMA,
                "version": 1,
                "title": "Maps",
                "pages": {"explore": {"method": "pca"}},
            }
        )
    )
    assert messages == []
    assert lesson == Lesson(title="Maps", lab=LabState(explore=ExploreState(method="pca")))


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        (b"", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"{not json", "not valid JSON (line 1, column 2)"),
        (b"[1, 2]", "holds one JSON object"),
        (b'{"schema": "something-else", "version": 1}', "not a lesson file of this lab"),
        (b'{"version": 1, "pages": {}}', "`schema` is null"),
        (b"[" * 50_000 + b"]" * 50_000, "nests too deeply"),
        (b" " * (MAX_LESSON_BYTES + 1), "a lesson is at most"),
        (b'{"n": 1' + b"0" * 5_000 + b"}", "not valid JSON"),
    ],
)
def test_files_that_are_not_lessons_load_nothing(data, phrase):
    lesson, messages = lesson_from_json(data)
    assert lesson is None
    assert len(messages) == 1 and phrase in messages[0].text
    assert messages[0].level == "error"


def test_bad_fields_are_named_and_the_rest_is_kept():
    content = lesson_to_dict(Lesson(title="ok", lab=LabState(loss=LossState(alpha=0.3))))
    content["version"] = 2
    content["start_page"] = "nowhere"
    content["pages"]["loss"]["tau"] = 0.07
    content["pages"]["loss"]["triplets"] = [["a", "p"]]
    content["pages"]["explore"]["k"] = "five"
    content["pages"]["maps"] = {}
    content["teacher"] = "Ada"
    lesson, messages = lesson_from_json(json.dumps(content))
    text = words(messages)
    assert "`version` is 2" in text and "newer lab" in text
    assert "`start_page` is 'nowhere'" in text
    assert "`pages.loss.tau` is 0.07" in text
    assert "`pages.loss.triplets` row 1 should be 3 texts" in text
    assert "`pages.explore.k` should be a whole number" in text
    assert "`pages.maps` is not a page of this lab" in text
    assert "`teacher` is not part of a lesson" in text
    assert len(messages) == 7
    assert lesson.title == "ok" and lesson.lab.loss == LossState(alpha=0.3)


def test_pages_not_an_object():
    lesson, messages = lesson_from_json(
        json.dumps({"schema": LESSON_SCHEMA, "version": 1, "pages": []})
    )
    assert lesson == Lesson() and "`pages` should be an object" in words(messages)


def test_shipped_lessons_load_without_a_single_message():
    files = sorted(LESSON_DIR.glob("*.json"))
    assert len(files) >= 3
    for path in files:
        lesson, messages = lesson_from_json(path.read_bytes())
        assert messages == [], (path.name, words(messages))
        assert lesson.title and lesson.what_to_try and lesson.what_to_notice
    assert len(shipped_lessons()) == len(files)
