"""Vectors in and out: the Embedding Projector's TSV pair, CSV, .npy + metadata, Parquet.

Every reader takes the bytes of uploaded files and returns `(vectors, metadata)`: a float32 array
(n, d) and a DataFrame with one row per vector (no columns when there is none). Every writer
returns the bytes of the files, and `read(write(x))` gives `x` back exactly (float32 values are
written with 9 significant digits, which round-trips every float32).

What makes vectors usable here (checked on read and on write, each failure an `InputError` whose
message is meant for the user): a 2-D table of at least one row and two columns, every value a
finite number, no all-zero row (its cosine with anything is undefined), as many metadata rows
as vectors.

Extra facts about a file travel in `metadata.attrs`: `"notes"` (a list of sentences for the user,
e.g. "read as Windows-1252") and `"model"` (the embedding model's name, when the file says it).

No streamlit here.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from components.core import limits
from components.core.texts import InputError, Message, csv_safe, decode_upload, unescape_formula

MAX_VECTOR_FILE_MB = limits.UPLOAD_MB  # any one uploaded file (= server.maxUploadSize)
MAX_VECTOR_UPLOAD_MB = limits.VECTOR_UPLOAD_MB  # one import's files together (a dataset's parts)
MIN_DIMENSION = 2  # the Projector refuses 1-d vectors too: their cosines are all +1 or -1
FLOAT32_FORMAT = "%.9g"  # 9 significant digits: every float32 survives text and back

VECTOR_COLUMN = "vector"  # Parquet: the list column written here (and by the batch embedder)
MODEL_KEY = b"embedding_model"  # Parquet schema metadata: the model that made the vectors
CSV_VECTOR_PREFIX = "dim_"  # CSV: one column per component, dim_0 ... dim_{d-1}
NPY_MAGIC = b"\x93NUMPY"
PARQUET_MAGIC = b"PAR1"
_VECTOR_COLUMN_NAMES = ("vector", "vectors", "embedding", "embeddings", "emb")

# What JavaScript's String.prototype.trim() removes: the Projector skips a line that is only
# these characters and trims them off vector lines. (Python's str.strip() differs: it also
# strips \x1c-\x1f and \x85 but keeps the byte-order mark.)
_JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


# ---------------------------------------------------------------- shared checks
def validate_vectors(vectors: object, source: str = "The vectors") -> np.ndarray:
    """Check that `vectors` can be looked at with cosine similarity; return them as float32.

    Args:
        vectors: anything numpy turns into a 2-D numeric array (n, d).
        source: how messages name the vectors ("The vectors file", ...).

    Returns:
        float32 array (n, d), C-contiguous.

    Raises:
        InputError: not 2-D, empty, fewer than 2 dimensions, NaN or infinite values (also values
            beyond float32's range), or an all-zero row.
    """
    array = np.asarray(vectors)
    if array.dtype.kind not in "fiu":
        raise InputError(f"{source} must be numbers, not {array.dtype} values.")
    if array.ndim != 2:
        raise InputError(
            f"{source} must be a table of n rows × d numbers; got an array of shape "
            f"{tuple(array.shape)}."
        )
    rows, dimension = array.shape
    if rows == 0:
        raise InputError(f"{source} holds no vectors.")
    if dimension < MIN_DIMENSION:
        raise InputError(
            f"{source} have {dimension} dimension(s): at least {MIN_DIMENSION} are needed "
            "(with one, every cosine is +1 or -1)."
        )
    with np.errstate(over="ignore"):
        result = np.ascontiguousarray(array, dtype=np.float32)  # (n, d)
    finite = np.isfinite(result)
    if not finite.all():
        row, column = np.argwhere(~finite)[0]
        bad = int((~finite).sum())
        raise InputError(
            f"{source}: {bad:,} value(s) are NaN, infinite or too large for float32; the first is "
            f"in row {row + 1}, dimension {column + 1} ({float(array[row, column])})."
        )
    zero_rows = np.flatnonzero(~result.any(axis=1))
    if zero_rows.size:
        listed = ", ".join(str(i + 1) for i in zero_rows[:5])
        raise InputError(
            f"{source}: {zero_rows.size:,} vector(s) are all zeros (row {listed}"
            f"{' …' if zero_rows.size > 5 else ''}); cosine similarity is undefined for a zero "
            "vector. Remove those rows."
        )
    return result


def _empty_metadata(rows: int) -> pd.DataFrame:
    return pd.DataFrame(index=pd.RangeIndex(rows))


def _check_metadata(metadata: pd.DataFrame | None, rows: int) -> pd.DataFrame:
    """Metadata for `rows` vectors: None becomes an empty frame; a wrong length is refused."""
    if metadata is None:
        return _empty_metadata(rows)
    if not isinstance(metadata, pd.DataFrame):
        raise InputError("The metadata must be a table (DataFrame).")
    if len(metadata) != rows:
        raise InputError(
            f"There are {rows:,} vectors but {len(metadata):,} metadata rows: they must match "
            "one to one."
        )
    names = [str(name) for name in metadata.columns]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise InputError(
            "Metadata column names must be unique; repeated: "
            + ", ".join(f"`{n}`" for n in duplicates)
        )
    return metadata.reset_index(drop=True)


def _check_size(data: bytes, name: str) -> None:
    if len(data) > MAX_VECTOR_FILE_MB * 1024 * 1024:
        raise InputError(
            f"`{name}` is {len(data) / 1024 / 1024:.1f} MB, over the {MAX_VECTOR_FILE_MB} MB cap "
            "per file. Use fewer rows, or Parquet (the most compact format)."
        )


def _decode(data: bytes, name: str) -> tuple[str, list[str]]:
    """Text of an uploaded file and notes; refuses oversized and binary files."""
    _check_size(data, name)
    if data.startswith(NPY_MAGIC):
        raise InputError(f"`{name}` is a NumPy .npy file, not text: upload it as the vectors.")
    if data.startswith(PARQUET_MAGIC):
        raise InputError(f"`{name}` is a Parquet file, not text: upload it as Parquet.")
    text, messages = decode_upload(data, name)
    return text, [message.text for message in messages]


def _with_attrs(metadata: pd.DataFrame, notes: list[str], model: str | None = None) -> pd.DataFrame:
    metadata.attrs["notes"] = list(notes)
    metadata.attrs["model"] = model
    return metadata


def _parse_number_rows(
    rows: Sequence[Sequence[str]],
    what: str,
    line_numbers: Sequence[int],
    unit: str = "column",
    first_column: int = 1,
):
    """Rows of number strings -> float64 array (n, d), naming the first bad cell on failure
    (`first_column`: the number the user sees for a row's first cell here)."""
    try:
        return np.array([np.array(row, dtype=np.float64) for row in rows]).reshape(len(rows), -1)
    except ValueError:
        pass
    for row, line in zip(rows, line_numbers, strict=True):
        for column, cell in enumerate(row):
            try:
                float(cell)
            except ValueError:
                shown = cell if len(cell) <= 40 else cell[:40] + "…"
                detail = "an empty cell" if not cell.strip() else f"`{shown}`"
                raise InputError(
                    f"{what}, line {line}, {unit} {column + first_column}: {detail} is not a "
                    "number."
                ) from None
    raise InputError(f"{what} could not be read as numbers.")  # pragma: no cover


# ---------------------------------------------------------------- Embedding Projector TSV
# The format of projector.tensorflow.org's "Load" dialog (tensorboard/plugins/projector,
# data-provider.ts parseTensors / parseMetadata):
#   vectors: one vector a line, values separated by tabs, no header; lines are trimmed and blank
#     lines skipped. (If a line's first value is not a number, the Projector takes it as the
#     point's label; we accept that when every line has one.)
#   metadata: one row a line, cells separated by tabs. "If the TSV metadata file has only a
#     single column, then we don't expect a header row, and assume each row is the label of the
#     embedding" (TensorFlow's embedding guide); with more than one column the first line is the
#     header. The Projector decides by looking for a tab in the first line, and skips blank lines.
# The format has no quoting: a cell cannot hold a tab or a line break. We refuse to write one
# (see `projector_safe` to replace them by spaces) rather than write a file the Projector
# would misread. We also accept Windows line ends (a trailing \r is dropped).


def _lines(text: str) -> list[tuple[int, str]]:
    """(1-based line number, line) for every line the Projector does not skip as blank."""
    lines = text.split("\n")
    return [
        (number, line[:-1] if line.endswith("\r") else line)
        for number, line in enumerate(lines, start=1)
        if line.strip(_JS_WHITESPACE)
    ]


def _shown_line(line: str, most: int = 60) -> str:
    """A line as the user typed it, shortened for a message."""
    return line if len(line) <= most else line[:most] + "…"


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def parse_projector_vectors(text: str, name: str = "vectors.tsv") -> tuple[np.ndarray, list[str]]:
    """Vectors TSV text -> (float32 (n, d), labels from a leading text column or [])."""
    lines = [(number, line.strip(_JS_WHITESPACE)) for number, line in _lines(text)]
    if not lines:
        raise InputError(f"`{name}` is empty: it should hold one tab-separated vector a line.")
    first = lines[0][1]
    if "\t" not in first and "," in first and all(_is_number(c) for c in first.split(",")):
        raise InputError(
            f"`{name}` has commas but no tabs: the Projector's vectors file is tab-separated. "
            "Upload it as CSV instead."
        )
    rows = [line.split("\t") for _, line in lines]
    labelled = not _is_number(rows[0][0])
    labels = [row[0] for row in rows] if labelled else []
    if labelled:
        rows = [row[1:] for row in rows]
    width = len(rows[0])
    if labelled and width == 0:
        raise InputError(
            f"`{name}` holds text, not vectors: its first line has no tab-separated numbers. To "
            "embed sentences, choose 'Type or paste' or 'Upload a file' instead."
        )
    for (number, _), row in zip(lines, rows, strict=True):
        if len(row) != width:
            raise InputError(
                f"`{name}`, line {number}: {len(row)} values where the first line has {width} "
                "(every vector must have the same number of dimensions)."
            )
    if labelled and len(rows) > 1 and not any(_is_number(c) for c in rows[0]):
        if all(_is_number(c) for c in rows[1]):
            raise InputError(
                f"`{name}`, line 1 looks like a header (`{_shown_line(lines[0][1])}`): the "
                "Projector's vectors file has none. Remove that line, or upload the file as CSV."
            )
    numbers = _parse_number_rows(
        rows, f"`{name}`", [number for number, _ in lines], first_column=2 if labelled else 1
    )
    return validate_vectors(numbers, f"`{name}`"), labels


def parse_projector_metadata(text: str, name: str = "metadata.tsv") -> pd.DataFrame:
    """Metadata TSV text -> DataFrame of strings (a single column is called `label`)."""
    lines = _lines(text)
    if not lines:
        raise InputError(f"`{name}` is empty.")
    first_number, first = lines[0]
    if "\t" in first:
        columns = first.split("\t")
        repeated = sorted({c for c in columns if columns.count(c) > 1})
        if repeated:
            raise InputError(
                f"`{name}`: the header row repeats the column name(s) "
                + ", ".join(f"`{c}`" for c in repeated)
                + "."
            )
        rows = []
        for number, line in lines[1:]:
            cells = line.split("\t")
            if len(cells) != len(columns):
                raise InputError(
                    f"`{name}`, line {number}: {len(cells)} cells where the header (line "
                    f"{first_number}) has {len(columns)} columns."
                )
            rows.append(cells)
        return pd.DataFrame(rows, columns=columns, dtype=str)
    for number, line in lines[1:]:
        if "\t" in line:
            raise InputError(
                f"`{name}`, line {number} has tabs but the first line has none. In the "
                "Projector's format a file with several columns starts with a header row "
                "(column names separated by tabs); a single-column file has no header."
            )
    return pd.DataFrame({"label": [line for _, line in lines]}, dtype=str)


def read_projector_tsv(
    vectors: bytes,
    metadata: bytes | None = None,
    vectors_name: str = "vectors.tsv",
    metadata_name: str = "metadata.tsv",
) -> tuple[np.ndarray, pd.DataFrame]:
    """Read the Embedding Projector's pair of files.

    Args:
        vectors: bytes of the vectors TSV (tab-separated numbers, one vector a line, no header).
        metadata: bytes of the metadata TSV, or None. Several columns: a header row first;
            a single column: no header, and the column is called `label` (the Projector's rule).

    Returns:
        float32 vectors (n, d) and the metadata as strings (n rows).

    Raises:
        InputError: ragged rows, non-numbers, NaN/inf, zero vectors, row counts that differ,
            a file over the cap, binary files.
    """
    vectors_text, notes = _decode(vectors, vectors_name)
    array, inline_labels = parse_projector_vectors(vectors_text, vectors_name)
    if metadata is None:
        table = _empty_metadata(len(array))
    else:
        metadata_text, metadata_notes = _decode(metadata, metadata_name)
        notes += metadata_notes
        table = parse_projector_metadata(metadata_text, metadata_name)
        if len(table) != len(array):
            hint = ""
            if table.shape[1] == 1 and len(table) == len(array) + 1:
                hint = (
                    f" Its first line (`{table.iloc[0, 0]}`) may be a header: a single-column "
                    "metadata file has no header row in the Projector's format."
                )
            raise InputError(
                f"`{vectors_name}` has {len(array):,} vectors but `{metadata_name}` has "
                f"{len(table):,} rows: they must match line for line.{hint}"
            )
    if inline_labels:
        column = "label" if "label" not in table.columns else "vector_label"
        table.insert(0, column, pd.Series(inline_labels, dtype=str))
    return array, _with_attrs(table, notes)


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value)


def _text_cells(metadata: pd.DataFrame) -> list[list[str]]:
    return [[_cell_text(value) for value in row] for row in metadata.itertuples(index=False)]


def projector_safe(metadata: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Replace tabs and line breaks in metadata cells and names by spaces (the Projector's TSV
    cannot hold them). Returns the cleaned copy and how many cells changed."""
    pattern = re.compile(r"[\t\r\n]")
    cells = _text_cells(metadata)
    changed = sum(bool(pattern.search(cell)) for row in cells for cell in row)
    cleaned = pd.DataFrame(
        [[pattern.sub(" ", cell) for cell in row] for row in cells],
        columns=[pattern.sub(" ", str(name)) for name in metadata.columns],
        dtype=str,
    )
    return cleaned, changed


def write_projector_tsv(
    vectors: np.ndarray, metadata: pd.DataFrame | None = None
) -> tuple[bytes, bytes]:
    """Write the Embedding Projector's pair of files (load them with its "Load" button).

    Args:
        vectors: (n, d) numbers.
        metadata: n rows or None. Written as text; with one column there is no header row (the
            Projector's rule, so the column's name is not kept: it reads back as `label`).

    Returns:
        (vectors TSV bytes, metadata TSV bytes); the metadata bytes are empty without metadata.

    Raises:
        InputError: invalid vectors, or metadata the format cannot hold (a tab or line break in a
            cell, a row with nothing but blanks, which the Projector would skip).
    """
    array = validate_vectors(vectors)
    table = _check_metadata(metadata, len(array))
    vectors_tsv = _format_rows(array, "\t").encode("utf-8")
    if table.shape[1] == 0:
        return vectors_tsv, b""
    names = [str(name) for name in table.columns]
    cells = _text_cells(table)
    unwritable = re.compile(r"[\t\r\n\0]")
    refusal = (
        "contains a tab, line break or NUL character, which the Projector's TSV cannot hold. "
        "Replace them (e.g. by spaces, see projector_safe) or export Parquet, which keeps them."
    )
    if len(names) > 1:
        for name in names:
            if unwritable.search(name):
                raise InputError(f"Metadata column name `{name}` {refusal}")
    for row_number, row in enumerate(cells, start=1):
        for column, cell in enumerate(row):
            if unwritable.search(cell):
                raise InputError(f"Metadata row {row_number}, column `{names[column]}` {refusal}")
    lines = ["\t".join(row) for row in cells]
    for number, line in enumerate(lines, start=1):
        if not line.strip(_JS_WHITESPACE):
            raise InputError(
                f"Metadata row {number} is blank in every column; the Projector skips blank "
                "lines, which would shift every later row. Give it a value."
            )
    if len(names) > 1:
        lines.insert(0, "\t".join(names))
    if lines[0].startswith("\ufeff"):
        raise InputError(
            "The metadata would start with a byte-order mark (U+FEFF), which readers drop: "
            "remove it from the first cell."
        )
    return vectors_tsv, ("\n".join(lines) + "\n").encode("utf-8")


def _format_rows(array: np.ndarray, separator: str) -> str:
    """float32 rows as text, 9 significant digits (exact for float32)."""
    buffer = io.StringIO()
    np.savetxt(buffer, array, fmt=FLOAT32_FORMAT, delimiter=separator, newline="\n")
    return buffer.getvalue()


# ---------------------------------------------------------------- CSV with vector columns
# Vector columns: `dim_0 … dim_{d-1}` (what the lab writes); else the largest group of columns
# named prefix + consecutive numbers from 0 or 1 (`v1 … v768`, `e_0 … e_383`, `0 … 383`); else a
# column named vector/embedding holding "[0.1, 0.2, …]" lists; or a header-less table of numbers.
_NUMBERED = re.compile(r"^(.*?)(\d+)$")


def _numbered_groups(columns: Sequence[str]) -> dict[str, list[tuple[int, str]]]:
    groups: dict[str, list[tuple[int, str]]] = {}
    for column in columns:
        match = _NUMBERED.match(column)
        if match:
            groups.setdefault(match.group(1), []).append((int(match.group(2)), column))
    return groups


def _detect_vector_columns(columns: Sequence[str]) -> list[str] | None:
    groups = _numbered_groups(columns)
    candidates = []
    for prefix, members in groups.items():
        numbers = sorted(number for number, _ in members)
        if len(members) < MIN_DIMENSION or len(set(numbers)) != len(numbers):
            continue
        if numbers != list(range(numbers[0], numbers[0] + len(numbers))) or numbers[0] > 1:
            continue
        ordered = [column for _, column in sorted(members)]
        candidates.append((prefix == CSV_VECTOR_PREFIX, len(ordered), ordered))
    if not candidates:
        return None
    return max(candidates, key=lambda candidate: candidate[:2])[2]


def _separator(text: str) -> str:
    """Comma, unless the first record (the header) splits into columns only on ; or a tab."""
    for separator in (",", ";", "\t"):
        try:
            first = next(csv.reader(io.StringIO(text[:65536]), delimiter=separator), [])
        except csv.Error:
            continue
        if len(first) >= 2:
            return separator
    return ","


def _read_string_table(text: str, separator: str, header: int | None = 0) -> pd.DataFrame:
    """A CSV as strings, exactly as written (column names with a formula guard unguarded)."""
    try:
        table = pd.read_csv(
            io.StringIO(text),
            sep=separator,
            dtype=str,
            keep_default_na=False,
            header=header,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        raise InputError(f"Could not read the CSV: {str(error).splitlines()[0]}") from error
    if header is not None:
        table.columns = [unescape_formula(str(name)) for name in table.columns]
    return table


def _unguarded(table: pd.DataFrame) -> pd.DataFrame:
    """Text cells without the formula guard `csv_safe` added (`'=x` -> `=x`)."""
    return table.astype(str).map(unescape_formula) if table.shape[1] else table


def _list_cells_to_rows(values: Sequence[str], column: str) -> list[list[str]]:
    rows = []
    for number, value in enumerate(values, start=2):
        inner = value.strip().removeprefix("[").removesuffix("]").strip()
        cells = [cell for cell in re.split(r"[,\s]+", inner) if cell]
        if not cells:
            raise InputError(f"The CSV, line {number}, column `{column}`: the vector is empty.")
        rows.append(cells)
    width = len(rows[0])
    for number, row in enumerate(rows, start=2):
        if len(row) != width:
            raise InputError(
                f"The CSV, line {number}, column `{column}`: {len(row)} values where the first "
                f"row has {width} (every vector must have the same number of dimensions)."
            )
    return rows


def read_vectors_csv(
    data: bytes, vector_columns: Sequence[str] | None = None, name: str = "vectors.csv"
) -> tuple[np.ndarray, pd.DataFrame]:
    """Read a CSV whose rows hold one vector each, plus any other (metadata) columns.

    Args:
        data: the CSV's bytes (comma, semicolon or tab separated; a header row, or none when
            every cell is a number).
        vector_columns: the columns holding the components, in order; None finds them (see
            the comment above this function).

    Returns:
        float32 vectors (n, d) and the remaining columns as strings.
    """
    text, notes = _decode(data, name)
    if not text.strip():
        raise InputError(f"`{name}` is empty.")
    separator = _separator(text)
    table = _read_string_table(text, separator)
    columns = [str(column) for column in table.columns]
    if vector_columns is None and columns and all(_is_number(c) for c in columns):
        table = _read_string_table(text, separator, header=None)  # numbers only: no header
        table.columns = [f"{CSV_VECTOR_PREFIX}{i}" for i in range(table.shape[1])]
        columns = list(table.columns)
    if table.empty:
        raise InputError(f"`{name}` has a header but no rows.")
    if vector_columns is not None:
        missing = [column for column in vector_columns if column not in columns]
        if missing:
            raise InputError(
                f"`{name}` has no column(s) " + ", ".join(f"`{c}`" for c in missing) + "."
            )
        chosen = list(vector_columns)
    else:
        chosen = _detect_vector_columns(columns)
    if chosen is not None and len(chosen) >= MIN_DIMENSION:
        rows = table[chosen].to_numpy(dtype=object).tolist()
        what, cell = f"`{name}`", "column"
    else:
        list_columns = [c for c in (chosen or columns) if c.lower() in _VECTOR_COLUMN_NAMES]
        if chosen is None and not list_columns:
            raise InputError(
                f"`{name}` has no vector columns. Name them `dim_0 … dim_{{d-1}}` (or any prefix "
                "with numbers, like `v1 … v384`), or put each vector in a column named `vector` "
                "as [0.1, 0.2, …]. Its columns are: " + ", ".join(f"`{c}`" for c in columns[:20])
            )
        chosen = [(chosen or list_columns)[0]]
        rows = _list_cells_to_rows(table[chosen[0]].tolist(), chosen[0])
        what = f"`{name}`, column `{chosen[0]}`"
        cell = "value"
    width = len(rows[0])
    if any(len(row) != width for row in rows):  # pragma: no cover - pandas pads short rows
        raise InputError(f"{what}: rows have different numbers of values.")
    numbers = _parse_number_rows(rows, what, range(2, len(rows) + 2), cell)
    vectors = validate_vectors(numbers, what)
    metadata = _unguarded(table.drop(columns=chosen).reset_index(drop=True))
    return vectors, _with_attrs(metadata, notes)


def _csv_text_rows(names: Sequence[str], cells: Sequence[Sequence[str]]) -> list[str]:
    """Header and rows of text cells as CSV lines, every cell quoted (so a \\r, \\n, comma or
    quote inside a cell reads back exactly; the csv module leaves a bare \\r unquoted) and
    guarded against spreadsheet formulas (`texts.csv_safe`: a leading `'` the readers remove)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="")
    lines = []
    for row in [names, *cells]:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_safe(cell) for cell in row])
        lines.append(buffer.getvalue())
    return lines


