"""Issue 19, case by case: each crafted input of the issue gives a bounded result or an
`InputError`, never a library exception (the budgets themselves: tests/budget/)."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest

from components.core import limits
from components.core.texts import (
    InputError,
    Message,
    collapse_messages,
    defang_links,
    inline_value,
    is_blank,
    json_depth,
    parse_csv,
)
from components.data import chunking
from components.data.documents import from_upload, read_pdf
from components.data.imported_vectors import texts_and_labels, unit_vectors
from components.data.vector_io import formula_warning, read_parquet, read_uploads
from components.state.lessons import lesson_from_json
from components.state.page_state import ExploreState
from components.state.share_links import decode_link, pack
from components.vectors.similarity import cosine_similarity_matrix
from tests.budget import builders

LIVE_LINK = re.compile(r"\]\s*\(|<a\s|https?://|www\.", re.IGNORECASE)


# ---------------------------------------------------------------- PDF
def test_a_page_referenced_64_times_is_one_page_read_once():
    read = read_pdf(builders.shared_page_pdf(64, words=50))
    assert read.pages == 1 and read.pages_read == 1
    assert read.text.count("w0") == 5  # the page's text once, not 64 times


def test_page_tree_dag_and_cycle_are_refused():
    for data in (builders.page_dag_pdf(15), builders.page_cycle_pdf()):
        with pytest.raises(InputError, match="PDF"):
            from_upload(data, "crafted.pdf")


def test_a_stream_that_decodes_to_50m_characters_is_refused():
    with pytest.raises(InputError, match="MB"):
        from_upload(builders.long_string_pdf(), "long.pdf")


def test_pages_past_the_cap_are_left_out_with_a_message(monkeypatch):
    monkeypatch.setattr(limits, "PDF_PAGES", 10)
    loaded = from_upload(builders.many_pages_pdf(30), "many.pdf")
    assert any("more than 10 pages" in m.text for m in loaded.messages)
    assert loaded.document.text.count("word") == 10 * 50


def test_pdf_reading_stops_at_its_time_cap():
    read = read_pdf(builders.many_pages_pdf(30), time_cap=0.0)
    assert read.pages_read == 1 and any("stopped after 0 s" in m.text for m in read.messages)


def test_pdf_reading_stops_once_document_chars_are_in(monkeypatch):
    monkeypatch.setattr(limits, "DOCUMENT_CHARS", 600)
    read = read_pdf(builders.many_pages_pdf(30))
    assert read.pages_read <= 3 and len(read.text) <= 600


# ---------------------------------------------------------------- Parquet
def test_parquet_that_expands_is_refused_from_its_footer():
    for data in (builders.parquet_vector_bomb(), builders.parquet_text_bomb()):
        with pytest.raises(InputError, match="expands to more than"):
            read_uploads([("bomb.parquet", data)])


def test_parquet_reads_only_the_rows_used_and_says_so():
    import pyarrow as pa

    vectors = np.random.default_rng(0).normal(size=(50, 3)).astype(np.float32)
    table = pa.table(
        {
            "text": [f"t{i}" for i in range(50)],
            "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), 3),
        }
    )
    read, metadata = read_parquet(builders.parquet_bytes(table, row_group_size=7), max_rows=20)
    assert np.array_equal(read, vectors[:20]) and metadata["text"].tolist()[-1] == "t19"
    assert "holds 50 rows: the first 20" in metadata.attrs["notes"][0]


@pytest.mark.parametrize("valid_type", [False, True])
def test_parquet_text_of_non_utf8_bytes_is_an_input_error(valid_type):
    with pytest.raises(InputError, match="not UTF-8"):
        read_uploads([("binary.parquet", builders.parquet_binary_text(valid_type))])


# ---------------------------------------------------------------- npy
@pytest.mark.parametrize(
    ("shape", "dtype", "phrase"),
    [
        ((10**9, 384), "<f4", "header says shape"),
        ((3, 10**6), "<f4", "dimensions"),
        ((2, 2), "|O", "object arrays"),
    ],
)
def test_npy_header_is_checked_before_loading(shape, dtype, phrase):
    with pytest.raises(InputError, match=phrase):
        read_uploads([("claims.npy", builders.npy_header(shape, dtype))])


# ---------------------------------------------------------------- CSV and TSV
def test_a_header_of_40000_blank_names_is_cut_before_naming():
    text = builders.wide_csv_header(40_000).decode()
    parsed = parse_csv(text)
    assert parsed.table.shape == (1, limits.CSV_COLUMNS)
    assert len(set(parsed.table.columns)) == limits.CSV_COLUMNS
    assert any("40,000 columns" in m.text for m in parsed.messages)


def test_20000_columns_named_text_get_unique_names_in_linear_time():
    parsed = parse_csv(builders.wide_csv_header(20_000, "text").decode())
    assert list(parsed.table.columns[:3]) == ["id", "text", "text (2)"]


def test_a_line_of_millions_of_cells_is_refused_before_it_is_split():
    with pytest.raises(InputError, match="cells"):
        parse_csv("a,b\n" + "," * (limits.CSV_HEADER_COLUMNS + 5) + "\n")


@pytest.mark.parametrize("columns", [30_000, 100_000])
def test_very_wide_vector_csvs_are_refused_before_pandas(columns):
    with pytest.raises(InputError, match="columns"):
        read_uploads([("wide.csv", builders.wide_number_csv(columns))])


def test_imported_vectors_have_a_dimension_cap():
    too_many = limits.VECTOR_DIMENSIONS + 1
    with pytest.raises(InputError, match="dimensions"):
        read_uploads([("v.tsv", ("\t".join(["0.5"] * too_many) + "\n").encode())])
    listed = "[" + ",".join(["0.5"] * too_many) + "]"
    with pytest.raises(InputError, match="dimensions"):
        read_uploads([("v.csv", f'vector\n"{listed}"\n'.encode())])


def test_projector_tsv_reads_at_most_the_rows_used(monkeypatch):
    monkeypatch.setattr(limits, "SENTENCES", 5)
    imported = read_uploads([("vectors.tsv", b"\n\n" + b"1\t2\n" * 9)])
    assert imported.vectors.shape == (5, 2)
    assert any("at most 5 vectors" in m.text for m in imported.messages)


# ---------------------------------------------------------------- chunking
def test_chunk_text_in_blocks_gives_the_same_chunks(monkeypatch):
    from components.models.encoder import get_tokenizer, load_model

    tokenizer = get_tokenizer(load_model())
    words = " ".join(f"w{i % 97}x{i % 13}" for i in range(3_000))
    whole = chunking.chunk_text(words, tokenizer, 60, 12)
    monkeypatch.setattr(chunking, "BLOCK_CHARS", 700)
    assert chunking.chunk_text(words, tokenizer, 60, 12) == whole
    capped = chunking.chunk_text("中文字" * 100_000, tokenizer, 254, 32, max_chunks=7)
    assert len(capped) == 7 and capped[-1].end < 3_000


# ---------------------------------------------------------------- lessons and links
@pytest.mark.parametrize("depth", [990, 991, 100_000])
def test_deep_lessons_are_a_message_never_a_recursion_error(depth):
    lesson, messages = lesson_from_json(builders.nested_lesson(depth))
    assert lesson is None and "nests too deeply" in messages[0].text


def test_json_depth_skips_strings():
    assert json_depth('{"a": ["[[[", "\\\\\\"[[", 1]}') == 2


def test_a_flood_of_unknown_keys_is_one_message_that_counts_and_names_the_first():
    lesson, messages = lesson_from_json(builders.flood_lesson(250_000))
    assert lesson is not None and len(messages) == 1
    assert "`k0`, `k1`" in messages[0].text and "249,995 more" in messages[0].text
    decoded = decode_link(ExploreState, {"z": pack({f"k{i}": 0 for i in range(24_000)})})
    assert len(decoded.messages) == 1 and "24,000 settings" in decoded.messages[0].text


INJECTED_LINKS = [
    {"model": "x ` [sign in here](https://evil.example/login) `"},
    {"a`[click me](https://evil.example)`": "1"},
    {"order": "[x](https://evil.example)"},
    {"v": "[a](//e.co)"},
    {"z": pack({"order": "[x](https://evil.example)", "b`[y](http://evil.example)`": 1})},
]


@pytest.mark.parametrize("params", INJECTED_LINKS)
def test_link_messages_show_every_echoed_value_as_text(params):
    for message in decode_link(ExploreState, params).messages:
        shown = defang_links(message.text)
        assert not LIVE_LINK.search(shown), shown
        outside_code = re.sub(r"`[^`]*`", "", message.text)
        assert not re.search(r"\]\(", outside_code), message.text


def test_defang_links_keeps_text_and_formatting():
    assert defang_links("**bold** and `code`") == "**bold** and `code`"
    assert defang_links("[a](https://x.example)") == "[a]\\(https\\://x.example)"
    assert defang_links("<a href='x'>") == "&lt;a href='x'>"
    assert inline_value("null") == "null" and inline_value("[a](b)") == "`[a](b)`"


def test_collapse_messages_counts_the_rest():
    messages = [Message("info", f"m{i}") for i in range(100)]
    shown = collapse_messages(messages)
    assert len(shown) == 8 and "93 more" in shown[-1].text


# ---------------------------------------------------------------- odd data
@pytest.mark.parametrize("value", [1e-30, 3e38, 1e-45])
def test_tiny_and_huge_vectors_have_cosine_1_with_themselves(value):
    vectors = np.full((3, 4), value, dtype=np.float32)
    vectors[1, 0] *= -1
    unit, message = unit_vectors(vectors)
    assert np.allclose(np.diag(cosine_similarity_matrix(unit)), 1.0, atol=1e-5)
    assert message is not None


def test_picker_names_are_unique_whatever_the_texts():
    texts, _ = texts_and_labels(
        pd.DataFrame({"t": ["a", "a (row 3)", "a", "", "row 4"]}), "t", None
    )
    assert len(set(texts)) == len(texts) == 5


def test_zero_width_only_is_blank():
    assert is_blank("\u200b\u200c\u200d\ufeff \u2060") and not is_blank("\u200ba")


def test_metadata_tsv_formulas_are_kept_with_a_warning():
    assert formula_warning(["=1+1", "plain"], ["", "@x"]).level == "warning"
    assert formula_warning(["plain"], ["label"]) is None
    from components.data.vector_io import EXPORT_FORMATS

    tsv = next(f for f in EXPORT_FORMATS if f.file_name == "metadata.tsv")
    assert "spreadsheet" in tsv.help
    vectors = np.eye(2, dtype=np.float32)
    data = tsv.build(["=1+1", "b"], ["x", "y"], vectors)
    assert io.BytesIO(data).read().decode().splitlines()[1].startswith("=1+1")
