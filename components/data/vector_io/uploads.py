"""Whichever supported set of vector files was uploaded together, read by the files' names."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from components.core import limits
from components.core.texts import InputError, Message
from components.data.vector_io.common import _JS_WHITESPACE, MIN_DIMENSION, _is_number
from components.data.vector_io.csv import read_vectors_csv
from components.data.vector_io.npy import read_npy
from components.data.vector_io.parquet import parquet_sort_key, read_parquet
from components.data.vector_io.tsv import read_projector_tsv


@dataclass
class ImportedVectors:
    vectors: np.ndarray  # float32 (n, d), as they were in the files
    metadata: pd.DataFrame  # n rows
    source: str  # what was read, in words
    fingerprint: str  # sha256 of the files' names and bytes: tells two imports apart
    model: str | None = None  # the model that made them, when the files say it
    messages: list[Message] = field(default_factory=list)  # for the user (e.g. an encoding)


def check_upload_size(sizes: Sequence[int]) -> None:
    """Refuse a set of files over limits.VECTOR_UPLOAD_MB together (each file has its own cap)."""
    total = sum(sizes)
    if total > limits.VECTOR_UPLOAD_MB * 1024 * 1024:
        raise InputError(
            f"These {len(sizes)} files hold {total / 1024 / 1024:.0f} MB together, over the "
            f"{limits.VECTOR_UPLOAD_MB} MB cap for one import. Use fewer rows, or Parquet (the most "
            "compact format)."
        )


def upload_fingerprint(files: Sequence[tuple[str, bytes]]) -> str:
    """sha256 of uploaded files' names and bytes, in order: tells two uploads apart."""
    digest = hashlib.sha256()
    for name, data in files:
        digest.update(f"{len(name)}:{name}:{len(data)}:".encode())
        digest.update(data)
    return digest.hexdigest()


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

    fingerprint = upload_fingerprint(files)

    def result(vectors, metadata, source):
        if vectors.shape[1] > limits.VECTOR_DIMENSIONS:  # each reader refuses them earlier
            raise InputError(
                f"The vectors have {vectors.shape[1]:,} dimensions; at most "
                f"{limits.VECTOR_DIMENSIONS:,} are read here."
            )
        notes = [Message("warning", note) for note in metadata.attrs.get("notes", [])]
        return ImportedVectors(
            vectors, metadata, source, fingerprint, metadata.attrs.get("model"), notes
        )

    if suffixes == {".parquet"}:
        parts = sorted(by_suffix[".parquet"], key=lambda f: parquet_sort_key(f[0]))
        vectors, metadata = read_parquet(
            [data for _, data in parts],
            names=[name for name, _ in parts],
            max_rows=limits.SENTENCES,  # the rows Explore uses: no more are read
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
