from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.core import limits
from components.core.texts import InputError
from components.data.samples import TRIPLET_PRESETS, load_triplet_preset
from components.data.triplets import (
    COLUMNS,
    clean_triplets,
    held_out_indices,
    parse_pasted,
    read_triplet_csv,
    table_csv,
)


def test_presets_have_the_lessons_two_and_at_least_20_more():
    lesson = load_triplet_preset("The lesson's two triplets")
    assert lesson["anchor"].tolist() == [
        "How do I sort a list in Python?",
        "Symptoms of iron-deficiency anaemia?",
    ]
    project = load_triplet_preset("24 project triplets (some hard)")
    assert len(project) >= 20 and list(project.columns) == list(COLUMNS)
    assert (project != "").all().all()
    assert len(load_triplet_preset("All 26")) == len(lesson) + len(project)
    # Some are deliberately hard: negatives that share words with their anchor.
    shared = [
        set(row.anchor.lower().split()) & set(row.negative.lower().split())
        for row in project.itertuples()
    ]
    assert sum(len(words) >= 3 for words in shared) >= 8
    assert set(TRIPLET_PRESETS)


def test_clean_triplets_skips_blank_and_incomplete_rows_with_messages():
    table = pd.DataFrame(
        {
            "anchor": ["a1", "", "a3", "a4", None, "same"],
            "positive": ["p1", "", "", "p4", None, "same"],
            "negative": ["n1", "", "n3", "a4", None, "n6"],
        }
    )
    result = clean_triplets(table)
    assert result.anchors == ["a1", "a4", "same"] and result.rows == [0, 3, 5]
    text = " ".join(m.text for m in result.messages)
    assert "Row 3 has an empty cell" in text
    assert "Row 6: the positive is the anchor itself" in text
    assert "Row 4: the negative is the anchor itself" in text
    assert result.texts() == ["a1", "p1", "n1", "a4", "p4", "same", "n6"]


def test_clean_triplets_caps_and_handles_empty_tables():
    many = pd.DataFrame({c: [f"{c} {i}" for i in range(limits.TRIPLETS + 5)] for c in COLUMNS})
    result = clean_triplets(many)
    assert len(result) == limits.TRIPLETS
    assert any("over the cap" in m.text for m in result.messages)
    empty = clean_triplets(pd.DataFrame({c: [] for c in COLUMNS}))
    assert len(empty) == 0 and empty.messages[-1].level == "error"
    missing = clean_triplets(pd.DataFrame({"anchor": ["x"], "positive": ["y"]}))
    assert "lacks `negative`" in missing.messages[0].text


def test_read_csv_matches_columns_loosely_and_says_what_it_dropped():
    data = b'Anchor , POSITIVE,negative,score\nx,y,z,1\n"a, with comma",b,c,2\n'
    table, messages = read_triplet_csv(data, "t.csv")
    assert list(table.columns) == list(COLUMNS)
    assert table["anchor"].tolist() == ["x", "a, with comma"]
    assert "`score`" in messages[0].text


def test_read_csv_refuses_wrong_headers_and_binary():
    with pytest.raises(
        InputError, match="lacks `anchor`, `positive`, `negative`. Its columns: `question`"
    ):
        read_triplet_csv(b"question,answer\nq,a\n", "qa.csv")
    with pytest.raises(InputError, match="not text|binary"):
        read_triplet_csv(b"\x00\x01\x02" * 50, "x.csv")
    with pytest.raises(InputError, match="empty"):
        read_triplet_csv(b"", "empty.csv")


def test_read_csv_with_a_short_row_and_latin1():
    data = "anchor,positive,negative\ncafé,coffee shop,tea\nonly anchor,pos\n".encode("cp1252")
    table, messages = read_triplet_csv(data, "latin.csv")
    assert table.loc[0, "anchor"] == "café"
    assert table.loc[1, "negative"] == ""
    assert any("Windows-1252" in m.text for m in messages)
    assert len(clean_triplets(table)) == 1


def test_ten_thousand_rows_are_capped_with_a_message():
    rows = "\n".join(f"anchor {i},positive {i},negative {i}" for i in range(10_000))
    table, messages = read_triplet_csv(f"anchor,positive,negative\n{rows}\n".encode(), "big.csv")
    assert len(table) == limits.TABLE_ROWS
    assert "10,000 rows" in messages[-1].text


def test_parse_pasted_tabs_commas_and_headers():
    table = parse_pasted("anchor\tpositive\tnegative\nx\ty\tz\nq\tr\n")
    assert table.values.tolist() == [["x", "y", "z"], ["q", "r", ""]]
    assert parse_pasted("one, two, three").values.tolist() == [["one", "two", "three"]]
    with pytest.raises(InputError, match="4 cells"):
        parse_pasted("a,b,c,d")
    with pytest.raises(InputError, match="Nothing to paste"):
        parse_pasted("  \n ")


def test_csv_round_trip():
    table = load_triplet_preset("All 26")
    again, _ = read_triplet_csv(table_csv(table), "round.csv")
    pd.testing.assert_frame_equal(again, table)


def test_held_out_indices_are_reproducible_and_bounded():
    assert held_out_indices(20, 5) == held_out_indices(20, 5)
    assert len(set(held_out_indices(20, 5))) == 5
    assert held_out_indices(3, 5) == held_out_indices(3, 2) and len(held_out_indices(3, 5)) == 2
    assert held_out_indices(1, 1) == [] and held_out_indices(10, 0) == []


def test_a_csv_without_a_complete_triplet_is_refused_so_it_never_replaces_the_table():
    with pytest.raises(InputError, match="no complete triplet"):
        read_triplet_csv(b"anchor,positive,negative\n,,\nonly anchor,,\n", "blank.csv")


def test_formula_cells_are_neutralised_in_the_download_and_read_back_as_typed():
    table = pd.DataFrame(
        {"anchor": ["=cmd|' /C calc'!A0"], "positive": ["+ a plus"], "negative": ["@me"]}
    )
    data = table_csv(table)
    assert b"'=cmd" in data and b"'+ a plus" in data and b"'@me" in data
    again, _ = read_triplet_csv(data, "round.csv")
    pd.testing.assert_frame_equal(again, table.astype(str))


_PASTE_ALPHABET = st.sampled_from(list(',;\t|"\n\r =abc é\x00'))


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=_PASTE_ALPHABET)))
def test_pasted_rows_and_uploads_never_raise_anything_but_input_error(text):
    for parse in (parse_pasted, lambda t: read_triplet_csv(t.encode("utf-8", "replace"))):
        try:
            table = parse(text)
        except InputError:
            continue
        table = table[0] if isinstance(table, tuple) else table
        assert list(table.columns) == list(COLUMNS)


def test_long_cells_are_cut_with_a_message():
    from components.core import limits

    long = "word " * 1_000
    table, messages = read_triplet_csv(f"anchor,positive,negative\n{long},b,c\n".encode(), "t.csv")
    assert len(table.loc[0, "anchor"]) == limits.CELL_CHARS
    assert any("cut there" in m.text for m in messages)
