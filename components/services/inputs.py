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
from components.data.documents import LoadedDocument, from_upload
from components.data.imported_vectors import first_rows
from components.data.large_corpus import Corpus, generate_corpus
from components.data.vector_io import ImportedVectors, read_uploads, upload_fingerprint
from components.services.caches import CORPORA, IMPORTS, UPLOADS
from components.services.models import ActiveModel

IMPORTED_KEY_PREFIX = "imported:"


def imported_vectors(files: Sequence[tuple[str, bytes]]) -> ImportedVectors:
    """Uploaded vector files (name, bytes), read once per set of files and cut to the first
    `limits.SENTENCES` rows. Raises `InputError` (never cached) when they cannot be used."""
    return IMPORTS.get_or_compute(
        upload_fingerprint(files), lambda: first_rows(read_uploads(files), limits.SENTENCES)
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

    Raises `InputError` (not cached) when the file cannot be used.
    """
    return UPLOADS.get_or_compute(
        upload_fingerprint([(filename, data)]), lambda: from_upload(data, filename)
    )


def generated_corpus(n: int, seed: int) -> Corpus:
    """`large_corpus.generate_corpus`, cached per (n, seed)."""
    return CORPORA.get_or_compute((n, seed), lambda: generate_corpus(n, seed))
