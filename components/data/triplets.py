"""Anchor / positive / negative triplets: the `Triplets` class, CSV in and out, cleaning.

The user's table is never changed here: cleaning returns the usable triplets and what was left
out (and why) as `Message`s for the UI.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from components.core import limits
from components.core.texts import InputError, Message, csv_bytes, decode_upload, parse_csv

if TYPE_CHECKING:
    from components.vectors.losses import BatchLosses

COLUMNS = ("anchor", "positive", "negative")


@dataclass
class Triplets:
    """Triplets of sentences, column by column, and where each came from.

    Attributes:
        anchors, positives, negatives: one sentence each per triplet.
        rows: the 0-based row of the user's table each triplet came from (default 0, 1, 2, …).
        messages: what cleaning left out or noticed, for the UI.
    """

    anchors: list[str]
    positives: list[str]
    negatives: list[str]
    rows: list[int] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.rows:
            self.rows = list(range(len(self.anchors)))

    def __len__(self) -> int:
        return len(self.anchors)

    def columns(self) -> tuple[list[str], list[str], list[str]]:
        return self.anchors, self.positives, self.negatives

    def stacked(self) -> list[str]:
        """All anchors, then all positives, then all negatives (3 * n texts)."""
        return [*self.anchors, *self.positives, *self.negatives]

    def texts(self) -> list[str]:
        """Every distinct sentence, in order of first appearance (anchor, positive, negative...)."""
        seen: dict[str, None] = {}
        for triplet in zip(*self.columns(), strict=True):
            for text in triplet:
                seen.setdefault(text, None)
        return list(seen)

    def vectors(
        self, texts: list[str], vectors: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Anchor, positive and negative vectors (triplets, dim) picked from `vectors` (one row
        per text of `texts`, e.g. of `self.texts()`)."""
        row_of = {text: row for row, text in enumerate(texts)}
        a, p, n = (vectors[[row_of[text] for text in column]] for column in self.columns())
        return a, p, n

    def subset(self, indices: Iterable[int]) -> Triplets:
        pick = [int(i) for i in indices]
        return Triplets(
            [self.anchors[i] for i in pick],
            [self.positives[i] for i in pick],
            [self.negatives[i] for i in pick],
            [self.rows[i] for i in pick],
        )

    def role_of(self) -> dict[str, str]:
        """Each sentence's role; a sentence in several roles is called an anchor first."""
        roles: dict[str, str] = {}
        for role, column in zip(
            ("negative", "positive", "anchor"), self.columns()[::-1], strict=True
        ):
            for text in column:
                roles[text] = role
        return roles


def _rows_text(rows: list[int], limit: int = 8) -> str:
    shown = ", ".join(str(row + 1) for row in rows[:limit])
    return shown + (" …" if len(rows) > limit else "")


def clean_triplets(table: pd.DataFrame, max_triplets: int = limits.TRIPLETS) -> Triplets:
    """The usable triplets of an edited table, and messages about the rest.

    Fully blank rows (e.g. a row just added in the editor) are skipped quietly; a row with some
    cells empty is skipped with a warning; identical anchor and positive (or negative) are kept
    with a note, because they teach the model nothing (or something impossible).
    """
    messages: list[Message] = []
    missing = [column for column in COLUMNS if column not in table.columns]
    if missing:
        return Triplets([], [], [], [], [Message("error", _missing_columns_text(table, missing))])
    cells = table[list(COLUMNS)].fillna("").astype(str)
    cells = cells.apply(lambda column: column.str.strip())
    anchors, positives, negatives, rows = [], [], [], []
    incomplete, same_positive, same_negative = [], [], []
    for row, (anchor, positive, negative) in enumerate(cells.itertuples(index=False)):
        filled = [bool(anchor), bool(positive), bool(negative)]
        if not any(filled):
            continue
        if not all(filled):
            incomplete.append(row)
            continue
        if anchor == positive:
            same_positive.append(row)
        if anchor == negative:
            same_negative.append(row)
        anchors.append(anchor)
        positives.append(positive)
        negatives.append(negative)
        rows.append(row)
    if incomplete:
        messages.append(
            Message(
                "warning",
                f"Row{'s' if len(incomplete) > 1 else ''} {_rows_text(incomplete)} "
                f"{'have' if len(incomplete) > 1 else 'has'} an empty cell and "
                f"{'are' if len(incomplete) > 1 else 'is'} left out: a triplet needs an anchor, "
                "a positive and a negative.",
            )
        )
    if same_positive:
        messages.append(
            Message(
                "info",
                f"Row {_rows_text(same_positive)}: the positive is the anchor itself, so "
                "cos(a,p) = 1 and the pair teaches the model nothing. Use a paraphrase instead.",
            )
        )
    if same_negative:
        messages.append(
            Message(
                "warning",
                f"Row {_rows_text(same_negative)}: the negative is the anchor itself, so "
                "cos(a,n) = 1: the loss can never reach zero for it.",
            )
        )
    if len(anchors) > max_triplets:
        messages.append(
            Message(
                "warning",
                f"{len(anchors):,} triplets is over the cap of {max_triplets:,}: the losses and "
                f"charts use the first {max_triplets:,}. Your table is kept as it is.",
            )
        )
        anchors, positives, negatives, rows = (
            anchors[:max_triplets],
            positives[:max_triplets],
            negatives[:max_triplets],
            rows[:max_triplets],
        )
    if not anchors:
        messages.append(
            Message(
                "error", "No complete triplet yet: fill in an anchor, a positive and a negative."
            )
        )
    return Triplets(anchors, positives, negatives, rows, messages)


