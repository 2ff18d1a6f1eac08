"""Tables as CSV downloads that a spreadsheet opens safely."""

from __future__ import annotations

import io

import pandas as pd

# A spreadsheet runs a cell that starts with one of these as a formula ("CSV injection"; OWASP
# lists = + - @ and the tab and carriage return that some programs strip before them).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A text cell a spreadsheet will not run: a leading = + - @ (or tab, CR) gets a ' prefix.

    Other values (numbers, missing values) are returned unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(table: pd.DataFrame) -> bytes:
    """UTF-8 CSV of a table (no index) with every formula-looking text cell neutralised."""
    safe = table.copy()
    for column in safe.columns:
        if pd.api.types.is_object_dtype(safe[column]) or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(safe_cell)
    buffer = io.StringIO()
    safe.to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")
