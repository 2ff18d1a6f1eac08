"""What users bring or ask for, read once and shared: uploaded vector files, uploaded documents
and generated corpora.

Each is cached by the bytes (or settings) that made it, so a rerun does not read a file again.
Vectors the user brought get their own cache identity (`imported_source`): a map of them is
never taken for the model's own map of the same texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from components.core import limits
from components.core.texts import CsvTable, code_value, defang_links, parse_csv
from components.data.documents import LoadedDocument, from_upload
from components.data.imported_vectors import first_rows
from components.data.large_corpus import Corpus, generate_corpus
from components.data.vector_io import ImportedVectors, read_uploads, upload_fingerprint
from components.services.caches import CORPORA, IMPORTS, UPLOADS, digest, queued
from components.services.models import ActiveModel

IMPORTED_KEY_PREFIX = "imported:"


def imported_vectors(files: Sequence[tuple[str, bytes]]) -> ImportedVectors:
    """Uploaded vector files (name, bytes), read once per set of files and cut to the first
    `limits.SENTENCES` rows. Raises `InputError` (never cached) when they cannot be used."""
    return IMPORTS.get_or_compute(
        upload_fingerprint(files), lambda: first_rows(read_uploads(files), limits.SENTENCES)
    )


def uploaded_csv(content: str) -> CsvTable:
    """An uploaded CSV's text parsed once per content (not on every rerun: a 23 MB CSV cost
    1.85 s and +287 MB a rerun). The table is shared: never change it in place."""
    return UPLOADS.get_or_compute(
        ("csv", digest(content)),
        lambda: parse_csv(content),
        nbytes=2 * len(content) + 4096,  # the cells' text, about once, plus the table
    )


def imported_source(active: ActiveModel, imported: ImportedVectors) -> ActiveModel:
    """What the views' caches (maps, their honesty) are keyed by for vectors the user brought:
    the import's fingerprint, never the model's name, so a map of these vectors is never taken
    for the model's own map of the same texts (and nothing of them is written to disk). The
    model stays the one in use: it still encodes typed queries."""
    info = replace(active.info, name=f"{IMPORTED_KEY_PREFIX}{imported.source}")
    return ActiveModel(active.model, f"{IMPORTED_KEY_PREFIX}{imported.fingerprint}", info)


def uploaded_document(data: bytes, filename: str) -> LoadedDocument:
    """An uploaded file as a document (PDF text extraction runs once per file, not per rerun).

    A PDF is read as one job of the heavy-work queue (its place and a Cancel button show while
    it waits), stopped at `limits.PDF_SECONDS` with a message. Raises `InputError` (not cached)
    when the file cannot be used.
    """
    key = upload_fingerprint([(filename, data)])
    if not (filename.lower().endswith(".pdf") or bytes(data[:4]) == b"%PDF"):
        return UPLOADS.get_or_compute(key, lambda: from_upload(data, filename))
    return queued(
        UPLOADS,
        key,
        "pdf",
        f"Reading the text of {defang_links(code_value(filename, 80))}",
        lambda: from_upload(data, filename),
    )


def generated_corpus(n: int, seed: int) -> Corpus:
    """`large_corpus.generate_corpus`, cached per (n, seed)."""
    return CORPORA.get_or_compute((n, seed), lambda: generate_corpus(n, seed))
