"""Figures of the search lab: the query among the chunks, attention weights of book vectors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from components.charts.common import PALETTE, hover_chars, hover_text

RANK_FONT_PX = 13
# A rank's label box in pixels: one digit's width and the label's height at presenter mode's
# size (the larger one), on the smallest plot area the map gets (a 1024 px screen).
RANK_CHAR_PX, RANK_LINE_PX, RING_PX = 14.0, 22.0, 9.0
MAP_PLOT_PX = (460.0, 400.0)
_SIDES = {  # textposition -> the label box's (left, bottom) offset from the point, given its width
    "top center": lambda w: (-w / 2, RING_PX),
    "bottom center": lambda w: (-w / 2, -RING_PX - RANK_LINE_PX),
    "middle right": lambda w: (RING_PX, -RANK_LINE_PX / 2),
    "middle left": lambda w: (-RING_PX - w, -RANK_LINE_PX / 2),
}


def rank_label_sides(coords: np.ndarray, hits: Sequence[int]) -> list[str | None]:
    """Where each result's rank goes (above, below, right or left of its ring), best rank first;
    None (hover only) when every side would cover a rank already written or another ring."""
    points = np.asarray(coords, dtype=float)[:, :2]
    low, span = points.min(axis=0), np.maximum(np.ptp(points, axis=0), 1e-9)
    scale = min(MAP_PLOT_PX[0] / span[0], MAP_PLOT_PX[1] / span[1])  # equal scales (scaleanchor)
    rings = (points[list(hits)] - low) * scale
    placed: list[tuple[float, float, float, float]] = []
    sides: list[str | None] = []
    for rank, (x, y) in enumerate(rings, start=1):
        width = RANK_CHAR_PX * len(str(rank)) + 4
        chosen = None
        for side, offset in _SIDES.items():
            dx, dy = offset(width)
            box = (x + dx, y + dy, x + dx + width, y + dy + RANK_LINE_PX)
            on_label = any(
                box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3] for o in placed
            )
            on_ring = any(
                box[0] - RING_PX < rx < box[2] + RING_PX
                and box[1] - RING_PX < ry < box[3] + RING_PX
                for j, (rx, ry) in enumerate(rings, start=1)
                if j != rank
            )
            if not on_label and not on_ring:
                chosen = side
                placed.append(box)
                break
        sides.append(chosen)
    return sides


def query_map(
    coords: np.ndarray,
    chunk_texts: Sequence[str],
    document_names: Sequence[str],
    hits: Sequence[int],
    query: str,
) -> go.Figure:
    """Chunks coloured by document, the top-k ringed and numbered, the query as a star.

    Args:
        coords: (n + 1, 2) from `projection.project_with_query`.
        hits: chunk indices of the results, best first.
    """
    n = len(chunk_texts)
    chars = hover_chars(n, most=300)  # thousands of chunks must stay under the chart cap
    figure = go.Figure()
    trace = go.Scattergl if n > 1000 else go.Scatter
    for number, name in enumerate(dict.fromkeys(document_names)):
        rows = [i for i in range(n) if document_names[i] == name]
        figure.add_trace(
            trace(
                x=coords[rows, 0],
                y=coords[rows, 1],
                mode="markers",
                name=hover_text(name, 40, 60),
                marker={"size": 7, "color": PALETTE[number % len(PALETTE)], "opacity": 0.75},
                customdata=[[i, hover_text(chunk_texts[i][:chars])] for i in rows],
                hovertemplate="chunk %{customdata[0]}<br>%{customdata[1]}<extra>%{fullData.name}"
                "</extra>",
            )
        )
    if len(hits):
        sides = rank_label_sides(coords, hits)
        figure.add_trace(
            go.Scatter(
                x=coords[list(hits), 0],
                y=coords[list(hits), 1],
                mode="markers+text",
                name="top-k results",
                text=[str(rank) if side else "" for rank, side in enumerate(sides, start=1)],
                textposition=[side or "top center" for side in sides],
                textfont={"size": RANK_FONT_PX},
                marker={
                    "size": 16,
                    "color": "rgba(0,0,0,0)",
                    "line": {"width": 2.5, "color": "black"},
                },
                hoverinfo="skip",
            )
        )
    figure.add_trace(
        go.Scatter(
            x=[coords[n, 0]],
            y=[coords[n, 1]],
            mode="markers",
            name="your query",
            marker={"size": 20, "symbol": "star", "color": "#d62728", "line": {"width": 1}},
            customdata=[hover_text(query)],
            hovertemplate="query: %{customdata}<extra></extra>",
        )
    )
    figure.update_layout(height=480, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    figure.update_xaxes(showticklabels=False, title=None)
    figure.update_yaxes(showticklabels=False, title=None, scaleanchor="x")
    return figure


def attention_bars(weights: np.ndarray, title: str) -> go.Figure:
    """The attention weight of each chunk of one document, in text order."""
    chunks = np.arange(1, len(weights) + 1)
    figure = go.Figure(
        [
            go.Bar(x=chunks, y=weights, name="attention", marker_color="#1f77b4"),
            go.Scatter(
                x=chunks,
                y=np.full(len(weights), 1 / max(len(weights), 1)),
                mode="lines",
                name="mean pooling (equal weights)",
                line={"dash": "dash", "color": "#d62728"},
            ),
        ]
    )
    figure.update_layout(
        title=hover_text(title, 80, 80),
        height=260,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        xaxis={"title": "chunk (text order)"},
        yaxis={"title": "weight"},
        legend={"orientation": "h", "y": -0.3},
    )
    return figure
