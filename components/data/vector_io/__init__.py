"""Vectors in and out: the Embedding Projector's TSV pair, CSV, .npy + metadata, Parquet.

Every reader takes the bytes of uploaded files and returns `(vectors, metadata)`: a float32 array
(n, d) and a DataFrame with one row per vector (no columns when there is none). Every writer
returns the bytes of the files, and `read(write(x))` gives `x` back exactly (float32 values are
written with 9 significant digits, which round-trips every float32).

One module per format (`tsv`, `csv`, `npy`, `parquet`), the checks they share (`common`), the
reader of any set of uploaded files (`uploads`) and Explore's export formats (`export`). The
public names are re-exported here: `from components.data.vector_io import read_projector_tsv`.

No streamlit here.
"""

from __future__ import annotations

from components.data.vector_io.common import (
    FLOAT32_FORMAT,
    MIN_DIMENSION,
    NPY_MAGIC,
    PARQUET_MAGIC,
    validate_vectors,
)
from components.data.vector_io.csv import CSV_VECTOR_PREFIX, read_vectors_csv, write_vectors_csv
from components.data.vector_io.export import (
    EXPORT_FORMATS,
    TSV_MIME,
    ExportFormat,
    export_table,
    formula_warning,
)
from components.data.vector_io.npy import read_metadata_file, read_npy, write_npy
from components.data.vector_io.parquet import (
    MODEL_KEY,
    VECTOR_COLUMN,
    parquet_part_paths,
    parquet_sort_key,
    read_parquet,
    read_parquet_path,
    vectors_arrow_array,
    write_parquet,
)
from components.data.vector_io.tsv import (
    parse_projector_metadata,
    parse_projector_vectors,
    projector_safe,
    read_projector_tsv,
    write_projector_tsv,
)
from components.data.vector_io.uploads import (
    FORMATS_HELP,
    ImportedVectors,
    check_upload_size,
    read_uploads,
    upload_fingerprint,
)

__all__ = [
    "CSV_VECTOR_PREFIX",
    "EXPORT_FORMATS",
    "FLOAT32_FORMAT",
    "FORMATS_HELP",
    "MIN_DIMENSION",
    "MODEL_KEY",
    "NPY_MAGIC",
    "PARQUET_MAGIC",
    "TSV_MIME",
    "VECTOR_COLUMN",
    "ExportFormat",
    "ImportedVectors",
    "check_upload_size",
    "export_table",
    "formula_warning",
    "parquet_part_paths",
    "parquet_sort_key",
    "parse_projector_metadata",
    "parse_projector_vectors",
    "projector_safe",
    "read_metadata_file",
    "read_npy",
    "read_parquet",
    "read_parquet_path",
    "read_projector_tsv",
    "read_uploads",
    "read_vectors_csv",
    "upload_fingerprint",
    "validate_vectors",
    "vectors_arrow_array",
    "write_npy",
    "write_parquet",
    "write_projector_tsv",
    "write_vectors_csv",
]
