"""The Embedding Projector's pair of TSV files (projector.tensorflow.org's "Load" dialog)."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pandas as pd

from components.core import limits
from components.core.texts import InputError
from components.data.vector_io.common import (
    _JS_WHITESPACE,
    _check_metadata,
    _decode,
    _empty_metadata,
    _format_rows,
    _is_number,
    _parse_number_rows,
    _text_cells,
    _with_attrs,
    validate_vectors,
)

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


_WHITESPACE_CLASS = "".join(f"\\u{ord(c):04x}" for c in _JS_WHITESPACE if c != "\n")
# A line with something besides whitespace: found by the regex engine, so that millions of
# blank lines cost no Python loop (a line's leading whitespace is consumed possessively: linear).
_NON_BLANK_LINE = re.compile(rf"(?m)^[{_WHITESPACE_CLASS}]*+[^{_WHITESPACE_CLASS}\n][^\n]*")


def _lines(text: str, most: int | None = None) -> list[tuple[int, str]]:
    """(1-based line number, line) for every line the Projector does not skip as blank; at most
    `most` of them (the rest are not read)."""
    found: list[tuple[int, str]] = []
    number, position = 1, 0
    for match in _NON_BLANK_LINE.finditer(text):
        number += text.count("\n", position, match.start())
        position = match.start()
        line = match.group()
        found.append((number, line[:-1] if line.endswith("\r") else line))
        if most is not None and len(found) >= most:
            break
    return found


def _shown_line(line: str, most: int = 60) -> str:
    """A line as the user typed it, shortened for a message."""
    return line if len(line) <= most else line[:most] + "…"


def parse_projector_vectors(text: str, name: str = "vectors.tsv") -> tuple[np.ndarray, list[str]]:
    """Vectors TSV text -> (float32 (n, d), labels from a leading text column or [])."""
    lines = [
        (number, line.strip(_JS_WHITESPACE)) for number, line in _lines(text, limits.SENTENCES + 1)
    ]
    if len(lines) > limits.SENTENCES:  # the rows Explore uses: no more are read
        lines = lines[: limits.SENTENCES]
    if not lines:
        raise InputError(f"`{name}` is empty: it should hold one tab-separated vector a line.")
    first = lines[0][1]
    if "\t" not in first and "," in first and all(_is_number(c) for c in first.split(",")):
        raise InputError(
            f"`{name}` has commas but no tabs: the Projector's vectors file is tab-separated. "
            "Upload it as CSV instead."
        )
    if first.count("\t") > limits.VECTOR_DIMENSIONS:
        raise InputError(
            f"`{name}` has {first.count(chr(9)) + 1:,} values a line; vectors may have at most "
            f"{limits.VECTOR_DIMENSIONS:,} dimensions here."
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
    """Metadata TSV text -> DataFrame of strings (a single column is called `label`); at most
    `limits.SENTENCES` rows (one more with a header) are read."""
    lines = _lines(text, limits.SENTENCES + 1)
    if not lines:
        raise InputError(f"`{name}` is empty.")
    first_number, first = lines[0]
    if "\t" in first:
        columns = first.split("\t")
        if len(columns) > limits.CSV_COLUMNS:
            raise InputError(
                f"`{name}` has {len(columns):,} columns; a metadata file may have at most "
                f"{limits.CSV_COLUMNS} here."
            )
        repeated = sorted(column for column, count in Counter(columns).items() if count > 1)
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
    lines = lines[: limits.SENTENCES]
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
    if len(array) == limits.SENTENCES:
        notes.append(
            f"`{vectors_name}`: at most {limits.SENTENCES:,} vectors are read (the limit on this "
            "shared server); lines after those are left out."
        )
    if inline_labels:
        column = "label" if "label" not in table.columns else "vector_label"
        table.insert(0, column, pd.Series(inline_labels, dtype=str))
    return array, _with_attrs(table, notes)


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
