"""Parquet with a list column of vectors (what the batch embedder writes), one file or parts."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from components.core.texts import InputError
from components.data.vector_io.common import (
    _VECTOR_COLUMN_NAMES,
    PARQUET_MAGIC,
    _check_metadata,
    _check_size,
    _empty_metadata,
    _with_attrs,
    validate_vectors,
)

VECTOR_COLUMN = "vector"  # Parquet: the list column written here (and by the batch embedder)
MODEL_KEY = b"embedding_model"  # Parquet schema metadata: the model that made the vectors


def _parquet_table(data: bytes, name: str, size_cap: bool = True):
    import pyarrow as pa
    import pyarrow.parquet as pq

    if size_cap:
        _check_size(data, name)
    if not (data.startswith(PARQUET_MAGIC) and data.endswith(PARQUET_MAGIC)):
        raise InputError(f"`{name}` is not a Parquet file (it should start and end with PAR1).")
    try:
        return pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError) as error:  # ArrowInvalid, a thrift OSError: unreadable
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
        size_cap: refuse a file over limits.UPLOAD_MB (uploads); files on disk have no cap.

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


def parquet_sort_key(name: str) -> list[object]:
    """Natural order of part names: part.2 before part.10."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]
