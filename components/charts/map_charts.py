"""Figures of the map lab: honest maps (coloured by kept share, selections greyed out), semantic
axes, and the geometry lessons. User text is HTML-escaped before it reaches a figure.

Every map is a 2D scatter whose `customdata[0]` is the row index of the sentence (selections and
clicks read it back). Payloads stay small by construction: one hover string per point, shortened
for big inputs, WebGL above `BIG_SCATTER` points.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from components.charts.charts import BIG_SCATTER, PALETTE, hover_text, short_label
from components.explore.axes import Axis

GREY = "rgba(160, 160, 160, 0.25)"
KEPT_SCALE = "Viridis"  # dark = few real neighbours kept, yellow = all kept
HOVER_CHARS_SMALL, HOVER_CHARS_BIG = 300, 120  # per point: a 5,000-point map stays ~1-2 MB
MAP_HEIGHT = 460


def _hovers(texts: Sequence[str], rows: np.ndarray, extra: Sequence[str] | None = None) -> list:
    max_chars = HOVER_CHARS_SMALL if len(texts) <= BIG_SCATTER else HOVER_CHARS_BIG
    return [
        [int(i), hover_text(texts[i], 60, max_chars) + (extra[i] if extra is not None else "")]
        for i in rows
    ]


def map_scatter(
    coords: np.ndarray,
    texts: Sequence[str],
    *,
    groups: Sequence[str] | None = None,
    kept: np.ndarray | None = None,
    highlight: Sequence[int] | None = None,
    title: str = "",
    subtitle: str = "",
    height: int = MAP_HEIGHT,
    dragmode: str = "zoom",
    legend_below: bool = False,
    group_order: Sequence[str] | None = None,
) -> go.Figure:
    """A 2D map of sentences.

    Args:
        coords: (n, 2) map coordinates.
        texts: the n sentences (hover).
        groups: a label per sentence: one colour each (ignored when `kept` is given).
        kept: (n,) kept share per sentence (see `projection.honesty`): colours the points on a
            0-1 scale, dark = its map neighbours are mostly not its real neighbours.
        highlight: row indices to show; when given (even empty), every other point is greyed.
        title: shown above the map, `subtitle` under it (what it was computed with).
        dragmode: what a mouse drag does: "zoom", "select" (a box) or "lasso".
        legend_below: legend and colour bar under the map (for narrow columns).
        group_order: the groups in legend order (default: order of first appearance).
    """
    coords = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
    n = coords.shape[0]
    groups = list(groups) if groups is not None else [""] * n
    shown = np.arange(n) if highlight is None else np.unique(np.asarray(highlight, dtype=int))
    shown = shown[(shown >= 0) & (shown < n)]
    size = 7 if n > BIG_SCATTER else 9
    extra = None
    if kept is not None:
        extra = [f"<br>kept {share:.0%} of its neighbours" for share in np.asarray(kept)]

    def points(rows: np.ndarray, name: str, marker: dict, legend: bool) -> go.Scatter:
        trace = go.Scattergl if n > BIG_SCATTER else go.Scatter
        return trace(
            x=coords[rows, 0],
            y=coords[rows, 1],
            mode="markers",
            name=name,
            marker=marker,
            customdata=_hovers(texts, rows, extra),
            hovertemplate="%{customdata[1]}<extra>%{fullData.name}</extra>",
            showlegend=legend,
        )

    figure = go.Figure()
    if highlight is not None:
        rest = np.setdiff1d(np.arange(n), shown)
        grey = {"size": size - 2, "color": GREY}
        figure.add_trace(points(rest, "not selected", grey, bool(rest.size)))
    if kept is not None:
        scale = {
            "size": size,
            "color": np.asarray(kept, dtype=float)[shown],
            "colorscale": KEPT_SCALE,
            "cmin": 0.0,
            "cmax": 1.0,
            "colorbar": {"title": {"text": "kept"}, "tickformat": ".0%", "len": 0.8}
            | (
                {"orientation": "h", "y": -0.05, "yanchor": "top", "thickness": 12}
                if legend_below
                else {}
            ),
        }
        figure.add_trace(points(shown, "kept share", scale, False))
    else:
        order = dict.fromkeys([*(group_order or []), *groups])
        for number, group in enumerate(order):
            rows = np.array([i for i in shown if groups[i] == group], dtype=int)
            if rows.size:
                colour = {"size": size, "color": PALETTE[number % len(PALETTE)]}
                figure.add_trace(
                    points(rows, html.escape(group) or "sentences", colour, bool(group))
                )
    figure.update_layout(
        title={
            "text": html.escape(title),
            "font": {"size": 14},
            "subtitle": {"text": html.escape(subtitle), "font": {"size": 11}},
        }
        if title
        else None,
        height=height,
        margin={"l": 10, "r": 10, "t": (55 if subtitle else 40) if title else 10, "b": 10},
        legend={"itemsizing": "constant"}
        | (
            {"orientation": "h", "y": -0.02, "yanchor": "top", "font": {"size": 11}}
            if legend_below
            else {}
        ),
        dragmode=dragmode,
    )
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


def explained_variance_bars(shares: np.ndarray) -> go.Figure:
    """Share of the total variance along each PCA axis, with the running total."""
    shares = np.asarray(shares, dtype=float)
    axes = [f"PC{i}" for i in range(1, len(shares) + 1)]
    figure = go.Figure(
        go.Bar(
            x=axes,
            y=shares,
            texttemplate="%{y:.1%}",
            textposition="outside",
            marker_color="#1f77b4",
            customdata=np.cumsum(shares),
            hovertemplate="%{x}: %{y:.2%} of the variance<br>first axes together: "
            "%{customdata:.2%}<extra></extra>",
        )
    )
    figure.update_layout(
        height=220,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis={"tickformat": ".0%", "range": [0, max(0.05, float(shares.max(initial=0)) * 1.3)]},
    )
    return figure


def _pole_lines(figure: go.Figure, axis: Axis, orientation: str) -> None:
    """Dashed lines at the two pole centres, named."""
    for position, name in ((-axis.half_length, axis.name_a), (axis.half_length, axis.name_b)):
        label = f"{'◀' if position < 0 else '▶'} {short_label(name, 30)}"
        if orientation == "x":
            figure.add_vline(x=position, line_dash="dash", line_color="#555", annotation_text=label)
        else:
            figure.add_hline(y=position, line_dash="dash", line_color="#555", annotation_text=label)


def axis_strip(
    positions: np.ndarray, texts: Sequence[str], groups: Sequence[str], axis: Axis
) -> go.Figure:
    """Every sentence on one axis: x = its position, one row per group."""
    positions = np.asarray(positions, dtype=float)
    n = positions.shape[0]
    names = list(dict.fromkeys(groups)) or [""]
    rng = np.random.default_rng(0)  # a fixed, small vertical jitter so points do not hide
    figure = go.Figure()
    trace = go.Scattergl if n > BIG_SCATTER else go.Scatter
    for number, group in enumerate(names):
        rows = np.array([i for i in range(n) if groups[i] == group], dtype=int)
        figure.add_trace(
            trace(
                x=positions[rows],
                y=np.full(rows.size, number) + rng.uniform(-0.25, 0.25, rows.size),
                mode="markers",
                name=html.escape(group) or "sentences",
                marker={"size": 9, "color": PALETTE[number % len(PALETTE)]},
                customdata=_hovers(texts, rows, [f"<br>position {p:+.3f}" for p in positions]),
                hovertemplate="%{customdata[1]}<extra>%{fullData.name}</extra>",
                showlegend=False,
            )
        )
    _pole_lines(figure, axis, "x")
    figure.update_layout(
        height=max(220, 60 * len(names) + 100),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={
            "title": f"{html.escape(axis.name_a)} ◀ position on the axis ▶ "
            f"{html.escape(axis.name_b)}",
            "zeroline": True,
        },
        yaxis={
            "tickvals": list(range(len(names))),
            "ticktext": [short_label(name, 40) for name in names],
            "autorange": "reversed",
        },
    )
    return figure


def axis_map_chart(
    coords: np.ndarray,
    texts: Sequence[str],
    groups: Sequence[str],
    x_axis: Axis,
    y_axis: Axis,
) -> go.Figure:
    """Sentences placed by two semantic axes, the pole centres marked on both."""
    figure = map_scatter(coords, texts, groups=groups, height=520)
    _pole_lines(figure, x_axis, "x")
    _pole_lines(figure, y_axis, "y")
    for update, axis in ((figure.update_xaxes, x_axis), (figure.update_yaxes, y_axis)):
        title = f"{html.escape(axis.name_a)} ◀ ▶ {html.escape(axis.name_b)}"
        update(showticklabels=True, showgrid=True, zeroline=True, title=title)
    figure.update_layout(dragmode="zoom", legend={"orientation": "h", "y": -0.2})
    return figure


def overlap_bars(table: pd.DataFrame, label: str, value: str, *, note: str = "") -> go.Figure:
    """Horizontal bars of an overlap column (0-1), one per row of a lesson table."""
    figure = go.Figure(
        go.Bar(
            x=table[value],
            y=[html.escape(str(name)) for name in table[label]],
            orientation="h",
            texttemplate="%{x:.0%}",
            textposition="outside",
            marker_color="#1f77b4",
            hovertemplate="%{y}: %{x:.1%}<extra></extra>",
        )
    )
    figure.update_layout(
        height=max(180, 38 * len(table) + 70),
        margin={"l": 10, "r": 10, "t": 30 if note else 10, "b": 10},
        title={"text": html.escape(note), "font": {"size": 13}} if note else None,
        xaxis={"range": [0, 1.12], "tickformat": ".0%", "title": value},
        yaxis={"autorange": "reversed"},
    )
    return figure


def truncation_line(table: pd.DataFrame, value: str) -> go.Figure:
    """Neighbour overlap against the number of dimensions kept."""
    figure = go.Figure(
        go.Scatter(
            x=table["dims"],
            y=table[value],
            mode="lines+markers+text",
            text=[f"{v:.0%}" for v in table[value]],
            textposition="top left",
            line={"color": "#1f77b4"},
            customdata=table["bytes per vector"],
            hovertemplate="%{x} dims (%{customdata} bytes): %{y:.1%}<extra></extra>",
        )
    )
    figure.update_layout(
        height=280,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={
            "title": "dimensions kept (the first ones)",
            "type": "log",
            "tickvals": table["dims"].tolist(),
            "ticktext": [str(d) for d in table["dims"]],
        },
        yaxis={"title": value, "range": [0, 1.1], "tickformat": ".0%"},
    )
    return figure


KNOB_FORMATS = {
    "n_neighbors": "{:.0f} neighbours",
    "min_dist": "min dist {:.2f}",
    "perplexity": "perplexity {:.0f}",
}


def map_title(params: dict[str, float], n: int, aligned: bool = False) -> str:
    """What a map was computed with, in one line: '15 neighbours · min dist 0.10 · 240 sentences
    · aligned to PCA'."""
    knobs = [KNOB_FORMATS[name].format(value) for name, value in params.items()]
    tail = [f"{n:,} sentence{'s' if n != 1 else ''}"] + (["aligned to PCA"] if aligned else [])
    return " · ".join([*knobs, *tail])