def _check_text_metadata(table: pd.DataFrame) -> None:
    for name in table.columns:
        if "\0" in str(name):
            raise InputError(f"Metadata column name `{name}` contains a NUL character.")
    for row_number, row in enumerate(_text_cells(table), start=1):
        for column, cell in enumerate(row):
            if "\0" in cell:
                raise InputError(
                    f"Metadata row {row_number}, column `{table.columns[column]}` contains a NUL "
                    "character, which text files cannot carry. Remove it or export Parquet."
                )


def write_vectors_csv(vectors: np.ndarray, metadata: pd.DataFrame | None = None) -> bytes:
    """CSV: the metadata columns, then `dim_0 … dim_{d-1}` (9 significant digits).

    Metadata cells are written as quoted text, so any text (commas, quotes, line breaks) reads
    back exactly; non-text metadata reads back as its text.
    """
    array = validate_vectors(vectors)
    table = _check_metadata(metadata, len(array))
    names = [str(name) for name in table.columns]
    clashes = [name for name in names if re.fullmatch(rf"{CSV_VECTOR_PREFIX}\d+", name)]
    if clashes:
        raise InputError(
            "Metadata column(s) "
            + ", ".join(f"`{n}`" for n in clashes)
            + f" look like vector columns ({CSV_VECTOR_PREFIX}N): rename them."
        )
    if any(name == "" for name in names):
        raise InputError("A metadata column has no name: name every column.")
    _check_text_metadata(table)
    vector_names = ",".join(f"{CSV_VECTOR_PREFIX}{i}" for i in range(array.shape[1]))
    vector_lines = _format_rows(array, ",").splitlines()
    if not names:
        return "\n".join([vector_names, *vector_lines, ""]).encode("utf-8")
    text_lines = _csv_text_rows(names, _text_cells(table))
    vector_lines.insert(0, vector_names)
    joined = [f"{text},{numbers}" for text, numbers in zip(text_lines, vector_lines, strict=True)]
    return ("\n".join(joined) + "\n").encode("utf-8")


