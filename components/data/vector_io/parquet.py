"""Parquet with a list column of vectors (what the batch embedder writes), one file or parts."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from components.core import limits
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


def _parquet_table(data: bytes, name: str, size_cap: bool = True, max_rows: int | None = None):
    """The first `max_rows` rows of a Parquet file, and how many rows it holds.

    Its footer is read first (rows, uncompressed sizes, values per row): a file that would
    expand past `limits.PARQUET_EXPANDED_MB` or whose vectors have more than
    `limits.VECTOR_DIMENSIONS` values is refused before any data is read. Then only the rows
    used are read, in batches, counting the bytes as they come (a footer can lie).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if size_cap:
        _check_size(data, name)
    if not (data.startswith(PARQUET_MAGIC) and data.endswith(PARQUET_MAGIC)):
        raise InputError(f"`{name}` is not a Parquet file (it should start and end with PAR1).")
    try:
        parquet = pq.ParquetFile(io.BytesIO(data))
        footer = parquet.metadata
        total = footer.num_rows
        wanted = total if max_rows is None else min(total, max_rows)
        _check_footer(footer, wanted, name)
        cap = limits.PARQUET_EXPANDED_MB * 2**20
        batches, rows, expanded = [], 0, 0
        if wanted:
            for batch in parquet.iter_batches(batch_size=min(wanted, 4_096)):
                batch = batch.slice(0, wanted - rows)
                batches.append(batch)
                rows += batch.num_rows
                expanded += batch.nbytes
                if expanded > cap:
                    raise InputError(_expands(name, cap))
                if rows >= wanted:
                    break
        table = pa.Table.from_batches(batches, schema=parquet.schema_arrow)
    except (pa.ArrowException, OSError) as error:  # ArrowInvalid, a thrift OSError: unreadable
        raise InputError(f"`{name}` could not be read as Parquet: {error}") from error
    return table, total


def _expands(name: str, cap: int) -> str:
    return (
        f"`{name}` expands to more than {cap // 2**20:,} MB once uncompressed (the limit for one "
        "import on this shared server): use fewer rows or shorter texts."
    )


def _check_footer(footer, rows: int, name: str) -> None:
    """Refuse, from the footer alone, a file whose first `rows` rows expand past the cap or
    whose list columns hold more than `limits.VECTOR_DIMENSIONS` values a row."""
    if footer.num_columns > 10 * limits.CSV_COLUMNS:
        raise InputError(
            f"`{name}` has {footer.num_columns:,} columns; at most {10 * limits.CSV_COLUMNS:,} "
            "are read."
        )
    expanded, counted, values = 0, 0, [0] * footer.num_columns
    for group in range(footer.num_row_groups):
        if counted >= rows:
            break
        row_group = footer.row_group(group)
        expanded += row_group.total_byte_size
        counted += row_group.num_rows
        for column in range(row_group.num_columns):
            values[column] += row_group.column(column).num_values
    cap = limits.PARQUET_EXPANDED_MB * 2**20
    share = rows / counted if counted > rows else 1.0  # the last group is read in part
    if expanded * share > cap:
        raise InputError(_expands(name, cap))
    if counted and max(values, default=0) / counted > limits.VECTOR_DIMENSIONS + 1:
        raise InputError(
            f"`{name}` holds about {max(values) // counted:,} values a row: vectors may have at "
            f"most {limits.VECTOR_DIMENSIONS:,} dimensions here."
        )


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
    max_rows: int | None = None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Parquet with a list column of vectors (e.g. the batch embedder's output).

    Args:
        data: one file's bytes, or the bytes of a partitioned dataset's parts in order.
        vector_column: the list column; None takes `vector`/`embedding` or the only list column.
        names: the files' names, for messages.
        size_cap: refuse a file over limits.UPLOAD_MB (uploads); files on disk have no cap.
        max_rows: read only this many rows (the parts in order); None reads them all. The rows
            left out are counted in a note (`metadata.attrs["notes"]`).

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
    tables, total = [], 0
    for blob, label in zip(blobs, labels, strict=True):
        left = None if max_rows is None else max(max_rows - sum(t.num_rows for t in tables), 0)
        table, rows = _parquet_table(bytes(blob), label, size_cap, left)
        tables.append(table)
        total += rows
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
    metadata = _text_columns(table.drop_columns([column]), label).to_pandas()
    if metadata.shape[1] == 0:
        metadata = _empty_metadata(len(vectors))
    notes = []
    if total > table.num_rows:
        notes.append(
            f"{label} holds {total:,} rows: the first {table.num_rows:,} are read (the limit on "
            "this shared server)."
        )
    return vectors, _with_attrs(
        metadata.reset_index(drop=True),
        notes,
        model.decode("utf-8", errors="replace") if model else None,
    )


def _text_columns(table, name: str):
    """The table with every text column checked as UTF-8 and binary columns read as text;
    bytes that are not UTF-8 are an `InputError` naming the column (never a decode error)."""
    import pyarrow as pa

    for position, field in enumerate(table.schema):
        kind = field.type
        if not (
            pa.types.is_string(kind)
            or pa.types.is_large_string(kind)
            or pa.types.is_binary(kind)
            or pa.types.is_large_binary(kind)
        ):
            continue
        column = table.column(position)
        try:
            if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
                column = column.cast(pa.large_string())  # checks the bytes are UTF-8
            else:
                column.validate(full=True)
        except pa.ArrowException as error:
            raise InputError(
                f"{name}, column `{field.name}`: its values are bytes that are not UTF-8 text, so "
                "they cannot be shown. Store that column as text (UTF-8)."
            ) from error
        table = table.set_column(position, field.name, column)
    return table


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
