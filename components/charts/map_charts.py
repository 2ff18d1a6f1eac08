"""Figures of the map lab: semantic axes and the geometry lessons; its maps (coloured by kept
share, selections greyed out) are drawn by the one map builder, `scatter.map_scatter`, shared with
Explore. User text is HTML-escaped before it reaches a figure.

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

from components.charts.common import PALETTE, hover_text, short_label
from components.charts.scatter import (  # noqa: F401 - map_scatter and its colours live there
    BIG_SCATTER,
    GREY,
    KEPT_SCALE,
    MAP_HEIGHT,
    map_scatter,
)
from components.explore.axes import Axis

HOVER_CHARS_SMALL, HOVER_CHARS_BIG = 300, 120  # per point: a 5,000-point map stays ~1-2 MB


def _hovers(texts: Sequence[str], rows: np.ndarray, extra: Sequence[str] | None = None) -> list:
    max_chars = HOVER_CHARS_SMALL if len(texts) <= BIG_SCATTER else HOVER_CHARS_BIG
    return [
        [int(i), hover_text(texts[i], 60, max_chars) + (extra[i] if extra is not None else "")]
        for i in rows
    ]


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
        # x poles are named at the bottom, y poles on the left: the two names never meet in the
        # top-right corner.
        if orientation == "x":
            figure.add_vline(
                x=position,
                line_dash="dash",
                line_color="#555",
                annotation_text=label,
                annotation_position="bottom right",
            )
        else:
            figure.add_hline(
                y=position,
                line_dash="dash",
                line_color="#555",
                annotation_text=label,
                annotation_position="top left",
            )


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
