"""Plotly figures for the block heatmap of a large corpus; their size does not grow with n.

Each cell's hover reads the row and column labels (no per-cell hover strings, which grow with
the square of the rows), so the payload is a few hundred labels and at most 120 x 120 numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from components.charts.common import hover_text, short_label
from components.vectors.heatmap_blocks import BlockPair, BlockSummary


def block_label(summary: BlockSummary, block: int, texts: Sequence[str], width: int = 60) -> str:
    """'B3 · 412 sentences · e.g. <the sentence nearest the block's centre>', HTML-escaped."""
    size = int(summary.sizes[block])
    example = short_label(texts[int(summary.representatives[block])], width)
    return f"B{block + 1} · {size:,} sentence{'s' if size != 1 else ''} · e.g. {example}"


def _cosine_heatmap(z: np.ndarray, x: list[str], y: list[str], what: str, height: int) -> go.Figure:
    """A (rows, columns) heatmap of cosines on the -1..1 red-blue scale; the hover reads both
    labels and the value called `what`; no tick labels (they are long sentences)."""
    heatmap = go.Heatmap(
        z=z,
        x=x,
        y=y,
        colorscale="RdBu",
        reversescale=True,
        zmin=-1,
        zmax=1,
        hovertemplate=f"%{{y}}<br>—<br>%{{x}}<br><b>{what} %{{z:.3f}}</b><extra></extra>",
        colorbar={"title": {"text": what}},
    )
    figure = go.Figure(heatmap)
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis={"autorange": "reversed", "showticklabels": False},
        xaxis={"showticklabels": False},
    )
    return figure


def block_heatmap(summary: BlockSummary, texts: Sequence[str]) -> go.Figure:
    """(blocks, blocks) heatmap of the mean cosine between blocks of sentences."""
    labels = [block_label(summary, block, texts) for block in range(summary.n_blocks)]
    height = min(900, max(420, 12 * summary.n_blocks + 200))
    return _cosine_heatmap(summary.mean_cosine, labels, labels, "mean cosine", height)


def pair_heatmap(pair: BlockPair, texts: Sequence[str], numbers: Sequence[int]) -> go.Figure:
    """(a, b) heatmap of the real cosine between the shown rows of two blocks.

    Args:
        numbers: the label (e.g. input line number) of every row of the corpus, by row index.
    """

    def labels(rows: np.ndarray) -> list[str]:  # unique category names: the number makes them so
        return [f"{numbers[row]}. {hover_text(texts[row], 60, 160)}" for row in rows]

    height = min(800, max(380, 5 * len(pair.rows_a) + 200))
    return _cosine_heatmap(
        pair.similarity, labels(pair.rows_b), labels(pair.rows_a), "cosine", height
    )