# ---------------------------------------------------------------- .npy + a text / CSV file
def read_metadata_file(data: bytes, name: str, rows: int | None = None) -> pd.DataFrame:
    """Metadata next to vectors: `.csv` (header row), `.tsv` (the Projector's rules), anything
    else one value a line (a column called `text`; every line counts, blank ones too)."""
    text, notes = _decode(data, name)
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        if not text.strip():
            raise InputError(f"`{name}` is empty.")
        table = _unguarded(_read_string_table(text, _separator(text)))
    elif suffix == ".tsv":
        table = parse_projector_metadata(text, name)
    else:
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()  # the final line break ends the last line
        table = pd.DataFrame(
            {"text": [line[:-1] if line.endswith("\r") else line for line in lines]}, dtype=str
        )
    if rows is not None and len(table) != rows:
        raise InputError(
            f"There are {rows:,} vectors but `{name}` has {len(table):,} rows: they must match "
            "one to one."
        )
    return _with_attrs(table.reset_index(drop=True), notes)


def read_npy(
    vectors: bytes,
    metadata: bytes | None = None,
    metadata_name: str = "metadata.csv",
    vectors_name: str = "vectors.npy",
) -> tuple[np.ndarray, pd.DataFrame]:
    """A NumPy `.npy` array (n, d) and, optionally, a metadata file (see `read_metadata_file`).

    Never unpickles: object arrays are refused.
    """
    _check_size(vectors, vectors_name)
    if not vectors.startswith(NPY_MAGIC):
        raise InputError(
            f"`{vectors_name}` is not a NumPy .npy file (it should start with \\x93NUMPY; "
            "save it with numpy.save)."
        )
    try:
        array = np.load(io.BytesIO(vectors), allow_pickle=False)
    except ValueError as error:
        reason = str(error).splitlines()[0]
        hint = (
            " (object arrays are refused: save a float array)" if "allow_pickle" in reason else ""
        )
        if "EOF" in reason:
            raise InputError(f"`{vectors_name}` is truncated or damaged: {reason}") from error
        raise InputError(f"`{vectors_name}` could not be read: {reason}{hint}.") from error
    except (OSError, EOFError) as error:
        raise InputError(f"`{vectors_name}` is truncated or damaged: {error}") from error
    array = validate_vectors(array, f"`{vectors_name}`")
    if metadata is None:
        return array, _with_attrs(_empty_metadata(len(array)), [])
    return array, read_metadata_file(metadata, metadata_name, rows=len(array))


