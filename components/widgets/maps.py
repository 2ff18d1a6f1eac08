"""Map controls: projection method and parameters, points clicked or selected on a chart, and the
row picker that a click on the map moves."""

from __future__ import annotations

from typing import Any

import streamlit as st

from components.vectors.projection import METHOD_NAMES
from components.widgets.state import note_page_default, persist


def projection_controls(prefix: str) -> tuple[str, int, dict[str, float]]:
    """Side by side: the projection method, 2D or 3D, and the method's parameters (kept under
    `{prefix}_method`, `{prefix}_dims`, ...; the parameters are hidden in presenter mode)."""
    controls = st.columns([2, 1, 3])
    method = controls[0].radio(
        "Method",
        list(METHOD_NAMES)[:3],
        format_func=METHOD_NAMES.get,
        horizontal=True,
        key=persist(f"{prefix}_method", "umap"),
        help="UMAP keeps local neighbourhoods and some global shape; PCA is a linear, exact "
        "rotation (fast, but crowds clusters); t-SNE separates clusters well but distorts "
        "distances between them.",
    )
    dims = controls[1].radio(
        "View",
        [2, 3],
        format_func=lambda d: f"{d}D",
        horizontal=True,
        key=persist(f"{prefix}_dims", 2),
        help="2D is easier to read; 3D keeps a little more of the structure (drag to rotate).",
    )
    params: dict[str, float] = {}
    with controls[2].container(key=f"advanced_{prefix}_params"):  # hidden in presenter mode
        if method == "umap":
            left, right = st.columns(2)
            params["n_neighbors"] = left.slider(
                "Neighbours",
                2,
                100,
                key=persist(f"{prefix}_n_neighbors", 15),
                help="How many neighbours UMAP looks at: small = local detail, large = global "
                "shape.",
            )
            params["min_dist"] = right.slider(
                "Min distance",
                0.0,
                0.99,
                step=0.01,
                key=persist(f"{prefix}_min_dist", 0.1),
                help="How tightly UMAP may pack points together.",
            )
        elif method == "tsne":
            params["perplexity"] = st.slider(
                "Perplexity",
                2,
                100,
                key=persist(f"{prefix}_perplexity", 30),
                help="Roughly, the number of neighbours each point cares about.",
            )
        else:
            st.caption("PCA has no knobs: it keeps the directions of largest variance.")
    return method, dims, params


def clicked_point(chart_key: str) -> int | None:
    """The row (`customdata[0]`) of the point newly clicked on the chart `chart_key`, once per
    click (None when no new point was picked since the last run)."""
    selection = (st.session_state.get(chart_key) or {}).get("selection", {})
    points = tuple(
        int(point["customdata"][0])
        for point in selection.get("points", [])
        if point.get("customdata")
    )
    applied_key = f"_{chart_key}_applied"
    if not points or points == st.session_state.get(applied_key):
        return None
    st.session_state[applied_key] = points
    return points[0]


def clicked_row(chart_key: str, texts: list[str], keys: tuple[str, str], select_max: int) -> int:
    """The row picked by a click on the chart `chart_key` or kept by the `row_picker` of the same
    `keys` and `select_max` (else 0): a click moves that picker's choice."""
    select_key, number_key = keys
    large = len(texts) > select_max
    row = clicked_point(chart_key)
    if row is not None and row < len(texts):
        st.session_state[number_key if large else select_key] = row + 1 if large else texts[row]
    if large:
        return min(max(int(st.session_state.get(number_key, 1)), 1), len(texts)) - 1
    focus = st.session_state.get(select_key)
    return texts.index(focus) if focus in texts else 0


def row_picker(
    texts: list[str],
    focus: int,
    keys: tuple[str, str],
    select_max: int,
    container: Any = st,
    help: str | None = None,
) -> int:
    """Pick one of the texts: by a select box up to `select_max` of them (under `keys[0]`), by
    its number past that (under `keys[1]`, with the text below). `focus` is picked when the
    kept choice is not one of these texts. Returns the picked row."""
    select_key, number_key = keys
    n = len(texts)
    if n <= select_max:
        note_page_default(select_key, texts[0])
        if st.session_state.get(select_key) not in texts:
            st.session_state[select_key] = texts[focus]
        return texts.index(container.selectbox("Sentence", texts, key=select_key, help=help))
    st.session_state[number_key] = focus + 1
    row = (
        container.number_input(
            f"Sentence number (1 to {n:,}; or click a point on the map)", 1, n, key=number_key
        )
        - 1
    )
    container.caption(f"**{row + 1:,}.** {texts[row]}")
    return row


def selected_rows(key: str) -> list[int]:
    """Row ids (`customdata[0]`) of the points selected (click, box or lasso) on chart `key`."""
    selection = (st.session_state.get(key) or {}).get("selection") or {}
    return sorted(
        {
            int(point["customdata"][0])
            for point in selection.get("points", [])
            if point.get("customdata")
        }
    )
