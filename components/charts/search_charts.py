"""Figures of the search lab: the query among the chunks, attention weights of book vectors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from components.charts.charts import PALETTE, hover_chars, hover_text


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
        figure.add_trace(
            go.Scatter(
                x=coords[list(hits), 0],
                y=coords[list(hits), 1],
                mode="markers+text",
                name="top-k results",
                text=[str(rank) for rank in range(1, len(hits) + 1)],
                textposition="top center",
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
