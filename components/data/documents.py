"""Documents for the search lab: pasted text, uploaded .txt/.md/.pdf files and shipped samples.

Every problem becomes an `InputError` (nothing usable) or a `Message` (something changed), in
words the UI can show; no library traceback reaches the user.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from components.core import limits
from components.core.texts import InputError, Message, decode_upload
from components.data.samples import LONG_SAMPLE_DIR

TEXT_SUFFIXES = (".txt", ".md")


@dataclass(frozen=True)
class Document:
    name: str
    text: str
    source: str  # "pasted", "upload", "sample"


@dataclass
class LoadedDocument:
    document: Document
    messages: list[Message] = field(default_factory=list)


def _checked(name: str, text: str, source: str, messages: list[Message]) -> LoadedDocument:
    if not text.strip():
        raise InputError(f"`{name}` is empty: there is no text to chunk.")
    if len(text) > limits.DOCUMENT_CHARS:
        messages.append(
            Message(
                "warning",
                f"`{name}` has {len(text):,} characters; only the first {limits.DOCUMENT_CHARS:,} "
                "are used (encoding more would take minutes on this machine).",
            )
        )
        text = text[: limits.DOCUMENT_CHARS]
    return LoadedDocument(Document(name, text, source), messages)


def from_text(text: str, name: str = "Pasted text") -> LoadedDocument:
    return _checked(name, text, "pasted", [])


def pdf_text(data: bytes, filename: str = "upload.pdf") -> str:
    """Text layer of a PDF (pages joined by blank lines), read with pypdf.

    Raises:
        InputError: encrypted with a password, damaged, or no text layer (a scan).
    """
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                unlocked = reader.decrypt("")  # many "protected" PDFs open with an empty password
            except (DependencyError, NotImplementedError) as error:
                raise InputError(
                    f"`{filename}` is encrypted with a method this app cannot open ({error})."
                ) from error
            if not unlocked:
                raise InputError(
                    f"`{filename}` is encrypted with a password. Save an unprotected copy and "
                    "upload that."
                )
        pages = [page.extract_text() or "" for page in reader.pages]
    except InputError:
        raise
    except Exception as error:  # noqa: BLE001 - pypdf raises many kinds on damaged files
        if isinstance(error, PdfReadError) or "PDF" in type(error).__name__:
            raise InputError(f"`{filename}` is not a readable PDF: {error}") from error
        raise InputError(f"`{filename}` could not be read as a PDF: {error}") from error
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text:
        raise InputError(
            f"`{filename}` has no text layer ({len(pages)} page{'s' if len(pages) != 1 else ''}"
            " of images, e.g. a scan): there is nothing to extract. Run OCR on it first."
        )
    return text


def from_upload(data: bytes, filename: str) -> LoadedDocument:
    """An uploaded .txt, .md or .pdf file as a document.

    Raises:
        InputError: too large, empty, wrong kind, unreadable.
    """
    if len(data) > limits.UPLOAD_MB * 1024 * 1024:
        raise InputError(
            f"`{filename}` is {len(data) / 1024 / 1024:.0f} MB; the limit is {limits.UPLOAD_MB} MB."
        )
    if not data:
        raise InputError(f"`{filename}` is empty: there is no text to chunk.")
    if filename.lower().endswith(".pdf") or data.startswith(b"%PDF"):
        return _checked(filename, pdf_text(data, filename), "upload", [])
    text, messages = decode_upload(data, filename)
    return _checked(filename, text, "upload", list(messages))


def read_uploads(
    uploads: Sequence[tuple[str, bytes]], read: Callable[[bytes, str], LoadedDocument]
) -> tuple[list[LoadedDocument], list[Message]]:
    """The uploaded files (name, bytes) read with `read`, within the upload caps.

    At most `limits.UPLOADS` files and `limits.UPLOADS_MB` MB together are read; a file past a
    cap, or one `read` refuses with an `InputError`, is left out with a message, the others kept.
    """
    kept: list[LoadedDocument] = []
    messages: list[Message] = []
    total = 0
    for number, (name, data) in enumerate(uploads):
        if number >= limits.UPLOADS:
            messages.append(
                Message("warning", f"`{name}` left out: at most {limits.UPLOADS} files at once.")
            )
        elif total + len(data) > limits.UPLOADS_MB * 2**20:
            messages.append(
                Message(
                    "warning",
                    f"`{name}` left out: the files together "
                    f"may hold at most {limits.UPLOADS_MB} MB.",
                )
            )
        else:
            try:
                kept.append(read(data, name))
                total += len(data)
            except InputError as error:
                messages.append(Message("error", str(error)))
    return kept, messages


def within_budget(documents: Sequence[Document]) -> tuple[list[Document], list[Message]]:
    """The documents the search uses: the first `limits.DOCUMENTS`, cut to `limits.DOCUMENTS_CHARS`
    characters together (the later ones cut or left out), with a message for each cap reached."""
    messages: list[Message] = []
    if len(documents) > limits.DOCUMENTS:
        messages.append(
            Message(
                "warning",
                f"{len(documents)} documents: the search uses the first "
                f"{limits.DOCUMENTS} (the limit on this shared server).",
            )
        )
        documents = documents[: limits.DOCUMENTS]
    total, kept = 0, []
    for document in documents:
        room = limits.DOCUMENTS_CHARS - total
        if room <= 0:
            break
        if len(document.text) > room:
            document = Document(document.name, document.text[:room], document.source)
        kept.append(document)
        total += len(document.text)
    if sum(len(document.text) for document in documents) > limits.DOCUMENTS_CHARS:
        messages.append(
            Message(
                "warning",
                f"The documents hold more than "
                f"{limits.DOCUMENTS_CHARS:,} characters together: the search uses "
                "that many (the later documents are cut or left out).",
            )
        )
    return kept, messages


def sample_names() -> list[str]:
    """File names of the shipped long texts (sample_data/long/*.md|txt), sorted."""
    if not LONG_SAMPLE_DIR.is_dir():
        return []
    return sorted(p.name for p in LONG_SAMPLE_DIR.iterdir() if p.suffix.lower() in TEXT_SUFFIXES)


def sample_title(filename: str) -> str:
    """The first markdown heading of a sample, else its file name."""
    for line in (LONG_SAMPLE_DIR / filename).read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
    return filename


def from_sample(filename: str) -> LoadedDocument:
    if filename not in sample_names():
        raise InputError(f"There is no sample called `{filename}`.")
    text = (LONG_SAMPLE_DIR / filename).read_text(encoding="utf-8")
    return _checked(sample_title(filename), text, "sample", [])


# Queries for the book-vector lesson: (query, sample file, heading of the section that answers it).
LESSON_QUERIES: tuple[tuple[str, str, str], ...] = (
    (
        "Why does bread go stale after a few days?",
        "bread_and_fermentation.md",
        "Storage and Staling",
    ),
    ("What does salt do to a dough?", "bread_and_fermentation.md", "Salt in the Dough"),
    (
        "Why does the crust turn brown in the oven?",
        "bread_and_fermentation.md",
        "Crust Chemistry and the Maillard Reaction",
    ),
    (
        "How does a glass lens make a lighthouse beam visible far away?",
        "lighthouses_and_the_sea.md",
        "The Fresnel Lens",
    ),
    (
        "How were ships warned when fog hid the light?",
        "lighthouses_and_the_sea.md",
        "Sound in the Fog",
    ),
    (
        "Which ancient wonder guided ships into an Egyptian harbour?",
        "lighthouses_and_the_sea.md",
        "The Pharos of Alexandria",
    ),
)


def section_at(text: str, offset: int) -> str:
    """Title of the markdown section (`#`/`##` heading) that contains character `offset`."""
    title = ""
    position = 0
    for line in text.splitlines(keepends=True):
        if position > offset:
            break
        if line.startswith("#"):
            title = line.lstrip("#").strip()
        position += len(line)
    return title
