from __future__ import annotations

import pandas as pd
import pytest

from components.texts import (
    MAX_SENTENCES,
    InputError,
    clean_texts,
    decode_upload,
    guess_text_column,
    parse_lines,
    read_csv,
    texts_from_table,
)


def test_parse_lines_strips_and_drops_blank_lines():
    parsed = parse_lines("  a cat \n\n\t\nа dog\r\n")
    assert parsed.texts == ["a cat", "а dog"] and parsed.messages == []


def test_blank_input_is_an_error_message():
    parsed = parse_lines(" \n \n")
    assert parsed.texts == [] and parsed.messages[0].level == "error"


def test_duplicates_are_merged_with_a_message():
    parsed = parse_lines("a\nb\na\na")
    assert parsed.texts == ["a", "b"]
    assert "2 duplicate sentences merged" in parsed.messages[0].text


def test_cap_keeps_the_first_sentences_and_says_so():
    parsed = parse_lines("\n".join(f"sentence {i}" for i in range(MAX_SENTENCES + 7)))
    assert (
        len(parsed.texts) == MAX_SENTENCES and parsed.texts[-1] == f"sentence {MAX_SENTENCES - 1}"
    )
    assert any(m.level == "warning" and f"{MAX_SENTENCES:,}" in m.text for m in parsed.messages)


def test_labels_follow_their_sentences_and_typed_lines_are_marked():
    parsed = parse_lines("x\nnew line\ny", {"x": "one", "y": "two"})
    assert parsed.labels == ["one", "typed", "two"]


def test_clean_texts_keeps_labels_aligned_when_dropping():
    parsed = clean_texts(["a", "", "b", "a"], ["1", "2", "3", "4"])
    assert (parsed.texts, parsed.labels) == (["a", "b"], ["1", "3"])


def test_html_is_kept_as_plain_text():
    assert parse_lines("<script>alert(1)</script>").texts == ["<script>alert(1)</script>"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("héllo\nwörld".encode(), "héllo\nwörld"),
        ("\ufeffbom first".encode(), "bom first"),
        ("utf sixteen".encode("utf-16"), "utf sixteen"),
    ],
)
def test_decode_upload_reads_unicode(data, expected):
    text, messages = decode_upload(data, "f.txt")
    assert text == expected and messages == []


def test_decode_upload_reads_latin1_with_a_warning():
    text, messages = decode_upload("café crème".encode("cp1252"), "old.txt")
    assert text == "café crème" and messages[0].level == "warning"


@pytest.mark.parametrize(
    "data", [b"%PDF-1.7 binary", b"PK\x03\x04zip", b"abc\x00\x01\x02def", b"\x89PNG\r\n"]
)
def test_decode_upload_refuses_binary(data):
    with pytest.raises(InputError, match="not text|binary"):
        decode_upload(data, "f.txt")


def test_decode_upload_refuses_huge_files():
    with pytest.raises(InputError, match="50 MB"):
        decode_upload(b"a" * (50 * 1024 * 1024 + 1), "big.txt")


def test_read_csv_and_pick_columns():
    table = read_csv('id,sentence,topic\n1,"Hello, world",greet\n2,Bye,greet\n')
    assert guess_text_column(table) == "sentence"
    parsed = texts_from_table(table, "sentence", "topic")
    assert parsed.texts == ["Hello, world", "Bye"] and parsed.labels == ["greet", "greet"]


def test_read_csv_detects_semicolons():
    assert list(read_csv("text;label\na;b\n").columns) == ["text", "label"]


def test_guess_text_column_falls_back_to_the_longest():
    table = pd.DataFrame({"n": ["1", "2"], "body": ["a long sentence here", "another one"]})
    assert guess_text_column(table) == "body"


@pytest.mark.parametrize("text", ["", "  \n", "only_header\n"])
def test_read_csv_refuses_empty_tables(text):
    with pytest.raises(InputError):
        read_csv(text)


def test_missing_column_names_the_columns_that_exist():
    table = read_csv("a,b\n1,2\n")
    with pytest.raises(InputError, match="no column `text`.*`a`, `b`"):
        texts_from_table(table, "text")
