"""The one map of sentences, `map_scatter` (Explore, the Map lab, the class room), Explore's
`projection_scatter` on top of it, and `label_positions`, which places point labels so that they
do not overlap (also used by the token map).

Payloads stay bounded by construction: hover text per point shrinks with the number of points,
WebGL above `BIG_SCATTER` points, labels only up to `TEXT_LABELS_MAX` points.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from components.charts.common import (
    HOVER_BYTES,
    PALETTE,
    PLOT_PX,
    escape,
    hover_chars,
    hover_text,
    short_label,
    within_bytes,
)

BIG_SCATTER = 1_000  # above this many points, WebGL (Scattergl) keeps the browser responsive
TEXT_LABELS_MAX = 25  # up to this many points, each carries its sentence as a label
GREY = "rgba(160, 160, 160, 0.25)"  # points left out of a selection
KEPT_SCALE = "Viridis"  # dark = few real neighbours kept, yellow = all kept
MAP_HEIGHT = 460
LABEL_PX = (6.2, 15.0)  # one character's width and a label's height at font size 11, in pixels


def label_positions(
    coords: np.ndarray, labels: Sequence[str], plot_px: tuple[float, float] = PLOT_PX
) -> list[str | None]:
    """Where each point's label goes ("top center", "top left", ...) or None for hover only.

    Labels are placed greedily, in order, on a plot of `plot_px` (the smallest the page draws,
    with equal scales on both axes): a label that would cover one already placed, or a point
    other than its own, is left to the hover box; near the right or left edge a label is written
    inward so that it stays inside the plot.
    """
    coords = np.asarray(coords, dtype=float)[:, :2]
    if not len(coords):
        return []
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = np.maximum(high - low, 1e-9)
    scale = min(plot_px[0] / span[0], plot_px[1] / span[1])
    pixels = (coords - low) * scale  # y grows upwards
    width_px = span[0] * scale
    char_px, line_px = LABEL_PX
    placed: list[tuple[float, float, float, float]] = []
    positions: list[str | None] = []
    for (x, y), label in zip(pixels, labels, strict=True):
        width = char_px * len(label) + 4
        if x + width / 2 > width_px:
            side, left = "top left", x - width
        elif x - width / 2 < 0:
            side, left = "top right", x
        else:
            side, left = "top center", x - width / 2
        box = (left, y + 5, left + width, y + 5 + line_px)
        covers = any(
            box[0] < other[2] and other[0] < box[2] and box[1] < other[3] and other[1] < box[3]
            for other in placed
        ) or any(
            box[0] - 4 < px < box[2] + 4 and box[1] - 4 < py < box[3] + 4
            for px, py in pixels
            if (px, py) != (x, y)
        )
        positions.append(None if covers else side)
        if not covers:
            placed.append(box)
    return positions


def map_scatter(
    coords: np.ndarray,
    texts: Sequence[str],
    *,
    groups: Sequence[str] | None = None,
    kept: np.ndarray | None = None,
    highlight: Sequence[int] | None = None,
    focus: int | None = None,
    labels: bool = False,
    title: str = "",
    subtitle: str = "",
    height: int = MAP_HEIGHT,
    dragmode: str = "zoom",
    legend_below: bool = False,
    group_order: Sequence[str] | None = None,
) -> go.Figure:
    """The one map of sentences: 2D or 3D, by group or by kept share, with a selection greyed
    out, one point ringed and, on small maps, labels that do not overlap.

    Every point's `customdata` is `[row index, hover text]` (selections and clicks read the
    index back). Payloads stay bounded by construction: hover text per point shrinks with the
    number of points (`hover_chars`, `within_bytes`), WebGL above `BIG_SCATTER` points.

    Args:
        coords: (n, 2) or (n, 3) map coordinates.
        texts: the n sentences (hover, labels).
        groups: a label per sentence: one colour each (ignored when `kept` is given).
        kept: (n,) kept share per sentence (see `projection.honesty`): colours the points on a
            0-1 scale, dark = its map neighbours are mostly not its real neighbours.
        highlight: row indices to show; when given (even empty), every other point is greyed.
        focus: one row to ring (the picked sentence).
        labels: write each sentence next to its point, up to `TEXT_LABELS_MAX` points (2D
            labels that would overlap stay in the hover box).
        title: shown above the map, `subtitle` under it (what it was computed with).
        dragmode: what a mouse drag does: "zoom", "select" (a box) or "lasso".
        legend_below: legend and colour bar under the map (for narrow columns).
        group_order: the groups in legend order (default: order of first appearance).
    """
    coords = np.asarray(coords, dtype=np.float64)
    n_dims = 3 if coords.ndim == 2 and coords.shape[1] == 3 else 2
    coords = coords.reshape(-1, n_dims)
    n = coords.shape[0]
    groups = list(groups) if groups is not None else [""] * n
    shown = np.arange(n) if highlight is None else np.unique(np.asarray(highlight, dtype=int))
    shown = shown[(shown >= 0) & (shown < n)]
    big = n > BIG_SCATTER
    size = 5 if n_dims == 3 else 7 if big else 9
    if big:  # big maps' coordinates as float32: half the bytes
        coords = coords.astype(np.float32)
    # Past ~5,000 points even `least` characters could be too many bytes (emoji): cut by bytes
    # too (95%: the line breaks of the wrapping).
    chars, budget = hover_chars(n), int(0.95 * HOVER_BYTES / max(n, 1))
    extra = [""] * n
    if kept is not None:
        extra = [f"<br>kept {share:.0%} of its neighbours" for share in np.asarray(kept)]
    labelled = labels and n <= TEXT_LABELS_MAX
    label_text = [short_label(text, 28, webgl=n_dims == 3) for text in texts] if labelled else []
    where = label_positions(coords, label_text) if labelled and n_dims == 2 else []
    if focus is not None and where and 0 <= focus < n:
        where[focus] = None  # the ring carries the picked sentence's label, above the ring

    def points(rows: np.ndarray, name: str, marker: dict, legend: bool) -> go.Scatter:
        hovers = [
            hover_text(within_bytes(texts[i], budget), max_chars=chars) + extra[i] for i in rows
        ]
        common = {
            "name": name,
            "mode": "markers",
            "marker": marker,
            "customdata": np.column_stack([rows, hovers]) if rows.size else None,
            "hovertemplate": "%{customdata[1]}<extra>%{fullData.name}</extra>",
            "showlegend": legend,
        }
        if labelled and n_dims == 3:
            common |= {"mode": "markers+text", "text": [label_text[i] for i in rows]}
            common |= {"textposition": "top center", "textfont": {"size": 11}}
        elif labelled:
            common |= {
                "mode": "markers+text",
                "text": [label_text[i] if where[i] else "" for i in rows],
                "textposition": [where[i] or "top center" for i in rows],
                "textfont": {"size": 11},
            }
        if n_dims == 3:
            return go.Scatter3d(x=coords[rows, 0], y=coords[rows, 1], z=coords[rows, 2], **common)
        trace = go.Scattergl if big else go.Scatter
        return trace(x=coords[rows, 0], y=coords[rows, 1], **common)

    # A subtitle in lines that fit the narrowest map (about 300 px at font size 11).
    subtitle_lines_list = textwrap.wrap(subtitle, 44) if subtitle else []
    subtitle_text = "<br>".join(escape(line) for line in subtitle_lines_list)
    subtitle_lines = len(subtitle_lines_list)
    figure = go.Figure()
    if highlight is not None:
        rest = np.setdiff1d(np.arange(n), shown)
        grey = {"size": size - 2, "color": GREY}
        figure.add_trace(points(rest, "not selected", grey, bool(rest.size)))
    if kept is not None:
        colorbar = {"title": {"text": "kept"}, "tickformat": ".0%", "len": 0.8}
        if legend_below:
            colorbar |= {"orientation": "h", "y": -0.05, "yanchor": "top", "thickness": 12}
        scale = {
            "size": size,
            "color": np.asarray(kept, dtype=float)[shown],
            "colorscale": KEPT_SCALE,
            "cmin": 0.0,
            "cmax": 1.0,
            "colorbar": colorbar,
        }
        figure.add_trace(points(shown, "kept share", scale, False))
    else:
        order = dict.fromkeys([*(group_order or []), *groups])
        group_of = np.asarray(groups, dtype=object)
        shown_set = np.zeros(n, dtype=bool)
        shown_set[shown] = True
        for number, group in enumerate(order):
            rows = np.flatnonzero((group_of == group) & shown_set) if n else np.zeros(0, int)
            if rows.size:
                colour = {"size": size, "color": PALETTE[number % len(PALETTE)]}
                name = short_label(group, 40) or "sentences"
                figure.add_trace(points(rows, name, colour, bool(group)))
    if focus is not None and 0 <= focus < n:
        figure.add_trace(_ring(coords[focus], label_text[focus] if labelled else ""))
    figure.update_layout(
        title={
            "text": escape(title),
            "font": {"size": 14},
            "subtitle": {"text": subtitle_text, "font": {"size": 11}},
        }
        if title
        else None,
        height=height,
        margin={"l": 10, "r": 10, "t": 44 + 18 * subtitle_lines if title else 10, "b": 10},
        legend={"itemsizing": "constant"}
        | (
            {"orientation": "h", "y": -0.02, "yanchor": "top", "font": {"size": 11}}
            if legend_below
            else {}
        ),
        dragmode="pan" if n_dims == 3 else dragmode,
    )
    if n_dims == 3:  # projected axes have no units: ticks would only suggest they mean something
        hidden = {"showticklabels": False, "title": ""}
        figure.update_layout(scene={"xaxis": hidden, "yaxis": hidden, "zaxis": hidden})
        return figure
    # Projected axes have no units: no ticks, no grid, only a frame.
    frame = {
        "showticklabels": False,
        "title": None,
        "showgrid": False,
        "zeroline": False,
        "showline": True,
        "linecolor": "#ddd",
        "mirror": True,
    }
    figure.update_xaxes(**frame)
    figure.update_yaxes(**frame, scaleanchor="x")
    return figure


def _ring(point: np.ndarray, label: str) -> go.Scatter | go.Scatter3d:
    """A ring around the picked point, its label above the ring (never under it)."""
    ring = {
        "mode": "markers+text" if label else "markers",
        "text": [label] if label else None,
        "textposition": "top center",
        "textfont": {"size": 12},
        "marker": {"size": 18, "color": "rgba(0,0,0,0)", "line": {"width": 3, "color": "black"}},
        "name": "selected",
        "hoverinfo": "skip",
        "showlegend": False,
    }
    if len(point) == 3:
        return go.Scatter3d(x=[point[0]], y=[point[1]], z=[point[2]], **ring)
    return go.Scatter(x=[point[0]], y=[point[1]], **ring)


def projection_scatter(
    coords: np.ndarray,
    texts: Sequence[str],
    groups: Sequence[str] | None = None,
    *,
    highlight: int | None = None,
    title: str = "",
) -> go.Figure:
    """Explore's map: `map_scatter` with labels on small maps and the picked point ringed."""
    return map_scatter(
        coords, texts, groups=groups, focus=highlight, labels=True, title=title, height=560
    )