def write_npy(vectors: np.ndarray, metadata: pd.DataFrame | None = None) -> tuple[bytes, bytes]:
    """(`.npy` bytes of float32 (n, d), metadata CSV bytes or b"" without metadata)."""
    array = validate_vectors(vectors)
    table = _check_metadata(metadata, len(array))
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    if table.shape[1] == 0:
        return buffer.getvalue(), b""
    if any(str(name) == "" for name in table.columns):
        raise InputError("A metadata column has no name: name every column.")
    _check_text_metadata(table)
    lines = _csv_text_rows([str(n) for n in table.columns], _text_cells(table))
    return buffer.getvalue(), ("\n".join(lines) + "\n").encode("utf-8")


# ---------------------------------------------------------------- Parquet with a list column
def _parquet_table(data: bytes, name: str, size_cap: bool = True):
    import pyarrow.parquet as pq

    if size_cap:
        _check_size(data, name)
    if not (data.startswith(PARQUET_MAGIC) and data.endswith(PARQUET_MAGIC)):
        raise InputError(f"`{name}` is not a Parquet file (it should start and end with PAR1).")
    try:
        return pq.read_table(io.BytesIO(data))
    except Exception as error:  # noqa: BLE001 - pyarrow raises many kinds; all mean "unreadable"
        raise InputError(f"`{name}` could not be read as Parquet: {error}") from error


