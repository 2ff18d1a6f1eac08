"""Turning what a user typed or uploaded into a clean list of sentences, with messages.

Every problem becomes a `Message` the UI shows (or an `InputError` when nothing usable is left);
nothing here throws a library traceback at the user.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from components.core import limits

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
    if len(data) > limits.UPLOAD_MB * 1024 * 1024:
        raise InputError(f"`{filename}` is larger than {limits.UPLOAD_MB} MB.")
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
    """One sentence per line: strips, drops blank lines and duplicates, caps at limits.SENTENCES."""
    lines = [line.strip() for line in text.splitlines()]
    labels = None
    if labels_by_text:
        labels = [labels_by_text.get(line, "typed") for line in lines if line]
    return clean_texts([line for line in lines if line], labels)


def within_chars(text: str, limit: int, what: str = "The text") -> tuple[str, list[Message]]:
    """`text` cut to `limit` characters, and a message saying so when it was longer.

    Used before any work on a text box's value (the browser enforces `max_chars`, but a value
    set otherwise, e.g. by a script, is not): the user's text itself stays as typed.
    """
    if len(text) <= limit:
        return text, []
    return text[:limit], [
        Message(
            "warning",
            f"{what} has {len(text):,} characters: the first {limit:,} are used (the limit on "
            "this shared server). Your text is kept as it is.",
        )
    ]


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
    long_texts = 0
    for index, raw in enumerate(texts):
        text = str(raw).strip()
        if not text:
            continue
        if len(text) > limits.SENTENCE_CHARS:  # the model reads ~1,000 characters at most
            long_texts += 1
            text = text[: limits.SENTENCE_CHARS]
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
    if long_texts:
        messages.append(
            Message(
                "info",
                f"{long_texts:,} sentence{'s are' if long_texts > 1 else ' is'} longer than "
                f"{limits.SENTENCE_CHARS:,} characters: only the first {limits.SENTENCE_CHARS:,} "
                "are used (the model reads about 1,000 characters of a sentence anyway).",
            )
        )
    if len(kept_texts) > limits.SENTENCES:
        messages.append(
            Message(
                "warning",
                f"{len(kept_texts):,} sentences is over the cap of {limits.SENTENCES:,}: "
                f"using the first {limits.SENTENCES:,}. Your text is kept as it is.",
            )
        )
        kept_texts, kept_labels = kept_texts[: limits.SENTENCES], kept_labels[: limits.SENTENCES]
    if not kept_texts:
        messages.append(Message("error", "No sentences yet: type one sentence per line."))
    return ParsedInput(kept_texts, kept_labels if labels is not None else None, messages)


CSV_DELIMITERS = (",", ";", "\t", "|")  # the only separators a CSV may use (never a letter)
_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes"}
_SNIFF_ROWS = 50  # records looked at to choose the separator
_SNIFF_CHARS = 256 * 1024
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet treats these as a formula
_ESCAPED_FORMULA = re.compile(r"^'+[=+\-@\t\r]")
_NEEDS_ESCAPE = re.compile(r"^'*[=+\-@\t\r]")


@dataclass
class CsvTable:
    """A parsed CSV: a table of strings (unique, non-empty column names) and what was changed."""

    table: pd.DataFrame
    delimiter: str | None  # None: one column (no separator in the header line)
    messages: list[Message] = field(default_factory=list)


def _records(text: str, delimiter: str, *, strict: bool = False) -> Iterator[list[str]]:
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)


def _sample_records(text: str, delimiter: str) -> list[list[str]]:
    """The first records of `text` read with `delimiter` (the last, maybe cut, one dropped)."""
    sample = text[:_SNIFF_CHARS]
    rows: list[list[str]] = []
    try:
        for row in _records(sample, delimiter):
            if any(cell.strip() for cell in row):
                rows.append(row)
            if len(rows) > _SNIFF_ROWS:
                break
    except csv.Error:
        pass
    if len(sample) < len(text) and len(rows) > 1 and len(rows) <= _SNIFF_ROWS:
        rows.pop()
    return rows


def sniff_delimiter(text: str) -> str | None:
    """The separator of a CSV: one of `CSV_DELIMITERS`, or None for a one-column file.

    A separator must split the header line into 2+ columns; among those, the one whose later
    rows most often have the header's number of cells wins (ties: more columns, then the order
    of CSV_DELIMITERS). A letter or any other character is never a separator: Python's
    `csv.Sniffer` (pandas' `sep=None`) once read a one-column file `text` as split on `t`.
    """
    best: tuple[float, int, int] | None = None
    choice = None
    for order, delimiter in enumerate(CSV_DELIMITERS):
        rows = _sample_records(text, delimiter)
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        body = rows[1:]
        agreement = sum(len(row) == width for row in body) / len(body) if body else 1.0
        score = (agreement, width, -order)
        if best is None or score > best:
            best, choice = score, delimiter
    return choice


def _column_names(header: list[str]) -> tuple[list[str], list[Message]]:
    """Header cells -> unique, non-empty column names (blank: `column 3`; repeated: `text (2)`)."""
    names: list[str] = []
    renamed: list[str] = []
    for position, cell in enumerate(header, start=1):
        name = " ".join(unescape_formula(str(cell)).split())  # one line, single spaces
        if len(name) > 80:
            name = name[:79] + "…"
        if not name:
            name = f"column {position}"
            renamed.append(f"column {position} had no name")
        base, copy_number = name, 1
        while name in names:
            copy_number += 1
            name = f"{base} ({copy_number})"
        if copy_number > 1:
            renamed.append(f"`{base}` appears more than once (renamed `{name}`)")
        names.append(name)
    messages = []
    if renamed:
        messages.append(Message("info", "Column names: " + "; ".join(renamed[:5]) + "."))
    return names, messages


def parse_csv(
    text: str, *, max_rows: int | None = None, max_columns: int | None = None
) -> CsvTable:
    """CSV text -> table of strings with a header row, and messages about what was changed.

    Separators: comma, semicolon, tab or pipe (`sniff_delimiter`); a header line without any of
    them is a one-column file, whose lines are the rows (quoted cells with commas or newlines are
    read as CSV when the whole file is valid CSV). Quoted newlines, a byte-order mark, blank lines,
    ragged rows (short rows are padded with empty cells, extra cells go to extra columns),
    blank or repeated column names are handled, with a message. Cells are kept exactly as written
    (an export's formula guard, a leading `'` before `=`, `+`, `-`, `@`, is removed: see
    `csv_safe`). Never raises anything but `InputError`.

    Args:
        max_rows: rows kept (default `limits.CSV_ROWS`); more are counted and cut, with a message.
        max_columns: columns kept (default `limits.CSV_COLUMNS`).

    Raises:
        InputError: empty, a header without rows, or unreadable.
    """
    max_rows = limits.CSV_ROWS if max_rows is None else max_rows
    max_columns = limits.CSV_COLUMNS if max_columns is None else max_columns
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise InputError("The CSV file is empty.")
    delimiter = sniff_delimiter(text)
    rows: list[list[str]] = []
    total = 0
    try:
        if delimiter is None:
            try:  # one column written as CSV (quoted cells)?
                records = [row for row in _records(text, "\x1f", strict=True) if row]
                if any(len(row) != 1 for row in records):
                    raise csv.Error("not one column")
            except csv.Error:  # plain lines: quotes are part of the sentences
                records = [[line] for line in text.splitlines()]
            iterator: Iterator[list[str]] = iter(records)
        else:
            iterator = _records(text, delimiter)
        header: list[str] | None = None
        for row in iterator:
            if not any(cell.strip() for cell in row):
                continue  # blank line
            if header is None:
                header = row
                continue
            total += 1
            if len(rows) < max_rows:
                rows.append(row)
    except csv.Error as error:
        line = getattr(iterator, "line_num", total + 1)
        raise InputError(f"Could not read the CSV (line {line:,}): {error}.") from error
    if header is None or not rows:
        raise InputError("The CSV has a header but no rows.")
    messages: list[Message] = []
    width = max(len(header), *(len(row) for row in rows))
    short = sum(len(row) < len(header) for row in rows)
    long = sum(len(row) > len(header) for row in rows)
    if short:
        messages.append(
            Message(
                "info",
                f"{short:,} row{'s have' if short > 1 else ' has'} fewer cells than the header: "
                "the missing cells are empty.",
            )
        )
    if long:
        messages.append(
            Message(
                "warning",
                f"{long:,} row{'s have' if long > 1 else ' has'} more cells than the header: the "
                'extra cells are in extra columns. A separator inside a cell needs "quotes".',
            )
        )
    header = header + [""] * (width - len(header))
    names, name_messages = _column_names(header)
    messages.extend(name_messages)
    if width > max_columns:
        messages.append(
            Message(
                "warning",
                f"The CSV has {width:,} columns: using the first {max_columns:,}.",
            )
        )
        names, width = names[:max_columns], max_columns
    if total > len(rows):
        messages.append(
            Message(
                "warning",
                f"The CSV has {total:,} rows: using the first {len(rows):,}.",
            )
        )
    cells = [
        [unescape_formula(cell) for cell in (row + [""] * (width - len(row)))[:width]]
        for row in rows
    ]
    table = pd.DataFrame(cells, columns=names, dtype=object).astype(str)
    return CsvTable(table, delimiter, messages)


def read_csv(text: str) -> pd.DataFrame:
    """CSV text -> table of strings (see `parse_csv`, which also says what it changed).

    Raises:
        InputError: when it is not a usable CSV.
    """
    return parse_csv(text).table


def csv_safe(value: object) -> object:
    """A cell a spreadsheet will not run: text starting with `=`, `+`, `-`, `@`, tab or CR gets
    a leading `'` (OWASP's CSV-injection advice). Numbers and other values are unchanged.

    `unescape_formula` undoes it exactly, so an exported CSV uploads back to the same text.
    """
    if isinstance(value, str) and _NEEDS_ESCAPE.match(value):
        return "'" + value
    return value


def unescape_formula(cell: str) -> str:
    """Undo `csv_safe`: `'=SUM(A1)` -> `=SUM(A1)`; any other cell is unchanged."""
    return cell[1:] if _ESCAPED_FORMULA.match(cell) else cell


def csv_bytes(table: pd.DataFrame) -> bytes:
    """The table as UTF-8 CSV for a download, every text cell passed through `csv_safe`.

    Use this for every CSV the app offers (not `DataFrame.to_csv`): a sentence like
    `=HYPERLINK(...)` or `=cmd|' /C calc'!A0` must not become a live formula when opened.
    """
    safe = table.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column].dtype):
            safe[column] = safe[column].map(csv_safe)
    safe.columns = [csv_safe(str(column)) for column in safe.columns]
    # CRLF as RFC 4180 says; it also makes the writer quote cells holding a lone \r.
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


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