def _missing_columns_text(table: pd.DataFrame, missing: list[str]) -> str:
    found = ", ".join(f"`{column}`" for column in table.columns) or "none"
    return (
        "A triplet CSV needs the columns `anchor`, `positive` and `negative` (in the first line); "
        f"this one lacks {', '.join(f'`{column}`' for column in missing)}. Its columns: {found}."
    )


def cut_cells(table: pd.DataFrame) -> tuple[pd.DataFrame, list[Message]]:
    """The table with every cell cut at `limits.CELL_CHARS`, and a message when any was."""
    long_cells = table.apply(lambda column: column.astype(str).str.len() > limits.CELL_CHARS)
    count = int(long_cells.to_numpy().sum())
    if not count:
        return table, []
    cut = table.apply(lambda column: column.astype(str).str.slice(0, limits.CELL_CHARS))
    return cut, [
        Message(
            "info",
            f"{count} cell{'s were' if count > 1 else ' was'} longer than "
            f"{limits.CELL_CHARS:,} characters and cut there (the model reads about that much).",
        )
    ]


def read_triplet_csv(
    data: bytes, filename: str = "upload.csv"
) -> tuple[pd.DataFrame, list[Message]]:
    """An uploaded CSV -> an editable table (anchor, positive, negative) and messages.

    Column names are matched without regard to case or spaces; other columns are dropped. A file
    without a single complete triplet is refused, so it never replaces a good table.

    Raises:
        InputError: not text, not a CSV, without the three columns, or without a complete row.
    """
    text, messages = decode_upload(data, filename)
    parsed = parse_csv(text)
    table = parsed.table
    messages.extend(parsed.messages)
    renames = {column: column.strip().lower() for column in table.columns}
    table = table.rename(columns=renames)
    missing = [column for column in COLUMNS if column not in table.columns]
    if missing:
        raise InputError(_missing_columns_text(table, missing))
    extra = [column for column in table.columns if column not in COLUMNS]
    if extra:
        messages.append(
            Message("info", "Columns left out: " + ", ".join(f"`{c}`" for c in extra) + ".")
        )
    table = table[list(COLUMNS)].fillna("").astype(str).reset_index(drop=True)
    complete = (table.apply(lambda column: column.str.strip() != "")).all(axis=1)
    if not complete.any():
        raise InputError(
            f"`{filename}` has no complete triplet (a row with an anchor, a positive and a "
            "negative), so it was not loaded."
        )
    if len(table) > limits.TABLE_ROWS:
        messages.append(
            Message(
                "warning",
                f"`{filename}` has {len(table):,} rows: the editor keeps the first "
                f"{limits.TABLE_ROWS:,} (the losses use at most {limits.TRIPLETS:,}, training fewer).",
            )
        )
        table = table.iloc[: limits.TABLE_ROWS].reset_index(drop=True)
    table, cut_messages = cut_cells(table)
    return table, messages + cut_messages


