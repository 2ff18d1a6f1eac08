from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.core import limits
from components.core.texts import (
    InputError,
    clean_texts,
    csv_bytes,
    csv_safe,
    decode_upload,
    guess_text_column,
    parse_csv,
    parse_lines,
    read_csv,
    texts_from_table,
    unescape_formula,
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
    parsed = parse_lines("\n".join(f"sentence {i}" for i in range(limits.SENTENCES + 7)))
    assert (
        len(parsed.texts) == limits.SENTENCES
        and parsed.texts[-1] == f"sentence {limits.SENTENCES - 1}"
    )
    assert any(m.level == "warning" and f"{limits.SENTENCES:,}" in m.text for m in parsed.messages)


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
    with pytest.raises(InputError, match=f"{limits.UPLOAD_MB} MB"):
        decode_upload(b"a" * (limits.UPLOAD_MB * 1024 * 1024 + 1), "big.txt")


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


# ---------------------------------------------------------------- CSV parsing (issue 9)
def test_one_column_csv_is_not_split_on_a_letter():
    """The issue's file: pandas' sniffer split it on `t` and gave `he ma` and `nan`."""
    parsed = parse_csv("text\nThe cat sat on the mat.\nStocks fell.\n")
    assert parsed.delimiter is None
    assert list(parsed.table.columns) == ["text"]
    assert parsed.table["text"].tolist() == ["The cat sat on the mat.", "Stocks fell."]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_allowed_separator_is_found(delimiter):
    text = delimiter.join(["text", "label"]) + "\n" + delimiter.join(["A cat.", "pets"]) + "\n"
    parsed = parse_csv(text)
    assert parsed.delimiter == delimiter
    assert parsed.table.values.tolist() == [["A cat.", "pets"]]


@pytest.mark.parametrize("text", ["text:label\na:b\n", "textxlabel\naxb\n", "a b\nc d\n"])
def test_other_characters_are_never_separators(text):
    parsed = parse_csv(text)
    assert parsed.delimiter is None and parsed.table.shape[1] == 1


def test_one_column_with_commas_in_sentences_keeps_whole_lines():
    parsed = parse_csv('sentence\nHello, world.\n"Quoted," she said, twice.\nBye.\n')
    assert parsed.table["sentence"].tolist() == [
        "Hello, world.",
        '"Quoted," she said, twice.',
        "Bye.",
    ]


def test_one_column_written_as_csv_is_unquoted():
    parsed = parse_csv('text\n"Hello, ""world"""\n"two\nlines"\n')
    assert parsed.table["text"].tolist() == ['Hello, "world"', "two\nlines"]


def test_bom_quoted_newlines_and_blank_lines():
    parsed = parse_csv('\ufefftext,label\n\n"line one\nline two",a\n\n"x, y",b\n')
    assert list(parsed.table.columns) == ["text", "label"]
    assert parsed.table.values.tolist() == [["line one\nline two", "a"], ["x, y", "b"]]


def test_duplicate_and_blank_headers_get_names_with_a_message():
    parsed = parse_csv("text,text,,  \na,b,c,d\n")
    assert list(parsed.table.columns) == ["text", "text (2)", "column 3", "column 4"]
    assert any("more than once" in m.text and "no name" in m.text for m in parsed.messages)


def test_ragged_rows_are_padded_or_widened_with_messages():
    parsed = parse_csv("a,b,c\n1,2\n1,2,3,4\n1,2,3\n")
    assert list(parsed.table.columns) == ["a", "b", "c", "column 4"]
    assert parsed.table.values.tolist() == [
        ["1", "2", "", ""],
        ["1", "2", "3", "4"],
        ["1", "2", "3", ""],
    ]
    assert [m.level for m in parsed.messages[:2]] == ["info", "warning"]


def test_rows_and_columns_are_capped_with_messages():
    wide = ",".join(f"c{i}" for i in range(150))
    parsed = parse_csv(wide + "\n" + "\n".join(wide for _ in range(30)), max_rows=10)
    assert parsed.table.shape == (10, 100)
    texts = " ".join(m.text for m in parsed.messages)
    assert "150 columns" in texts and "30 rows" in texts


def test_a_broken_csv_is_an_input_error():
    with pytest.raises(InputError, match="header but no rows"):
        parse_csv("a,b\n\n  \n")
    with pytest.raises(InputError):
        parse_csv("a,b\n" + '"' + "x" * 200_000 + '",y\n')  # over the csv field size limit


@pytest.mark.parametrize(
    "cell",
    ["=cmd|' /C calc'!A0", "+1", "-2 degrees", "@SUM(A1)", "\tx", "\rx", "'=already", "''+x"],
)
def test_formula_cells_are_neutralised_and_come_back_unchanged(cell):
    safe = csv_safe(cell)
    assert safe.startswith("'") and safe[1:] == cell
    assert unescape_formula(safe) == cell
    table = pd.DataFrame({"text": [cell, "plain"], "value": [-1.5, 2.0]})
    data = csv_bytes(table)
    assert data.endswith(b",-1.5\r\nplain,2.0\r\n")  # numbers are not escaped
    assert read_csv(data.decode())["text"].tolist() == [cell, "plain"]


@pytest.mark.parametrize("cell", ["plain", "it's", "'quoted'", "a=b", "", "1-2"])
def test_ordinary_cells_are_not_changed(cell):
    assert csv_safe(cell) == cell and unescape_formula(cell) == cell


def test_csv_bytes_neutralises_headers_too():
    assert csv_bytes(pd.DataFrame({"=x": ["a"]})).startswith(b"'=x")


# ---------------------------------------------------------------- properties
_CSV_ALPHABET = st.sampled_from(list(",;\t|\"'\n\r =+-@abc é🚀\x00\x1f"))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=_CSV_ALPHABET)))
def test_parse_csv_never_raises_anything_but_input_error(text):
    try:
        parsed = parse_csv(text)
    except InputError:
        return
    table = parsed.table
    assert table.shape[0] >= 1 and table.shape[1] >= 1
    assert len(set(table.columns)) == table.shape[1] and all(table.columns)
    assert all(isinstance(cell, str) for cell in table.to_numpy().ravel())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2_000))
