"""Vectors in and out: every format round-trips exactly, and every bad file gets a clear message."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from components.core import limits
from components.core.texts import InputError
from components.data import vector_io
from components.data.vector_io import (
    projector_safe,
    read_npy,
    read_parquet,
    read_parquet_path,
    read_projector_tsv,
    read_uploads,
    read_vectors_csv,
    validate_vectors,
    write_npy,
    write_parquet,
    write_projector_tsv,
    write_vectors_csv,
)

RNG = np.random.default_rng(14)


def unit_vectors(rows: int, dimension: int) -> np.ndarray:
    vectors = RNG.standard_normal((rows, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)  # (rows, dimension)


METADATA = pd.DataFrame(
    {
        "text": ["Quantum entanglement", 'a "quoted", comma', "Ünïcödé 🚀 中文", "<b>x</b>", "x"],
        "label": ["physics", "", "unicode", "html", "5"],
    },
    dtype=str,
)


def assert_same_metadata(read: pd.DataFrame, written: pd.DataFrame) -> None:
    if written.shape[1] == 0:
        assert read.shape == written.shape
        return
    pd.testing.assert_frame_equal(
        read.reset_index(drop=True), written.reset_index(drop=True), check_dtype=False
    )
    assert [str(v) for v in read.dtypes] == [str(v) for v in written.dtypes]


# ---------------------------------------------------------------- round trips, every format
@pytest.mark.parametrize("dimension", [384, 768, 1024])
def test_projector_round_trip_is_exact(dimension):
    vectors = unit_vectors(5, dimension)
    vectors_tsv, metadata_tsv = write_projector_tsv(vectors, METADATA)
    read_vectors, read_metadata = read_projector_tsv(vectors_tsv, metadata_tsv)
    assert read_vectors.dtype == np.float32 and np.array_equal(read_vectors, vectors)
    assert_same_metadata(read_metadata, METADATA)


@pytest.mark.parametrize("dimension", [384, 768, 1024])
def test_csv_round_trip_is_exact(dimension):
    vectors = unit_vectors(5, dimension)
    read_vectors, read_metadata = read_vectors_csv(write_vectors_csv(vectors, METADATA))
    assert np.array_equal(read_vectors, vectors)
    assert_same_metadata(read_metadata, METADATA)


@pytest.mark.parametrize("dimension", [384, 768, 1024])
def test_npy_round_trip_is_exact(dimension):
    vectors = unit_vectors(5, dimension)
    npy, metadata_csv = write_npy(vectors, METADATA)
    assert np.array_equal(np.load(io.BytesIO(npy)), vectors)  # a plain .npy numpy can load
    read_vectors, read_metadata = read_npy(npy, metadata_csv, "metadata.csv")
    assert np.array_equal(read_vectors, vectors)
    assert_same_metadata(read_metadata, METADATA)


@pytest.mark.parametrize("dimension", [384, 768, 1024])
def test_parquet_round_trip_keeps_types_and_the_model_name(dimension):
    vectors = unit_vectors(5, dimension)
    metadata = METADATA.assign(
        x=RNG.standard_normal(5).astype(np.float32), y=RNG.standard_normal(5), cluster=range(5)
    )
    data = write_parquet(vectors, metadata, model="sentence-transformers/all-MiniLM-L6-v2")
    read_vectors, read_metadata = read_parquet(data)
    assert np.array_equal(read_vectors, vectors)
    assert_same_metadata(read_metadata, metadata)
    assert read_metadata.attrs["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    import pyarrow as pa
    import pyarrow.parquet as pq

    vector_type = pq.read_table(io.BytesIO(data)).schema.field("vector").type
    assert pa.types.is_list(vector_type) and vector_type.value_type == pa.float32()


def test_round_trips_without_metadata():
    vectors = unit_vectors(3, 8)
    tsv, metadata = write_projector_tsv(vectors)
    assert metadata == b""
    for read_vectors, read_metadata in (
        read_projector_tsv(tsv),
        read_vectors_csv(write_vectors_csv(vectors)),
        read_npy(write_npy(vectors)[0]),
        read_parquet(write_parquet(vectors)),
    ):
        assert np.array_equal(read_vectors, vectors)
        assert read_metadata.shape == (3, 0)


# ---------------------------------------------------------------- the Projector's own format
def test_projector_files_follow_the_documented_format():
    vectors = np.array([[1.0, -0.5, 0.25], [0.1, 0.2, 0.3]], dtype=np.float32)
    vectors_tsv, metadata_tsv = write_projector_tsv(
        vectors, pd.DataFrame({"word": ["a", "b"], "topic": ["x", "y"]})
    )
    # vectors: no header, tab-separated, one vector a line
    assert vectors_tsv.decode().splitlines() == [
        "1\t-0.5\t0.25",
        "0.100000001\t0.200000003\t0.300000012",
    ]
    # several metadata columns: a header row first
    assert metadata_tsv.decode() == "word\ttopic\na\tx\nb\ty\n"
    # a single column: no header row ("each row is the label of the embedding")
    _, single = write_projector_tsv(vectors, pd.DataFrame({"word": ["a", "b"]}))
    assert single.decode() == "a\nb\n"
    _, metadata = read_projector_tsv(vectors_tsv, single)
    assert metadata.columns.tolist() == ["label"] and metadata["label"].tolist() == ["a", "b"]


def test_projector_reader_skips_blank_lines_and_accepts_windows_line_ends():
    vectors, metadata = read_projector_tsv(
        b"\n0.5\t1\r\n\n  \n1\t2 \r\n", b"name\tkind\r\n\r\nfirst\tA\r\nsecond\t\r\n"
    )
    assert np.array_equal(vectors, [[0.5, 1], [1, 2]])
    assert metadata.to_dict("list") == {"name": ["first", "second"], "kind": ["A", ""]}


def test_projector_vectors_with_a_leading_label_column():
    vectors, metadata = read_projector_tsv(b"cat\t0.1\t0.2\ndog\t0.3\t0.4\n")
    assert vectors.shape == (2, 2) and metadata["label"].tolist() == ["cat", "dog"]


def test_projector_single_column_with_a_header_gets_a_hint():
    with pytest.raises(InputError, match="may be a header"):
        read_projector_tsv(b"1\t2\n3\t4\n", b"label\ncat\ndog\n")


def test_projector_writer_refuses_tabs_and_line_breaks_and_projector_safe_replaces_them():
    vectors = unit_vectors(2, 4)
    bad = pd.DataFrame({"text": ["one\ttab", "two\nlines"], "label": ["a", "b"]})
    with pytest.raises(InputError, match="row 1, column `text`.*tab, line break"):
        write_projector_tsv(vectors, bad)
    cleaned, changed = projector_safe(bad)
    assert changed == 2 and cleaned["text"].tolist() == ["one tab", "two lines"]
    _, metadata = read_projector_tsv(*write_projector_tsv(vectors, cleaned))
    assert_same_metadata(metadata, cleaned)


def test_projector_writer_refuses_a_row_it_would_lose():
    with pytest.raises(InputError, match="row 2 is blank"):
        write_projector_tsv(unit_vectors(2, 4), pd.DataFrame({"label": ["a", " "]}))


# ---------------------------------------------------------------- other CSV layouts
def test_csv_finds_numbered_columns_headerless_tables_and_list_cells():
    vectors = unit_vectors(3, 4)
    numbered = pd.DataFrame(vectors, columns=[f"v{i}" for i in range(1, 5)]).assign(
        name=["a", "b", "c"]
    )
    read, metadata = read_vectors_csv(numbered.to_csv(index=False).encode())
    assert np.allclose(read, vectors) and metadata.columns.tolist() == ["name"]

    headerless = "\n".join(",".join(repr(float(v)) for v in row) for row in vectors)
    assert np.array_equal(read_vectors_csv(headerless.encode())[0], vectors)

    lists = pd.DataFrame({"text": ["a", "b", "c"], "embedding": [str(r.tolist()) for r in vectors]})
    read, metadata = read_vectors_csv(lists.to_csv(index=False).encode())
    assert np.allclose(read, vectors) and metadata["text"].tolist() == ["a", "b", "c"]

    semicolons = "text;e0;e1\nfirst;1;0\nsecond;0;1\n"
    read, metadata = read_vectors_csv(semicolons.encode())
    assert np.array_equal(read, np.eye(2)) and metadata["text"].tolist() == ["first", "second"]


def test_csv_without_vector_columns_says_what_it_expects():
    with pytest.raises(InputError, match="no vector columns.*`text`, `label`"):
        read_vectors_csv(b"text,label\na,b\n")


def test_npy_with_a_text_file_of_lines():
    vectors = unit_vectors(3, 4)
    npy, _ = write_npy(vectors)
    read, metadata = read_npy(npy, b"first\n\nthird\n", "sentences.txt")
    assert np.array_equal(read, vectors) and metadata["text"].tolist() == ["first", "", "third"]


# ---------------------------------------------------------------- clear messages for bad input
@pytest.mark.parametrize(
    ("vectors_tsv", "message"),
    [
        (b"1\t2\t3\n4\t5\n", "line 2: 2 values where the first line has 3"),
        (b"1\t2\n3\tabc\n", "line 2, column 2: `abc` is not a number"),
        (b"1\t2\n3\t\t4\n", "line 2: 3 values"),
        (b"1\t2\nnan\t1\n", "NaN, infinite"),
        (b"1\t2\n1\tinf\n", "NaN, infinite"),
        (b"1\t2\n1\t1e39\n", "too large for float32"),
        (b"1\t2\n0\t0\n3\t4\n", r"all zeros \(row 2\); cosine similarity is undefined"),
        (b"1\n2\n", "1 dimension"),
        (b"\n \n", "is empty"),
        (b"1,2\n3,4\n", "commas but no tabs"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG image"),
        (b"\x00\x01\x02garbage\xff", "binary"),
        (b"\x93NUMPY\x01\x00", "NumPy .npy file"),
        (b"A sentence, not a vector.\nAnother one.\n", "holds text, not vectors"),
        # A label column first: cells are still numbered as the user sees them.
        (b"cat\t1\t2\ndog\t3\tabc\n", "line 2, column 3: `abc` is not a number"),
        (b"word\tx\ty\ncat\t1\t2\n", r"line 1 looks like a header \(`word\tx\ty`\)"),
    ],
)
def test_bad_vectors_tsv_gets_a_clear_message(vectors_tsv, message):
    with pytest.raises(InputError, match=message):
        read_projector_tsv(vectors_tsv)


@pytest.mark.parametrize(
    ("metadata_tsv", "message"),
    [
        (b"a\tb\nx\n", "line 2: 1 cells where the header"),
        (b"a\nb\tc\n", "line 2 has tabs but the first line has none"),
        (b"a\ta\nx\ty\n", "repeats the column name"),
        (b"a\nb\nc\n", "2 vectors but `metadata.tsv` has 3 rows"),
    ],
)
def test_bad_metadata_tsv_gets_a_clear_message(metadata_tsv, message):
    with pytest.raises(InputError, match=message):
        read_projector_tsv(b"1\t2\n3\t4\n", metadata_tsv)


def test_files_over_the_cap_are_refused_before_parsing():
    big = b"1\t2\n" * (limits.UPLOAD_MB * 1024 * 1024 // 4 + 1)
    with pytest.raises(InputError, match=f"over the {limits.UPLOAD_MB} MB cap"):
        read_projector_tsv(big)
    with pytest.raises(InputError, match="cap"):
        read_npy(vector_io.NPY_MAGIC + big)
    with pytest.raises(InputError, match="cap"):
        read_parquet(b"PAR1" + big + b"PAR1")


def test_a_set_of_files_over_the_total_cap_is_refused():
    part = b"x" * (limits.VECTOR_UPLOAD_MB * 1024 * 1024 // 3 + 1)
    cap = limits.VECTOR_UPLOAD_MB
    with pytest.raises(InputError, match=f"3 files hold {cap} MB together, over the {cap} MB cap"):
        read_uploads([(f"part.{i}.parquet", part) for i in range(3)])


def test_csv_cells_that_look_like_formulas_are_guarded_and_read_back_exactly():
    metadata = pd.DataFrame({"text": ['=HYPERLINK("x")', "'=already quoted", "-5", "@sum"]})
    data = write_vectors_csv(unit_vectors(4, 3), metadata)
    assert b'"\'=HYPERLINK(""x"")"' in data and b'"\'-5"' in data
    assert_same_metadata(read_vectors_csv(data)[1], metadata)
    npy, metadata_csv = write_npy(unit_vectors(4, 3), metadata)
    assert b'"\'@sum"' in metadata_csv
    assert_same_metadata(read_npy(npy, metadata_csv)[1], metadata)


def test_files_on_disk_have_no_upload_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "UPLOAD_MB", 0)  # every upload would be over it
    (tmp_path / "v.parquet").write_bytes(write_parquet(unit_vectors(3, 4)))
    assert read_parquet_path(tmp_path / "v.parquet")[0].shape == (3, 4)
    with pytest.raises(InputError, match="cap"):
        read_parquet((tmp_path / "v.parquet").read_bytes())


def test_bad_npy_files():
    def npy(array):
        buffer = io.BytesIO()
        np.save(buffer, array)
        return buffer.getvalue()

    with pytest.raises(InputError, match="not a NumPy .npy"):
        read_npy(b"1\t2\n")
    with pytest.raises(InputError, match="object arrays are refused"):
        read_npy(npy(np.array([{"a": 1}], dtype=object)))
    with pytest.raises(InputError, match=r"shape \(3,\)"):
        read_npy(npy(np.ones(3)))
    with pytest.raises(InputError, match="must be numbers"):
        read_npy(npy(np.array([["a", "b"]])))
    with pytest.raises(InputError, match="truncated or damaged") as cut:
        read_npy(npy(np.ones((4, 3)))[:-8])
    assert "object arrays" not in str(cut.value)  # a cut file is not about pickles
    with pytest.raises(InputError, match="3 vectors but `m.txt` has 2 rows"):
        read_npy(npy(np.ones((3, 2))), b"a\nb\n", "m.txt")


def test_bad_parquet_files():
    import pyarrow as pa
    import pyarrow.parquet as pq

    def parquet(table):
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        return buffer.getvalue()

    with pytest.raises(InputError, match="not a Parquet file"):
        read_parquet(b"text,vector\n")
    with pytest.raises(InputError, match="could not be read as Parquet"):
        read_parquet(b"PAR1" + bytes(range(256)) + b"PAR1")
    with pytest.raises(InputError, match="no list column.*`text`"):
        read_parquet(parquet(pa.table({"text": ["a"]})))
    with pytest.raises(InputError, match="row 2: 3 values where the first row has 2"):
        read_parquet(parquet(pa.table({"vector": [[1.0, 2.0], [1.0, 2.0, 3.0]]})))
    with pytest.raises(InputError, match="row 2: the vector is missing"):
        read_parquet(parquet(pa.table({"vector": [[1.0, 2.0], None]})))
    with pytest.raises(InputError, match="missing \\(null\\) value"):
        read_parquet(parquet(pa.table({"vector": [[1.0, 2.0], [1.0, None]]})))
    with pytest.raises(InputError, match="expected lists of numbers"):
        read_parquet(parquet(pa.table({"vector": [["a", "b"]]})))
    with pytest.raises(InputError, match="all zeros"):
        read_parquet(parquet(pa.table({"vector": [[1.0, 2.0], [0.0, 0.0]]})))


def test_writers_refuse_what_readers_would_refuse():
    with pytest.raises(InputError, match="all zeros"):
        write_parquet(np.zeros((2, 3)))
    with pytest.raises(InputError, match="NaN"):
        write_vectors_csv(np.array([[1.0, np.nan]]))
    with pytest.raises(InputError, match="2 vectors but 3 metadata rows"):
        write_npy(unit_vectors(2, 3), pd.DataFrame({"a": ["x", "y", "z"]}))
    with pytest.raises(InputError, match="look like vector columns"):
        write_vectors_csv(unit_vectors(1, 3), pd.DataFrame({"dim_7": ["x"]}))
    with pytest.raises(InputError, match="already has a column `vector`"):
        write_parquet(unit_vectors(1, 3), pd.DataFrame({"vector": ["x"]}))


def test_validate_vectors_converts_and_names_the_bad_cell():
    assert validate_vectors([[1, 2], [3, 4]]).dtype == np.float32
    with pytest.raises(InputError, match="row 2, dimension 1"):
        validate_vectors(np.array([[1.0, 2.0], [np.inf, 1.0]]))


# ---------------------------------------------------------------- partitioned Parquet, uploads
def test_parquet_parts_read_in_natural_order(tmp_path):
    vectors = unit_vectors(12, 4)
    metadata = pd.DataFrame({"text": [f"row {i}" for i in range(12)]})
    folder = tmp_path / "out"
    folder.mkdir()
    for part, start in enumerate(range(0, 12, 1)):
        (folder / f"part.{part}.parquet").write_bytes(
            write_parquet(vectors[start : start + 1], metadata.iloc[start : start + 1])
        )
    (folder / "_metadata").write_bytes(b"not a part")
    read, read_metadata = read_parquet_path(folder)
    assert np.array_equal(read, vectors)  # part.10 after part.9, not after part.1
    assert read_metadata["text"].tolist() == metadata["text"].tolist()


def test_read_uploads_recognises_each_format():
    vectors = unit_vectors(4, 6)
    metadata = METADATA.iloc[:4].reset_index(drop=True)
    vectors_tsv, metadata_tsv = write_projector_tsv(vectors, metadata)
    npy, metadata_csv = write_npy(vectors, metadata)
    half = [
        write_parquet(vectors[:2], metadata.iloc[:2]),
        write_parquet(vectors[2:], metadata.iloc[2:]),
    ]
    cases = {
        "Projector TSV": [("metadata.tsv", metadata_tsv), ("vectors.tsv", vectors_tsv)],
        "npy": [("v.npy", npy), ("m.csv", metadata_csv)],
        "csv": [("v.csv", write_vectors_csv(vectors, metadata))],
        "parquet": [("part.1.parquet", half[1]), ("part.0.parquet", half[0])],
    }
    for name, files in cases.items():
        imported = read_uploads(files)
        assert np.array_equal(imported.vectors, vectors), name
        assert imported.metadata["text"].tolist() == metadata["text"].tolist(), name
    with pytest.raises(InputError, match="not one of the supported sets"):
        read_uploads([("a.csv", b"x"), ("b.parquet", b"y")])
    with pytest.raises(InputError, match="one .npy file"):
        read_uploads([("a.npy", npy), ("b.npy", npy)])


# ---------------------------------------------------------------- hypothesis: the parsers
PRINTABLE = st.characters(codec="utf-8", exclude_characters="\x00")
CELL = st.text(PRINTABLE, max_size=12)
NAME = st.text(PRINTABLE, min_size=1, max_size=10)


@st.composite
def vector_matrices(draw, max_rows: int = 8, max_dimension: int = 12) -> np.ndarray:
    rows = draw(st.integers(1, max_rows))
    dimension = draw(st.integers(2, max_dimension))
    values = draw(
        arrays(
            np.float32,
            (rows, dimension),
            elements=st.floats(width=32, allow_nan=False, allow_infinity=False),
        )
    )
    assume(values.any(axis=1).all())
    return values


@st.composite
def vectors_and_metadata(draw, cell=CELL):
    vectors = draw(vector_matrices())
    names = draw(st.lists(NAME, min_size=0, max_size=3, unique=True))
    columns = {
        name: draw(st.lists(cell, min_size=len(vectors), max_size=len(vectors))) for name in names
    }
    return vectors, pd.DataFrame(columns, index=pd.RangeIndex(len(vectors)), dtype=str)


SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much]
)


@SETTINGS
@given(
    vectors_and_metadata(
        cell=st.text(st.characters(codec="utf-8", exclude_characters="\x00\t\n\r"), max_size=12)
    )
)
def test_projector_round_trip_property(case):
    vectors, metadata = case
    assume(all("\t" not in n and "\n" not in n and "\r" not in n for n in metadata.columns))
    try:
        vectors_tsv, metadata_tsv = write_projector_tsv(vectors, metadata)
    except InputError as error:  # the only refusals left: a blank row, a leading BOM
        assert "blank" in str(error) or "byte-order mark" in str(error)
        return
    read_vectors, read_metadata = read_projector_tsv(vectors_tsv, metadata_tsv or None)
    assert np.array_equal(read_vectors, vectors)
    if metadata.shape[1] == 1:  # one column: no header, so it reads back as `label`
        metadata = metadata.set_axis(["label"], axis=1)
    assert_same_metadata(read_metadata, metadata)


@SETTINGS
@given(vectors_and_metadata())
def test_csv_round_trip_property(case):
    vectors, metadata = case
    assume(not any(re.fullmatch(r"dim_\d+", name) for name in metadata.columns))
    read_vectors, read_metadata = read_vectors_csv(write_vectors_csv(vectors, metadata))
    assert np.array_equal(read_vectors, vectors)
    assert_same_metadata(read_metadata, metadata)


@SETTINGS
@given(vectors_and_metadata())
def test_npy_and_parquet_round_trip_property(case):
    vectors, metadata = case
    npy, metadata_csv = write_npy(vectors, metadata)
    read_vectors, read_metadata = read_npy(npy, metadata_csv or None)
    assert np.array_equal(read_vectors, vectors)
    assert_same_metadata(read_metadata, metadata)
    assume("vector" not in metadata.columns)
    read_vectors, read_metadata = read_parquet(write_parquet(vectors, metadata))
    assert np.array_equal(read_vectors, vectors)
    assert_same_metadata(read_metadata, metadata)


@SETTINGS
@given(st.binary(max_size=400), st.one_of(st.none(), st.binary(max_size=200)))
def test_projector_reader_on_arbitrary_bytes_returns_valid_vectors_or_says_why(vectors, metadata):
    try:
        read_vectors, read_metadata = read_projector_tsv(vectors, metadata)
    except InputError:
        return
    assert read_vectors.dtype == np.float32 and read_vectors.shape[1] >= 2
    assert np.isfinite(read_vectors).all() and read_vectors.any(axis=1).all()
    assert len(read_metadata) == len(read_vectors)


@SETTINGS
@given(
    st.lists(
        st.lists(st.text(st.sampled_from('0123456789.-e naN\t,;"x'), max_size=6), max_size=5),
        max_size=6,
    )
)
def test_text_readers_on_odd_tables_never_raise_anything_but_input_error(rows):
    text = "\n".join("\t".join(row) for row in rows).encode()
    for reader in (read_projector_tsv, read_vectors_csv, lambda data: read_npy(data)):
        try:
            vectors, metadata = reader(text)
        except InputError:
            continue
        assert np.isfinite(vectors).all() and len(metadata) == len(vectors)


@SETTINGS
@given(st.binary(max_size=300))
def test_binary_readers_on_arbitrary_bytes_never_raise_anything_but_input_error(data):
    for reader in (read_parquet, read_npy):
        for blob in (data, b"PAR1" + data + b"PAR1", vector_io.NPY_MAGIC + data):
            try:
                reader(blob)
            except InputError:
                pass


# ---------------------------------------------------------------- export of what Explore computed
@pytest.mark.parametrize("dimension", [384, 768, 1024])
def test_export_files_import_back_exactly(dimension):
    vectors = unit_vectors(5, dimension)
    coordinates = RNG.standard_normal((5, 2)).astype(np.float32)
    texts = ["first", "a\ttab", "ünïcode 🚀", "<b>html</b>", "last"]
    labels = ["a", "b", "", "a", "c"]
    files = {
        fmt.file_name: fmt.build(texts, labels, vectors, coordinates, "m")
        for fmt in vector_io.EXPORT_FORMATS
    }
    assert set(files) == {
        "vectors.tsv",
        "metadata.tsv",
        "embeddings.parquet",
        "vectors.npy",
        "metadata.csv",
    }
    expected = vector_io.export_table(texts, labels, coordinates)
    for read_vectors, metadata in (
        read_parquet(files["embeddings.parquet"]),
        read_npy(files["vectors.npy"], files["metadata.csv"], "metadata.csv"),
    ):
        assert np.array_equal(read_vectors, vectors)
        assert metadata["text"].tolist() == texts and metadata["label"].tolist() == labels
        assert np.array_equal(metadata[["x", "y"]].to_numpy(dtype=np.float32), coordinates)
    assert_same_metadata(read_parquet(files["embeddings.parquet"])[1], expected)
    assert read_parquet(files["embeddings.parquet"])[1].attrs["model"] == "m"
    read_vectors, metadata = read_projector_tsv(files["vectors.tsv"], files["metadata.tsv"])
    assert np.array_equal(read_vectors, vectors)
    assert metadata["text"].tolist() == ["first", "a tab", "ünïcode 🚀", "<b>html</b>", "last"]
