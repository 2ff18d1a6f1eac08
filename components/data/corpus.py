"""The documents of a search cut into chunks, and which chunk belongs to which document."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from components.core.texts import InputError, Message
from components.data.chunking import Chunk
from components.data.documents import Document


@dataclass(frozen=True)
class Corpus:
    """All chunks of all documents, in document order.

    Attributes:
        documents: the documents, in the order the user gave them.
        names: a unique display name per document (a repeated name gets its number).
        chunks: every chunk of every document.
        owners: (chunks,) the index of the document each chunk comes from.
        messages: documents left out, for the UI.
    """

    documents: list[Document]
    names: list[str]
    chunks: list[Chunk]
    owners: np.ndarray
    messages: list[Message] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.chunks)

    @property
    def texts(self) -> list[str]:
        return [chunk.text for chunk in self.chunks]

    @property
    def token_counts(self) -> np.ndarray:
        """(chunks,) tokens of each chunk, without special tokens."""
        return np.asarray([chunk.n_tokens for chunk in self.chunks], dtype=np.int64)

    def chunks_of(self, document: int) -> list[Chunk]:
        return [
            chunk
            for chunk, owner in zip(self.chunks, self.owners, strict=True)
            if owner == document
        ]

    def document_name(self, chunk: int) -> str:
        return self.names[int(self.owners[chunk])]

    def number_in_document(self, chunk: int) -> int:
        """1 for the first chunk of its document, 2 for the second, …"""
        return int((self.owners[: chunk + 1] == self.owners[chunk]).sum())

    def fingerprint(self, *settings: object) -> str:
        """sha256 of the settings (model, window, overlap) and every chunk's text."""
        parts = [str(setting) for setting in settings] + self.texts
        return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def unique_names(names: Sequence[str]) -> list[str]:
    """The names, a repeated one followed by its 1-based position: they label charts and tables."""
    return [
        f"{name} ({number + 1})" if names.count(name) > 1 else name
        for number, name in enumerate(names)
    ]


def build_corpus(
    documents: Sequence[Document],
    chunker: Callable[[str], list[Chunk]],
    max_chunks: int | None = None,
) -> Corpus:
    """Chunk every document with `chunker` (e.g. a cached `chunk_text` with the page's window).

    A document without tokens is left out with a message, and so are the chunks past
    `max_chunks` (over all documents, in order), with a message naming the documents cut.

    Raises:
        InputError: the chunker refused a document (settings impossible for it).
    """
    names = unique_names([document.name for document in documents])
    chunks: list[Chunk] = []
    owners: list[int] = []
    messages: list[Message] = []
    cut: list[str] = []
    for number, document in enumerate(documents):
        try:
            document_chunks = chunker(document.text)
        except ValueError as error:
            raise InputError(f"{names[number]}: {error}") from error
        if not document_chunks:
            messages.append(
                Message(
                    "warning",
                    f"{names[number]} has no tokens to chunk (only spaces?); it is left out.",
                )
            )
        if max_chunks is not None and len(chunks) + len(document_chunks) > max_chunks:
            document_chunks = document_chunks[: max(0, max_chunks - len(chunks))]
            cut.append(names[number])
        chunks.extend(document_chunks)
        owners.extend([number] * len(document_chunks))
    if cut:
        messages.append(
            Message(
                "warning",
                f"The search uses at most {max_chunks:,} chunks (the limit on this shared "
                f"server): {', '.join(cut)} {'was' if len(cut) == 1 else 'were'} cut or left "
                "out. Use fewer or shorter documents, a larger window or a smaller overlap.",
            )
        )
    return Corpus(list(documents), names, chunks, np.asarray(owners, dtype=np.int64), messages)
