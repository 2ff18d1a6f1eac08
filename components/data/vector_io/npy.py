"""A NumPy `.npy` array of vectors, with an optional metadata file (.csv, .tsv or one line each)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from components.core import limits
from components.core.texts import InputError
from components.data.vector_io.common import (
    NPY_MAGIC,
    _check_metadata,
    _check_size,
    _decode,
    _empty_metadata,
    _text_cells,
    _with_attrs,
    validate_vectors,
)
from components.data.vector_io.csv import (
    _check_text_metadata,
    _check_width,
    _csv_text_rows,
    _read_string_table,
    _separator,
    _unguarded,
)
from components.data.vector_io.tsv import parse_projector_metadata


def read_metadata_file(data: bytes, name: str, rows: int | None = None) -> pd.DataFrame:
    """Metadata next to vectors: `.csv` (header row), `.tsv` (the Projector's rules), anything
    else one value a line (a column called `text`; every line counts, blank ones too)."""
    text, notes = _decode(data, name)
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        if not text.strip():
            raise InputError(f"`{name}` is empty.")
        separator = _separator(text)
        _check_width(text, separator, limits.CSV_COLUMNS, name, "a metadata file")
        table = _unguarded(_read_string_table(text, separator))
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
    _check_npy_header(vectors, vectors_name)
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


def _check_npy_header(data: bytes, name: str) -> None:
    """Refuse, from the header alone, an array whose shape × item size is not the bytes present
    (a 100-byte file that claims (10**9, 384) would make numpy try to allocate 1.4 TiB), or
    whose shape is no table of vectors the lab can use."""
    from numpy.lib import format as npy_format

    stream = io.BytesIO(data)
    try:
        version = npy_format.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = npy_format.read_array_header_1_0(stream)
        else:
            shape, _, dtype = npy_format.read_array_header_2_0(stream)
    except (ValueError, OSError, EOFError, SyntaxError, TypeError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InputError(f"`{name}` has a damaged .npy header: {reason[:200]}") from error
    if dtype.hasobject:
        raise InputError(
            f"`{name}` could not be read: it holds Python objects (object arrays are refused: "
            "save a float array)."
        )
    if len(shape) == 2 and shape[1] > limits.VECTOR_DIMENSIONS:
        raise InputError(
            f"`{name}` holds vectors of {shape[1]:,} dimensions; at most "
            f"{limits.VECTOR_DIMENSIONS:,} are read here."
        )
    expected = int(np.prod(shape, dtype=object)) * dtype.itemsize
    present = len(data) - stream.tell()
    if expected != present:
        raise InputError(
            f"`{name}` is truncated or damaged: its header says shape {tuple(shape)} of "
            f"{dtype} ({expected:,} bytes) but the file holds {present:,} bytes of data."
        )


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
