"""CSV files whose rows hold one vector each (vector columns or a list column), plus metadata."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from components.core import limits
from components.core.texts import InputError, csv_safe, unescape_formula
from components.data.vector_io.common import (
    _VECTOR_COLUMN_NAMES,
    MIN_DIMENSION,
    _check_metadata,
    _decode,
    _format_rows,
    _is_number,
    _parse_number_rows,
    _text_cells,
    _with_attrs,
    validate_vectors,
)

CSV_VECTOR_PREFIX = "dim_"  # CSV: one column per component, dim_0 ... dim_{d-1}

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


def _check_width(text: str, separator: str, most: int, name: str, what: str) -> None:
    """Refuse a CSV whose first record has more than `most` cells, before pandas reads it (a
    header-less line of 100,000 numbers took pandas 104 s and +486 MB)."""
    try:
        first = next(csv.reader(io.StringIO(text[: 64 * 2**20]), delimiter=separator), [])
    except csv.Error:
        return  # pandas says what is wrong with it
    if len(first) > most:
        raise InputError(
            f"`{name}` has {len(first):,} columns; {what} may have at most {most:,} here."
        )


def _read_string_table(text: str, separator: str, header: int | None = 0) -> pd.DataFrame:
    """A CSV as strings, exactly as written (column names with a formula guard unguarded); at
    most `limits.SENTENCES` rows are read (the rows Explore uses)."""
    try:
        table = pd.read_csv(
            io.StringIO(text),
            sep=separator,
            dtype=str,
            keep_default_na=False,
            header=header,
            nrows=limits.SENTENCES,
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
        if len(cells) > limits.VECTOR_DIMENSIONS:
            raise InputError(
                f"The CSV, line {number}, column `{column}`: {len(cells):,} values; vectors may "
                f"have at most {limits.VECTOR_DIMENSIONS:,} dimensions here."
            )
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
    _check_width(
        text,
        separator,
        limits.VECTOR_DIMENSIONS + limits.CSV_COLUMNS,
        name,
        f"a vector CSV ({limits.VECTOR_DIMENSIONS:,} dimensions and {limits.CSV_COLUMNS} "
        "other columns)",
    )
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
    if len(vectors) == limits.SENTENCES:
        notes.append(
            f"`{name}`: at most {limits.SENTENCES:,} rows are read (the limit on this shared "
            "server); rows after those are left out."
        )
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