def _vectors_from_arrow(table, vector_column: str | None, name: str):
    import pyarrow as pa
    import pyarrow.compute as pc

    def is_list(field_type) -> bool:
        return (
            pa.types.is_list(field_type)
            or pa.types.is_large_list(field_type)
            or pa.types.is_fixed_size_list(field_type)
        )

    if vector_column is None:
        named = [f.name for f in table.schema if f.name.lower() in _VECTOR_COLUMN_NAMES]
        lists = [f.name for f in table.schema if is_list(f.type)]
        choice = [c for c in named if c in lists] or lists
        if not choice:
            raise InputError(
                f"`{name}` has no list column to take vectors from (a column named `vector` "
                "of lists of numbers). Its columns are: "
                + ", ".join(f"`{f.name}`: {f.type}" for f in table.schema)
            )
        vector_column = choice[0]
    if vector_column not in table.column_names:
        raise InputError(f"`{name}` has no column `{vector_column}`.")
    column = table.column(vector_column).combine_chunks()
    value_type = column.type.value_type if is_list(column.type) else None
    if value_type is None or not (
        pa.types.is_floating(value_type) or pa.types.is_integer(value_type)
    ):
        raise InputError(
            f"`{name}`, column `{vector_column}`: expected lists of numbers, found {column.type}."
        )
    if column.null_count:
        row = int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])
        raise InputError(f"`{name}`, row {row + 1}: the vector is missing (null).")
    lengths = pc.list_value_length(column).to_numpy(zero_copy_only=False)
    if len(lengths) and (lengths != lengths[0]).any():
        row = int(np.flatnonzero(lengths != lengths[0])[0])
        raise InputError(
            f"`{name}`, row {row + 1}: {lengths[row]} values where the first row has "
            f"{lengths[0]} (every vector must have the same number of dimensions)."
        )
    values = pc.list_flatten(column)
    if values.null_count:
        position = int(np.flatnonzero(values.is_null().to_numpy(zero_copy_only=False))[0])
        raise InputError(
            f"`{name}`, row {position // max(int(lengths[0]), 1) + 1}: a vector has a missing "
            "(null) value."
        )
    dimension = int(lengths[0]) if len(lengths) else 0
    flat = values.to_numpy(zero_copy_only=False)
    vectors = validate_vectors(flat.reshape(len(lengths), dimension), f"`{name}`")
    return vectors, vector_column


