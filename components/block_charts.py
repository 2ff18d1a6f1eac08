"""Plotly figures for the block heatmap of a large corpus; their size does not grow with n.

Each cell's hover reads the row and column labels (no per-cell hover strings, which grow with
the square of the rows), so the payload is a few hundred labels and at most 120 x 120 numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from components.charts import hover_text, short_label
from components.heatmap_blocks import BlockPair, BlockSummary


def block_label(summary: BlockSummary, block: int, texts: Sequence[str], width: int = 60) -> str:
    """'B3 · 412 sentences · e.g. <the sentence nearest the block's centre>', HTML-escaped."""
    size = int(summary.sizes[block])
    example = short_label(texts[int(summary.representatives[block])], width)
    return f"B{block + 1} · {size:,} sentence{'s' if size != 1 else ''} · e.g. {example}"


def block_heatmap(summary: BlockSummary, texts: Sequence[str]) -> go.Figure:
    """(blocks, blocks) heatmap of the mean cosine between blocks of sentences."""
    labels = [block_label(summary, block, texts) for block in range(summary.n_blocks)]
    heatmap = go.Heatmap(
        z=summary.mean_cosine,
        x=labels,
        y=labels,
        hovertemplate="%{y}<br>—<br>%{x}<br><b>mean cosine %{z:.3f}</b><extra></extra>",
        colorscale="RdBu",
        reversescale=True,
        zmin=-1,
        zmax=1,
        colorbar={"title": {"text": "mean cosine"}},
    )
    figure = go.Figure(heatmap)
    figure.update_layout(
        height=min(900, max(420, 12 * summary.n_blocks + 200)),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis={"autorange": "reversed", "showticklabels": False},
        xaxis={"showticklabels": False},
    )
    return figure


def pair_heatmap(pair: BlockPair, texts: Sequence[str], numbers: Sequence[int]) -> go.Figure:
    """(a, b) heatmap of the real cosine between the shown rows of two blocks.

    Args:
        numbers: the label (e.g. input line number) of every row of the corpus, by row index.
    """

    def labels(rows: np.ndarray) -> list[str]:  # unique category names: the number makes them so
        return [f"{numbers[row]}. {hover_text(texts[row], 60, 160)}" for row in rows]

    heatmap = go.Heatmap(
        z=pair.similarity,
        x=labels(pair.rows_b),
        y=labels(pair.rows_a),
        hovertemplate="%{y}<br>—<br>%{x}<br><b>cosine %{z:.3f}</b><extra></extra>",
        colorscale="RdBu",
        reversescale=True,
        zmin=-1,
        zmax=1,
        colorbar={"title": {"text": "cosine"}},
    )
    figure = go.Figure(heatmap)
    figure.update_layout(
        height=min(800, max(380, 5 * len(pair.rows_a) + 200)),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis={"autorange": "reversed", "showticklabels": False},
        xaxis={"showticklabels": False},
    )
    return figure
