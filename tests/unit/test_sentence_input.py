from __future__ import annotations

import pytest

from components.core.texts import InputError
from components.data.sentence_input import (
    NO_LABEL,
    TYPED,
    colour_labels,
    read_sentence_file,
    truncation_warning,
)


def test_a_text_file_is_decoded_and_its_messages_kept():
    content, messages = read_sentence_file("notes.txt", "one\ntwo\n".encode("utf-16"))
    assert content.splitlines()[:2] == ["one", "two"]
    assert all(message.text for message in messages)


def test_a_csv_file_reports_its_parsing_notes():
    content, messages = read_sentence_file("table.CSV", b"text,,text\nhello,x,world\n")
    assert content.startswith("text,,text")
    assert any("column" in message.text.lower() for message in messages)


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("blank.txt", b"\n \n\n", "only blank lines"),
        ("empty.csv", b"a,b\n ,\n", "no rows"),
        ("binary.txt", b"\x00\x01\x02\xff" * 50, "binary"),
    ],
)
def test_files_without_sentences_raise_a_clear_error(name, data, said):
    with pytest.raises(InputError, match=said):
        read_sentence_file(name, data)


def test_colour_labels():
    assert colour_labels(None, 3, 24) == ([NO_LABEL] * 3, "")
    assert colour_labels([TYPED, TYPED], 2, 24) == ([NO_LABEL] * 2, "")  # no preset line left
    assert colour_labels(["a", TYPED], 2, 24) == (["a", TYPED], "")
    labels, warning = colour_labels([str(i) for i in range(30)], 30, 24)
    assert labels == [NO_LABEL] * 30 and "30 different values" in warning and "24" in warning


def test_truncation_warning_lists_the_first_rows_past_the_window():
    assert truncation_warning([3, 256, 10], 256) == ""
    one = truncation_warning([3, 257], 256)
    assert one.startswith("1 sentence is longer") and "(sentence 2)" in one
    many = truncation_warning([300] * 12, 256)
    assert many.startswith("12 sentences are longer") and "1, 2, 3" in many and "10 …" in many
    assert "11" not in many.split("sentence ")[1].split(")")[0]