def test_decode_upload_and_parse_never_raise_anything_but_input_error(data):
    try:
        text, _ = decode_upload(data, "f.csv")
        parse_csv(text)
        parse_lines(text)
    except InputError:
        pass


def _names(width: int, alphabet) -> st.SearchStrategy[list[str]]:
    name = st.text(alphabet=alphabet, min_size=1, max_size=12).filter(
        lambda n: n == " ".join(n.split()) and n.strip()
    )
    return st.lists(name, min_size=width, max_size=width, unique=True)


def _table(alphabet, min_width: int = 1):
    return st.integers(min_width, 4).flatmap(
        lambda width: st.tuples(
            _names(width, alphabet),
            st.lists(
                st.lists(
                    st.text(alphabet=alphabet, max_size=15), min_size=width, max_size=width
                ).filter(lambda row: any(cell.strip() for cell in row)),
                min_size=1,
                max_size=6,
            ),
        )
    )


def _write(header, rows, delimiter, quoting) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator="\n")
    writer.writerow([csv_safe(cell) for cell in header])
    writer.writerows([[csv_safe(cell) for cell in row] for row in rows])
    return buffer.getvalue()


_ANY_CELL = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x1f\ufeff")


@settings(max_examples=200, deadline=None)
@given(_table(_ANY_CELL), st.sampled_from([",", ";", "\t", "|"]))
def test_fully_quoted_csv_round_trips(table, delimiter):
    """Any text in any cell (newlines, quotes, separators, formulas) comes back as written."""
    header, rows = table
    parsed = parse_csv(_write(header, rows, delimiter, csv.QUOTE_ALL))
    assert list(parsed.table.columns) == header
    assert parsed.table.values.tolist() == rows


_PLAIN_CELL = st.sampled_from(list('abc XYZ é🚀"=+-@\n'))


@settings(max_examples=200, deadline=None)
@given(_table(_PLAIN_CELL, min_width=2), st.sampled_from([",", ";", "\t", "|"]))
def test_minimally_quoted_csv_round_trips(table, delimiter):
    """As a spreadsheet writes it: only cells with a separator, quote or newline are quoted."""
    header, rows = table
    parsed = parse_csv(_write(header, rows, delimiter, csv.QUOTE_MINIMAL))
    assert parsed.delimiter == delimiter
    assert list(parsed.table.columns) == header
    assert parsed.table.values.tolist() == rows


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=_CSV_ALPHABET)))
def test_parse_lines_never_raises(text):
    parsed = parse_lines(text)
    assert all(line == line.strip() and line for line in parsed.texts)
    assert len(parsed.texts) <= limits.SENTENCES
