"""Documents for the search lab: pasted text, uploaded .txt/.md/.pdf files and shipped samples.

Every problem becomes an `InputError` (nothing usable) or a `Message` (something changed), in
words the UI can show; no library traceback reaches the user.
"""

from __future__ import annotations

import io
import time
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


# pypdf's own limits, tightened for one visitor's upload on a shared server (pypdf's defaults
# allow 75 MB per decoded stream and 100,000 page-tree entries).
PDF_STREAM_MB = 16  # decoded bytes of one stream (a page's text is ~4 kB; 16 MB is ~4,000 pages')
PDF_CONFIGURATION = {
    "zlib_maximum_output_length": PDF_STREAM_MB * 2**20,
    "lzw_maximum_output_length": PDF_STREAM_MB * 2**20,
    "run_length_maximum_output_length": PDF_STREAM_MB * 2**20,
    "brotli_maximum_output_length": PDF_STREAM_MB * 2**20,
    "jbig2_maximum_output_length": PDF_STREAM_MB * 2**20,
    "array_based_stream_maximum_output_length": PDF_STREAM_MB * 2**20,
    "stream_decoding_work_maximum_length": 4 * PDF_STREAM_MB * 2**20,
    "stream_parsing_work_maximum_count": 1_000_000,
    "page_tree_maximum_depth": 32,
    "page_tree_maximum_entries": 4 * limits.PDF_PAGES,
    "page_tree_maximum_page_entries": 40 * limits.PDF_PAGES,
    "xform_maximum_invocations_per_extraction": 200,
}


@dataclass
class PdfText:
    """The text read from a PDF and what was cut (for messages)."""

    text: str
    pages: int  # distinct page objects in the file (up to the cap)
    pages_read: int
    messages: list[Message] = field(default_factory=list)


def read_pdf(data: bytes, filename: str = "upload.pdf", time_cap: float | None = None) -> PdfText:
    """The text layer of a PDF, read within bounds: pages counted as distinct page objects (a
    page tree whose kids all point at one page is one page, however often it is referenced),
    at most `limits.PDF_PAGES` of them, reading stops once `limits.DOCUMENT_CHARS` characters are
    in and after `time_cap` seconds (default `limits.PDF_SECONDS`), every stream decoded within
    `PDF_STREAM_MB`. What was cut is said in `messages`.

    Raises:
        InputError: encrypted with a password, damaged, over pypdf's limits, or no text layer.
    """
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import DependencyError, LimitReachedError, PyPdfError

    time_cap = limits.PDF_SECONDS if time_cap is None else time_cap
    started = time.monotonic()
    messages: list[Message] = []
    texts: list[str] = []
    seen: set[tuple[int, int]] = set()
    characters = pages_read = 0
    try:
        with apply_configuration(**PDF_CONFIGURATION):
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                try:
                    unlocked = reader.decrypt("")  # many "protected" PDFs open with ""
                except (DependencyError, NotImplementedError) as error:
                    raise InputError(
                        f"`{filename}` is encrypted with a method this app cannot open ({error})."
                    ) from error
                if not unlocked:
                    raise InputError(
                        f"`{filename}` is encrypted with a password. Save an unprotected copy "
                        "and upload that."
                    )
            for page in reader.pages:
                reference = page.indirect_reference
                identity = (reference.idnum, reference.generation) if reference else (-1, len(seen))
                if identity in seen:
                    continue  # the same page object again (a shared node of the page tree)
                seen.add(identity)
                if len(seen) > limits.PDF_PAGES:
                    messages.append(
                        Message(
                            "warning",
                            f"`{filename}` has more than {limits.PDF_PAGES:,} pages: the text of "
                            f"the first {limits.PDF_PAGES:,} is used.",
                        )
                    )
                    break
                if pages_read and time.monotonic() - started > time_cap:
                    messages.append(
                        Message(
                            "warning",
                            f"Reading `{filename}` stopped after {time_cap:.0f} s (the limit on "
                            f"this shared server): the text of its first {pages_read:,} pages "
                            "is used.",
                        )
                    )
                    break
                text = (page.extract_text() or "").strip()
                pages_read += 1
                if text:
                    texts.append(text[: limits.DOCUMENT_CHARS - characters])
                    characters += len(texts[-1]) + 2
                if characters >= limits.DOCUMENT_CHARS:
                    break  # `_checked` says the document was cut
    except InputError:
        raise
    except RecursionError as error:
        raise InputError(f"`{filename}` is not a readable PDF: it nests too deeply.") from error
    except LimitReachedError as error:  # one of PDF_CONFIGURATION's bounds
        raise InputError(
            f"`{filename}` goes past what this shared server reads from one PDF ({error}): "
            f"e.g. a stream that decodes to more than {PDF_STREAM_MB} MB, or a page tree that "
            "refers to its pages thousands of times."
        ) from error
    except PyPdfError as error:  # damaged
        raise InputError(f"`{filename}` is not a readable PDF: {error}") from error
    except Exception as error:  # noqa: BLE001 - pypdf raises many kinds on damaged files
        raise InputError(f"`{filename}` could not be read as a PDF: {error}") from error
    text = "\n\n".join(texts)
    if not text:
        pages = len(seen)
        raise InputError(
            f"`{filename}` has no text layer ({pages} page{'s' if pages != 1 else ''}"
            " of images, e.g. a scan): there is nothing to extract. Run OCR on it first."
        )
    return PdfText(text, len(seen), pages_read, messages)


def pdf_text(data: bytes, filename: str = "upload.pdf") -> str:
    """Text layer of a PDF (pages joined by blank lines), read with pypdf within the bounds of
    `read_pdf`.

    Raises:
        InputError: encrypted with a password, damaged, or no text layer (a scan).
    """
    return read_pdf(data, filename).text


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
        read = read_pdf(data, filename)
        return _checked(filename, read.text, "upload", read.messages)
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