def read_parquet(
    data: bytes | Sequence[bytes],
    vector_column: str | None = None,
    names: Sequence[str] | None = None,
    size_cap: bool = True,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Parquet with a list column of vectors (e.g. the batch embedder's output).

    Args:
        data: one file's bytes, or the bytes of a partitioned dataset's parts in order.
        vector_column: the list column; None takes `vector`/`embedding` or the only list column.
        names: the files' names, for messages.
        size_cap: refuse a file over MAX_VECTOR_FILE_MB (uploads); files on disk have no cap.

    Returns:
        float32 vectors (n, d) and every other column with its type (metadata.attrs["model"]
        is the model name the file carries, if any).
    """
    import pyarrow as pa

    blobs = [data] if isinstance(data, bytes | bytearray) else list(data)
    if not blobs:
        raise InputError("No Parquet file given.")
    labels = list(names) if names is not None else [f"part {i + 1}" for i in range(len(blobs))]
    if len(blobs) == 1 and names is None:
        labels = ["the Parquet file"]
    tables = [
        _parquet_table(bytes(blob), label, size_cap)
        for blob, label in zip(blobs, labels, strict=True)
    ]
    first = tables[0].schema.remove_metadata()
    for table, label in zip(tables[1:], labels[1:], strict=True):
        if not table.schema.remove_metadata().equals(first):
            raise InputError(
                f"`{label}` has other columns than `{labels[0]}`: parts of one dataset must "
                "share their columns."
            )
    table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    label = labels[0] if len(labels) == 1 else "the Parquet parts"
    if table.num_rows == 0:
        raise InputError(f"{label} holds no rows.")
    vectors, column = _vectors_from_arrow(table, vector_column, label)
    model = (tables[0].schema.metadata or {}).get(MODEL_KEY)
    metadata = table.drop_columns([column]).to_pandas()
    if metadata.shape[1] == 0:
        metadata = _empty_metadata(len(vectors))
    return vectors, _with_attrs(
        metadata.reset_index(drop=True), [], model.decode("utf-8") if model else None
    )


def vectors_arrow_array(vectors: np.ndarray):
    """A pyarrow `list<float32>` array, one list per row of `vectors` (n, d)."""
    import pyarrow as pa

    array = np.ascontiguousarray(vectors, dtype=np.float32)
    rows, dimension = array.shape
    offsets = pa.array(np.arange(0, (rows + 1) * dimension, dimension, dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, pa.array(array.reshape(-1)))


def write_parquet(
    vectors: np.ndarray, metadata: pd.DataFrame | None = None, model: str | None = None
) -> bytes:
    """Parquet: the metadata columns with their types, then `vector` (list<float32>).

    Args:
        model: the name of the model that made the vectors, stored in the file's metadata so the
            lab can encode queries with the same model when it has it.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    array = validate_vectors(vectors)
    table = _check_metadata(metadata, len(array))
    if VECTOR_COLUMN in [str(name) for name in table.columns]:
        raise InputError(f"The metadata already has a column `{VECTOR_COLUMN}`: rename it.")
    try:
        arrow = pa.Table.from_pandas(table, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        raise InputError(f"The metadata cannot be stored in Parquet: {error}") from error
    if table.shape[1] == 0:  # no columns: a table of zero rows; start from the vectors
        arrow = pa.table({VECTOR_COLUMN: vectors_arrow_array(array)})
    else:
        arrow = arrow.append_column(VECTOR_COLUMN, vectors_arrow_array(array))
    if model:
        arrow = arrow.replace_schema_metadata(
            {**(arrow.schema.metadata or {}), MODEL_KEY: model.encode("utf-8")}
        )
    buffer = io.BytesIO()
    pq.write_table(arrow, buffer)
    return buffer.getvalue()


def parquet_part_paths(path: str | Path) -> list[Path]:
    """A Parquet file, or a folder's `*.parquet` parts in natural order (part.2 before part.10)."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(f"`{path}` does not exist.")
    parts = [p for p in path.glob("*.parquet") if not p.name.startswith((".", "_"))]
    if not parts:
        raise InputError(f"`{path}` holds no .parquet files.")

    return sorted(parts, key=lambda part: parquet_sort_key(part.name))


def read_parquet_path(
    path: str | Path, vector_column: str | None = None
) -> tuple[np.ndarray, pd.DataFrame]:
    """`read_parquet` for a file on disk or a partitioned folder (e.g. the Dask engine's)."""
    parts = parquet_part_paths(path)
    return read_parquet(
        [p.read_bytes() for p in parts], vector_column, [p.name for p in parts], size_cap=False
    )


# ---------------------------------------------------------------- any upload
@dataclass
class ImportedVectors:
    vectors: np.ndarray  # float32 (n, d), as they were in the files
    metadata: pd.DataFrame  # n rows
    source: str  # what was read, in words
    fingerprint: str  # sha256 of the files' names and bytes: tells two imports apart
    model: str | None = None  # the model that made them, when the files say it
    messages: list[Message] = field(default_factory=list)  # for the user (e.g. an encoding)


def check_upload_size(sizes: Sequence[int]) -> None:
    """Refuse a set of files over MAX_VECTOR_UPLOAD_MB together (each file has its own cap)."""
    total = sum(sizes)
    if total > MAX_VECTOR_UPLOAD_MB * 1024 * 1024:
        raise InputError(
            f"These {len(sizes)} files hold {total / 1024 / 1024:.0f} MB together, over the "
            f"{MAX_VECTOR_UPLOAD_MB} MB cap for one import. Use fewer rows, or Parquet (the most "
            "compact format)."
        )


FORMATS_HELP = (
    "the Embedding Projector's pair (vectors .tsv + metadata .tsv), a .csv with vector columns, "
    "a .npy with a .txt/.csv/.tsv of metadata, or .parquet (one file or a dataset's parts)"
)


def read_uploads(files: Sequence[tuple[str, bytes]]) -> ImportedVectors:
    """Read whichever supported set of files was uploaded together, by their names.

    Args:
        files: (file name, bytes) pairs.

    Raises:
        InputError: an unsupported mix of files, or any reader's error.
    """
    if not files:
        raise InputError(f"Upload vectors: {FORMATS_HELP}.")
    check_upload_size([len(data) for _, data in files])
    by_suffix: dict[str, list[tuple[str, bytes]]] = {}
    for name, data in files:
        by_suffix.setdefault(Path(name).suffix.lower(), []).append((name, bytes(data)))
    suffixes = set(by_suffix)

    digest = hashlib.sha256()
    for name, data in files:
        digest.update(f"{len(name)}:{name}:{len(data)}:".encode())
        digest.update(data)

    def result(vectors, metadata, source):
        notes = [Message("warning", note) for note in metadata.attrs.get("notes", [])]
        return ImportedVectors(
            vectors, metadata, source, digest.hexdigest(), metadata.attrs.get("model"), notes
        )

    if suffixes == {".parquet"}:
        parts = sorted(by_suffix[".parquet"], key=lambda f: parquet_sort_key(f[0]))
        vectors, metadata = read_parquet(
            [data for _, data in parts], names=[name for name, _ in parts]
        )
        count = f"{len(parts)} parts" if len(parts) > 1 else parts[0][0]
        return result(vectors, metadata, f"Parquet ({count})")
    if ".npy" in suffixes:
        others = [f for s, fs in by_suffix.items() if s != ".npy" for f in fs]
        if len(by_suffix[".npy"]) != 1 or len(others) > 1:
            raise InputError("Upload one .npy file, and at most one metadata file with it.")
        (npy_name, npy_data) = by_suffix[".npy"][0]
        if others:
            vectors, metadata = read_npy(npy_data, others[0][1], others[0][0], npy_name)
            return result(vectors, metadata, f"{npy_name} + {others[0][0]}")
        vectors, metadata = read_npy(npy_data, None, vectors_name=npy_name)
        return result(vectors, metadata, npy_name)
    if suffixes == {".csv"} and len(files) == 1:
        name, data = files[0]
        vectors, metadata = read_vectors_csv(data, name=name)
        return result(vectors, metadata, name)
    if suffixes <= {".tsv", ".txt"} and 1 <= len(files) <= 2:
        vectors_file, metadata_file = _split_projector_pair(files)
        vectors, metadata = read_projector_tsv(
            vectors_file[1],
            metadata_file[1] if metadata_file else None,
            vectors_file[0],
            metadata_file[0] if metadata_file else "metadata.tsv",
        )
        source = vectors_file[0] + (f" + {metadata_file[0]}" if metadata_file else "")
        return result(vectors, metadata, f"Projector TSV ({source})")
    raise InputError(
        "This mix of files is not one of the supported sets: "
        + ", ".join(f"`{name}`" for name, _ in files)
        + f". Upload {FORMATS_HELP}."
    )


def parquet_sort_key(name: str) -> list[object]:
    """Natural order of part names: part.2 before part.10."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def _split_projector_pair(
    files: Sequence[tuple[str, bytes]],
) -> tuple[tuple[str, bytes], tuple[str, bytes] | None]:
    """Which of one or two TSV files holds the vectors: the one whose first line is numbers."""

    def looks_like_vectors(data: bytes) -> bool:
        first = next((line for line in data[:65536].split(b"\n") if line.strip()), b"")
        cells = first.decode("utf-8", errors="replace").strip(_JS_WHITESPACE).split("\t")
        return len(cells) >= MIN_DIMENSION and all(_is_number(c) for c in cells[1:])

    files = [(name, bytes(data)) for name, data in files]
    if len(files) == 1:
        return files[0], None
    first, second = files
    if looks_like_vectors(second[1]) and not looks_like_vectors(first[1]):
        return second, first
    if "meta" in first[0].lower() and "meta" not in second[0].lower():
        return second, first
    return first, second


# ---------------------------------------------------------------- everything Explore computed
def export_table(
    texts: Sequence[str], labels: Sequence[str], coordinates: np.ndarray | None = None
) -> pd.DataFrame:
    """text, label and the map's coordinates (x, y[, z]) as one table."""
    table = pd.DataFrame({"text": list(texts), "label": list(labels)}, dtype=str)
    if coordinates is not None:
        for axis, name in zip(range(coordinates.shape[1]), "xyz", strict=False):
            table[name] = np.asarray(coordinates[:, axis], dtype=np.float32)
    return table


def _projector_pair(table: pd.DataFrame, vectors: np.ndarray) -> tuple[bytes, bytes]:
    """The Projector's files with text and label; tabs and line breaks become spaces there."""
    return write_projector_tsv(vectors, projector_safe(table[["text", "label"]])[0])


@dataclass(frozen=True)
class ExportFormat:
    label: str  # what the download button says
    file_name: str
    mime: str
    write: Callable[[pd.DataFrame, np.ndarray, str | None], bytes]  # (table, vectors, model)

    def build(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        vectors: np.ndarray,
        coordinates: np.ndarray | None = None,
        model: str | None = None,
    ) -> bytes:
        """This file's bytes for vectors (n, d), their texts, labels and map (n, 2|3)."""
        return self.write(export_table(texts, labels, coordinates), vectors, model)


TSV_MIME = "text/tab-separated-values"
EXPORT_FORMATS = (
    ExportFormat(
        "Projector: vectors.tsv",
        "vectors.tsv",
        TSV_MIME,
        lambda table, vectors, model: _projector_pair(table, vectors)[0],
    ),
    ExportFormat(
        "Projector: metadata.tsv",
        "metadata.tsv",
        TSV_MIME,
        lambda table, vectors, model: _projector_pair(table, vectors)[1],
    ),
    ExportFormat(
        "Parquet: text, label, vector, map",
        "embeddings.parquet",
        "application/vnd.apache.parquet",
        lambda table, vectors, model: write_parquet(vectors, table, model),
    ),
    ExportFormat(
        "NumPy: vectors.npy",
        "vectors.npy",
        "application/octet-stream",
        lambda table, vectors, model: write_npy(vectors)[0],
    ),
    ExportFormat(
        "NumPy: metadata.csv (text, label, map)",
        "metadata.csv",
        "text/csv",
        lambda table, vectors, model: write_npy(vectors, table)[1],
    ),
)


def export_files(
    texts: Sequence[str],
    labels: Sequence[str],
    vectors: np.ndarray,
    coordinates: np.ndarray | None = None,
    model: str | None = None,
) -> dict[str, bytes]:
    """Every export format's file, by file name (the Projector pair, Parquet, .npy + CSV).

    Args:
        vectors: (n, d); coordinates: the map's (n, 2) or (n, 3), or None.
        model: stored in the Parquet file, so importing it back can encode queries.
    """
    return {
        fmt.file_name: fmt.build(texts, labels, vectors, coordinates, model)
        for fmt in EXPORT_FORMATS
    }
