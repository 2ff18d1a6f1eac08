"""Turning what a user typed or uploaded into a clean list of sentences, with messages.

Every problem becomes a `Message` the UI shows (or an `InputError` when nothing usable is left);
nothing here throws a library traceback at the user.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

MAX_SENTENCES = 100_000  # the input cap (Explore at scale): more lines are cut with a message
MAX_UPLOAD_MB = 50  # same as server.maxUploadSize in .streamlit/config.toml

Level = Literal["info", "warning", "error"]

_BINARY_SIGNATURES = {
    b"%PDF": "a PDF",
    b"PK\x03\x04": "a ZIP/Office file",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
}


class InputError(ValueError):
    """Input that cannot be used at all; the message is meant for the user."""


@dataclass(frozen=True)
class Message:
    level: Level
    text: str


@dataclass
class ParsedInput:
    texts: list[str]
    labels: list[str] | None = None  # one per text, when the source had them
    messages: list[Message] = field(default_factory=list)


def decode_upload(data: bytes, filename: str = "upload") -> tuple[str, list[Message]]:
    """Bytes of an uploaded text file -> text. Refuses binary files, tolerates non-UTF-8 text."""
    if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
        raise InputError(f"`{filename}` is larger than {MAX_UPLOAD_MB} MB.")
    for signature, kind in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise InputError(
                f"`{filename}` looks like {kind}, not text. Upload a .txt or .csv file."
            )
    head = data[:8192]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            f"`{filename}` looks like a binary file, not text (it contains NUL bytes)."
        )
    for encoding in ("utf-8-sig", "utf-16"):
        if encoding == "utf-16" and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            return data.decode(encoding), []
        except UnicodeDecodeError:
            continue
    # Not UTF-8: Windows-1252 maps almost every byte; what it cannot map is replaced.
    text = data.decode("cp1252", errors="replace")
    return text, [
        Message(
            "warning",
            f"`{filename}` is not UTF-8; it was read as Windows-1252 (Latin-1). "
            "If accents look wrong, save the file as UTF-8 and upload it again.",
        )
    ]


def parse_lines(text: str, labels_by_text: dict[str, str] | None = None) -> ParsedInput:
    """One sentence per line: strips, drops blank lines and duplicates, caps at MAX_SENTENCES."""
    lines = [line.strip() for line in text.splitlines()]
    labels = None
    if labels_by_text:
        labels = [labels_by_text.get(line, "typed") for line in lines if line]
    return clean_texts([line for line in lines if line], labels)


def first_lines(text: str, cap: int) -> tuple[list[str], list[Message]]:
    """The first `cap` distinct non-blank lines, and messages about what was merged or cut."""
    parsed = clean_texts(text.splitlines())
    messages = [message for message in parsed.messages if message.level != "error"]
    if len(parsed.texts) > cap:
        messages.append(
            Message("warning", f"This section uses the first {cap} sentences; your text is kept.")
        )
    return parsed.texts[:cap], messages


def clean_texts(texts: list[str], labels: list[str] | None = None) -> ParsedInput:
    """Drop blanks and exact duplicates (first kept) and apply the input cap, saying what changed."""
    messages: list[Message] = []
    seen: set[str] = set()
    kept_texts: list[str] = []
    kept_labels: list[str] = []
    duplicates = 0
    for index, raw in enumerate(texts):
        text = str(raw).strip()
        if not text:
            continue
        if text in seen:
            duplicates += 1
            continue
        seen.add(text)
        kept_texts.append(text)
        kept_labels.append(str(labels[index]) if labels is not None else "")
    if duplicates:
        messages.append(
            Message(
                "info",
                f"{duplicates} duplicate sentence{'s' if duplicates > 1 else ''} merged: each "
                "distinct sentence is shown once (a duplicate would have cosine 1.000 with itself).",
            )
        )
    if len(kept_texts) > MAX_SENTENCES:
        messages.append(
            Message(
                "warning",
                f"{len(kept_texts):,} sentences is over the cap of {MAX_SENTENCES:,}: "
                f"using the first {MAX_SENTENCES:,}. Your text is kept as it is.",
            )
        )
        kept_texts, kept_labels = kept_texts[:MAX_SENTENCES], kept_labels[:MAX_SENTENCES]
    if not kept_texts:
        messages.append(Message("error", "No sentences yet: type one sentence per line."))
    return ParsedInput(kept_texts, kept_labels if labels is not None else None, messages)


def read_csv(text: str) -> pd.DataFrame:
    """CSV text -> table of strings. Raises InputError when it is not a usable CSV."""
    if not text.strip():
        raise InputError("The CSV file is empty.")
    try:
        table = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, sep=None, engine="python"
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        raise InputError(f"Could not read the CSV: {str(error).splitlines()[0]}") from error
    if table.shape[1] == 0 or table.shape[0] == 0:
        raise InputError("The CSV has a header but no rows.")
    table.columns = [str(column).strip() for column in table.columns]
    return table


def guess_text_column(table: pd.DataFrame) -> str:
    """The column most likely to hold sentences: named like text, else the longest on average."""
    for column in table.columns:
        if column.lower() in {"text", "sentence", "sentences", "content", "document"}:
            return column
    lengths = {column: table[column].astype(str).str.len().mean() for column in table.columns}
    return max(lengths, key=lengths.get)


def texts_from_table(
    table: pd.DataFrame, text_column: str, label_column: str | None = None
) -> ParsedInput:
    """Sentences (and optional labels) from chosen CSV columns."""
    for column in (text_column, label_column):
        if column is not None and column not in table.columns:
            raise InputError(
                f"The CSV has no column `{column}`. Its columns are: "
                + ", ".join(f"`{name}`" for name in table.columns)
            )
    labels = table[label_column].astype(str).tolist() if label_column else None
    return clean_texts(table[text_column].astype(str).tolist(), labels)
