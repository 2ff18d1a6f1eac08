"""Checks on the sentences a user brings to Explore: an uploaded file, the labels that colour the
map, and sentences longer than the model's window. Pure functions: the page shows what they say."""

from __future__ import annotations

from collections.abc import Sequence

from components.core.texts import InputError, Message, decode_upload, parse_csv, parse_lines

NO_LABEL = ""  # the label of a sentence drawn in the map's single colour
TYPED = "typed"  # the label of a line the user typed (not from a preset)
SHOWN_ROWS = 10  # sentence numbers listed in the truncation warning


def read_sentence_file(name: str, data: bytes) -> tuple[str, list[Message]]:
    """The text of an uploaded .txt (one sentence a line) or .csv file, and notes about it.

    Args:
        name: the file's name; a `.csv` suffix (any case) reads it as a table.
        data: its bytes.

    Returns:
        (decoded text, messages about decoding and parsing).

    Raises:
        InputError: binary or undecodable data, a CSV with no text in any column, or a text file
            with only blank lines.
    """
    content, messages = decode_upload(data, name)
    if name.lower().endswith(".csv"):
        parsed = parse_csv(content)
        messages = [*messages, *parsed.messages]
        if not any(
            parsed.table[column].str.strip().ne("").any() for column in parsed.table.columns
        ):
            raise InputError(f"`{name}` has no text in any column.")
    elif not parse_lines(content).texts:
        raise InputError(f"`{name}` has no sentences (only blank lines).")
    return content, messages


def colour_labels(labels: Sequence[str] | None, n: int, max_colours: int) -> tuple[list[str], str]:
    """The labels that colour the map of n sentences, and a warning when they were dropped.

    Args:
        labels: one label per sentence, or None.
        n: the number of sentences.
        max_colours: more distinct labels than this are not readable as colours.

    Returns:
        (n labels, `NO_LABEL` for one colour; a warning, "" when none). Only `TYPED` labels (no
        preset line left) mean one colour, without a warning.
    """
    chosen = list(labels) if labels else [NO_LABEL] * n
    distinct = set(chosen)
    if distinct == {TYPED}:
        return [NO_LABEL] * n, ""
    if len(distinct) > max_colours:
        return [NO_LABEL] * n, (
            f"The labels have {len(distinct)} different values; colours are only readable up "
            f"to {max_colours}, so the map is drawn in one colour."
        )
    return chosen, ""


def truncation_warning(token_counts: Sequence[int], window: int) -> str:
    """What to tell the user about sentences longer than the model's window ("" when none).

    Args:
        token_counts: the tokens of each sentence, before truncation.
        window: the model's window in tokens.
    """
    too_long = [row for row, count in enumerate(token_counts) if count > window]
    if not too_long:
        return ""
    rows = ", ".join(str(row + 1) for row in too_long[:SHOWN_ROWS])
    more = " …" if len(too_long) > SHOWN_ROWS else ""
    verb = "s are" if len(too_long) > 1 else " is"
    return (
        f"{len(too_long)} sentence{verb} longer than the model's window of {window} tokens "
        f"(sentence {rows}{more}): the model reads only the first tokens and silently ignores "
        "the rest. Split long text into chunks."
    )