def parse_pasted(text: str) -> pd.DataFrame:
    """Rows pasted from a spreadsheet (tab-separated) or CSV text -> table of the three columns.

    A first line naming the columns is used as the header; otherwise the columns are taken in the
    order anchor, positive, negative.

    Raises:
        InputError: nothing to read, or a line with more than three cells.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise InputError(
            "Nothing to paste: one triplet per line, cells separated by tabs or commas."
        )
    separator = "\t" if "\t" in lines[0] else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, skipinitialspace=True)
    try:
        rows = [row for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise InputError(
            f"Could not read the pasted rows (line {reader.line_num:,}): {error}. Put one triplet "
            'per line with three cells (a comma inside a sentence needs "quotes", or use tabs).'
        ) from error
    if not rows:
        raise InputError(
            "Nothing to paste: one triplet per line, cells separated by tabs or commas."
        )
    widest = max(len(row) for row in rows)
    if widest > len(COLUMNS):
        raise InputError(
            f"The pasted rows have {widest} cells per line; a triplet has three (anchor, "
            'positive, negative). A comma inside a sentence needs "quotes", or paste with tabs.'
        )
    header = [cell.strip().lower() for cell in rows[0]]
    if header == list(COLUMNS)[: len(header)]:
        rows = rows[1:]
    cells = [(row + [""] * len(COLUMNS))[: len(COLUMNS)] for row in rows]
    return pd.DataFrame(cells, columns=list(COLUMNS), dtype=object).astype(str)


def table_csv(table: pd.DataFrame) -> bytes:
    """The table as UTF-8 CSV with the columns anchor, positive, negative."""
    return csv_bytes(table.reindex(columns=list(COLUMNS)).fillna(""))


def held_out_indices(n: int, held_out: int, seed: int = 0) -> list[int]:
    """Which of n triplets are kept out of training (sorted), picked at random but reproducibly."""
    held_out = max(0, min(held_out, n - 1))
    if held_out == 0:
        return []
    return sorted(np.random.default_rng(seed).choice(n, size=held_out, replace=False).tolist())


def training_split(n: int, held_out: int, cap: int) -> tuple[list[int], list[int], bool]:
    """Which of n triplets train and which are held out.

    Args:
        held_out: how many to keep out of training (see `held_out_indices`).
        cap: at most this many train; the first ones are kept.

    Returns:
        (training indices, held-out indices, True when the cap cut the training set).
    """
    kept_out = held_out_indices(n, held_out)
    training = [i for i in range(n) if i not in kept_out]
    return training[:cap], kept_out, len(training) > cap


def loss_rows(triplets: Triplets, losses: BatchLosses) -> dict[str, list]:
    """One row per triplet: its table row (1-based), texts, cosines, three losses and class."""
    return {
        "row": [row + 1 for row in triplets.rows],
        "anchor": triplets.anchors,
        "positive": triplets.positives,
        "negative": triplets.negatives,
        "cos(a,p)": list(losses.cos_ap),
        "cos(a,n)": list(losses.cos_an),
        "cosine-margin": list(losses.cosine_margin),
        "triplet": list(losses.triplet),
        "InfoNCE": list(losses.info_nce),
        "class": losses.classes,
    }


def append_pasted(current: pd.DataFrame, text: str) -> tuple[pd.DataFrame | None, Message]:
    """The table with the pasted rows appended (up to `limits.TABLE_ROWS` rows), and what happened;
    None (the table stays as it is) when the text is too long or cannot be read."""
    if len(text) > limits.PASTE_CHARS:
        return None, Message(
            "error",
            f"The pasted text has {len(text):,} characters; the limit "
            f"is {limits.PASTE_CHARS:,}. Paste fewer rows at a time. Your table "
            "is unchanged.",
        )
    try:
        pasted = parse_pasted(text)
    except InputError as error:
        return None, Message("error", str(error))
    pasted, _ = cut_cells(pasted)
    room = max(0, limits.TABLE_ROWS - len(current))
    message = Message("info", f"Added {len(pasted)} pasted row(s).")
    if len(pasted) > room:
        message = Message(
            "warning",
            f"The table holds at most {limits.TABLE_ROWS:,} rows: added "
            f"the first {room:,} of {len(pasted):,} pasted rows.",
        )
        pasted = pasted.iloc[:room]
    return pd.concat([current, pasted], ignore_index=True), message
