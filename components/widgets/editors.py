"""Editable tables whose edits survive a visit to another page, and the triplet table of the Loss
lab (preset, CSV upload, pasted rows, CSV download)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from components.core import limits
from components.core.texts import Message
from components.data.samples import DEFAULT_TRIPLET_PRESET, TRIPLET_PRESETS, load_triplet_preset
from components.data.triplets import COLUMNS as TRIPLET_COLUMNS
from components.data.triplets import append_pasted, read_triplet_csv, table_csv
from components.widgets.inputs import preset_picker
from components.widgets.layout import show_messages
from components.widgets.uploads import read_once


def replace_table(name: str, table: pd.DataFrame) -> None:
    """Put a new table in the `table_editor` called `name` (its old edits no longer apply)."""
    st.session_state[f"{name}_table"] = table.reset_index(drop=True)
    version = f"{name}_editor_version"
    st.session_state[version] = st.session_state.get(version, 0) + 1
    st.session_state.pop(f"_{name}_table_edited", None)


def edited_table(name: str) -> pd.DataFrame:
    """The table of `table_editor` `name` with the user's edits of the last run."""
    return st.session_state.get(f"_{name}_table_edited", st.session_state[f"{name}_table"])


def table_editor(name: str, **options: Any) -> pd.DataFrame:
    """An editable table whose edits survive a visit to another page; `replace_table` sets it.

    Streamlit's data editor keeps edits as a diff against the table it was given, under its
    key: a new table gets a new key (a version number), and the edited table is kept aside.
    """
    key = f"{name}_editor_{st.session_state[f'{name}_editor_version']}"
    if key not in st.session_state and f"_{name}_table_edited" in st.session_state:
        st.session_state[f"{name}_table"] = st.session_state[f"_{name}_table_edited"]  # came back
    edited = st.data_editor(st.session_state[f"{name}_table"], key=key, **options)
    st.session_state[f"_{name}_table_edited"] = edited
    return edited


def _add_pasted(name: str) -> None:
    """Append the pasted rows to table `name` (an error leaves the table as it is)."""
    ss = st.session_state
    table, ss[f"_{name}_paste_message"] = append_pasted(
        edited_table(name), ss.get(f"{name}_paste", "")
    )
    if table is not None:
        replace_table(name, table)
        ss[f"{name}_paste"] = ""


def _paste_box(name: str) -> None:
    with st.expander("Paste rows from a spreadsheet"):
        st.text_area(
            "One triplet per line: anchor, positive, negative (tab- or comma-separated)",
            key=f"{name}_paste",
            height=100,
            max_chars=limits.PASTE_CHARS,
            help="Copy three columns from a spreadsheet and paste them here. You can also paste "
            f"straight into the table below: select a cell and press Ctrl+V. Up to "
            f"{limits.PASTE_CHARS:,} characters; the table keeps {limits.TABLE_ROWS:,} rows.",
        )
        st.button(
            "Add the pasted rows",
            key=f"{name}_paste_add",
            on_click=_add_pasted,
            args=(name,),
            help="Append the pasted rows to the table below.",
        )
        if f"_{name}_paste_message" in st.session_state:
            show_messages([st.session_state.pop(f"_{name}_paste_message")])


def triplet_table(name: str) -> pd.DataFrame:
    """The editable anchor / positive / negative table `name` (a preset on the first visit), fed
    by a preset picker, a CSV upload or pasted rows, with a CSV download; returns it as edited.
    A bad upload or paste leaves the table as it is."""
    if f"{name}_table" not in st.session_state:  # first visit: a preset, no typing needed
        replace_table(name, load_triplet_preset(DEFAULT_TRIPLET_PRESET))
    left, right = st.columns([2, 3])
    preset_picker(
        "Start from a preset",
        TRIPLET_PRESETS,
        f"{name}_preset",
        DEFAULT_TRIPLET_PRESET,
        lambda preset: replace_table(name, load_triplet_preset(preset)),
        container=left,
        help="Picking a preset replaces the table. The project triplets include hard ones: "
        "negatives that share words with the anchor ('bank account' / 'river bank'), positives "
        "that share none.",
    )
    uploaded = right.file_uploader(
        "Or upload a CSV with the columns anchor, positive, negative",
        type=["csv", "txt"],
        key=f"{name}_upload",
        help=f"Up to {limits.UPLOAD_MB} MB; the table keeps the first {limits.TABLE_ROWS:,} "
        "rows. A file without one complete row is refused and your table is kept.",
    )

    def read(data: bytes, file_name: str) -> list[Message]:
        table, messages = read_triplet_csv(data, file_name)
        replace_table(name, table)
        return messages

    if uploaded is not None:
        read_once(uploaded, f"{name}_upload", read)
    _paste_box(name)
    rows = len(st.session_state[f"{name}_table"])
    edited = table_editor(
        name,
        num_rows="dynamic",
        width="stretch",
        height=min(420, 36 * (rows + 2)),
        column_config={
            column: st.column_config.TextColumn(column, width=150, max_chars=limits.CELL_CHARS)
            for column in TRIPLET_COLUMNS
        },
    )
    st.caption(
        "Double-click a cell to edit it, add rows at the bottom, select rows (click left of a "
        "row) and press Delete to remove them. The `row` column in the tables below counts this "
        "table's rows from the top (first row = 1)."
    )
    st.download_button(
        "Download the table (CSV)",
        table_csv(edited),
        file_name="triplets.csv",
        mime="text/csv",
        key=f"{name}_download_csv",
        help="The table as it is now, with your edits, as a CSV you can load again.",
    )
    return edited
