"""What every vector file format shares: the checks that make vectors usable, and text cells.

What makes vectors usable here (checked on read and on write, each failure an `InputError` whose
message is meant for the user): a 2-D table of at least one row and two columns, every value a
finite number, no all-zero row (its cosine with anything is undefined), as many metadata rows
as vectors.

Extra facts about a file travel in `metadata.attrs`: `"notes"` (a list of sentences for the user,
e.g. "read as Windows-1252") and `"model"` (the embedding model's name, when the file says it).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import pandas as pd

from components.core import limits
from components.core.texts import InputError, decode_upload

MIN_DIMENSION = 2  # the Projector refuses 1-d vectors too: their cosines are all +1 or -1
FLOAT32_FORMAT = "%.9g"  # 9 significant digits: every float32 survives text and back
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
    if len(data) > limits.UPLOAD_MB * 1024 * 1024:
        raise InputError(
            f"`{name}` is {len(data) / 1024 / 1024:.1f} MB, over the {limits.UPLOAD_MB} MB cap "
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


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value)


def _text_cells(metadata: pd.DataFrame) -> list[list[str]]:
    return [[_cell_text(value) for value in row] for row in metadata.itertuples(index=False)]


def _format_rows(array: np.ndarray, separator: str) -> str:
    """float32 rows as text, 9 significant digits (exact for float32)."""
    buffer = io.StringIO()
    np.savetxt(buffer, array, fmt=FLOAT32_FORMAT, delimiter=separator, newline="\n")
    return buffer.getvalue()
