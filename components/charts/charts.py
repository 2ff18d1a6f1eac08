"""Plotly figures for the labs: Explore's heatmap, neighbours and aligned maps, the Tokens &
pooling lab's heatmaps, token map and bars, and the loss curve.

The shared helpers (palette, escaping, hover budgets) are in `common`, the map of sentences
(`map_scatter`, `projection_scatter`) in `scatter`. User text is escaped where plotly interprets it
(see `common`). Every chart is bounded by construction: no input makes one larger than
`limits.CHART_MB` (tests/unit/test_chart_limits.py builds each at its limits).
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from components.charts.common import (
    PALETTE,
    PLOT_PX,
    escape,
    hover_chars,
    hover_text,
    short_label,
)
from components.charts.scatter import label_positions

CELL_TEXT_PX = 30  # a heatmap cell narrower than this shows its number on hover only


def similarity_heatmap(
    similarity: np.ndarray,
    texts: Sequence[str],
    *,
    show_values: bool,
    numbers: Sequence[int] | None = None,
    title: str = "",
) -> go.Figure:
    """Cosine heatmap (n, n) with both full sentences on hover, for any n.

    The hover is built in the browser from one string per row, not one per cell: each row's and
    column's category name *is* its hover text (its number, then the sentence, escaped and
    wrapped), and the hovertemplate shows `%{y}` and `%{x}`; the axis ticks show short labels.
    So the payload grows with n, not n² (240 sentences: ~0.6 MB instead of 10 MB). Cosines are
    sent with 6 decimals (exact to 1e-6).

    `numbers` label each row (e.g. its line number in the input when rows are reordered).
    """
    n = len(texts)
    numbers = list(numbers) if numbers is not None else list(range(1, n + 1))
    # Category names must be unique for plotly: the number makes them so.
    pairs = list(zip(numbers, texts, strict=True))
    categories = [f"{number}. {hover_text(text, 50, 200)}" for number, text in pairs]
    labels = [f"{number}. {short_label(text)}" for number, text in pairs]
    hover = {"hovertemplate": "%{y}<br>—<br>%{x}<br><b>cosine %{z:.3f}</b><extra></extra>"}
    labels_shown = n <= 40
    heatmap = go.Heatmap(
        z=np.round(np.asarray(similarity, dtype=np.float64), 6),
        x=categories,
        y=categories,
        **hover,
        colorscale="RdBu",
        reversescale=True,
        zmin=-1,
        zmax=1,
        colorbar={"title": {"text": "cosine"}},
        texttemplate="%{z:.2f}" if show_values else None,
    )
    figure = go.Figure(heatmap)
    size = min(900, max(380, 26 * n + 200))
    figure.update_layout(
        title=title or None,
        height=size,
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        yaxis={"autorange": "reversed", "showticklabels": labels_shown, "type": "category"},
        xaxis={"showticklabels": labels_shown, "tickangle": -45, "type": "category"},
    )
    if labels_shown:  # short tick labels for the long category names
        for axis in (figure.layout.xaxis, figure.layout.yaxis):
            axis.update(tickmode="array", tickvals=categories, ticktext=labels)
    return figure


def neighbor_bars(texts: Sequence[str], scores: Sequence[float]) -> go.Figure:
    """Horizontal bars of cosine scores, best on top."""
    labels = [f"{rank}. {short_label(text, 60)}" for rank, text in enumerate(texts, start=1)]
    figure = go.Figure(
        go.Bar(
            x=list(scores),
            y=labels,
            orientation="h",
            customdata=[hover_text(text) for text in texts],
            hovertemplate="%{customdata}<br><b>cosine %{x:.3f}</b><extra></extra>",
            marker_color=["#1f77b4" if score >= 0 else "#d62728" for score in scores],
            texttemplate="%{x:.3f}",
            textposition="outside",
        )
    )
    figure.update_layout(
        height=max(220, 34 * len(labels) + 60),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis={"autorange": "reversed"},
        xaxis={"range": [min(-0.1, min(scores, default=0) - 0.1), 1.1], "title": "cosine"},
    )
    return figure


# ---------------------------------------------------------------- Tokens & pooling lab
def token_share_heatmap(
    shares: np.ndarray, row_names: Sequence[str], pieces: Sequence[str]
) -> go.Figure:
    """Which tokens each pooling mode draws from: rows = modes, columns = tokens, shares in [0, 1].

    Args:
        shares: (modes, tokens), each row sums to 1.
    """
    columns = [f"{position}·{html.escape(piece)}" for position, piece in enumerate(pieces)]
    figure = go.Figure(
        go.Heatmap(
            z=shares,
            x=columns,
            y=list(row_names),
            colorscale="Blues",
            zmin=0,
            zmax=max(0.05, float(np.max(shares)) if np.size(shares) else 1.0),
            texttemplate="%{z:.2f}" if PLOT_PX[0] / max(len(pieces), 1) >= CELL_TEXT_PX else None,
            hovertemplate="%{y} · token %{x}<br><b>share %{z:.3f}</b><extra></extra>",
            colorbar={"title": {"text": "share"}},
        )
    )
    figure.update_layout(
        height=90 + 46 * len(row_names),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis={"autorange": "reversed"},
        xaxis={"tickangle": -45, "side": "bottom"},
    )
    return figure


def similarity_heatmaps(matrices: dict[str, np.ndarray], texts: Sequence[str]) -> go.Figure:
    """The same sentences' cosine heatmap under several poolings, side by side, one colour scale."""
    from plotly.subplots import make_subplots

    names = list(matrices)
    n = len(texts)
    numbers = [str(i) for i in range(1, n + 1)]
    hovers = [hover_text(text, 50, hover_chars(2 * n * n * len(names), 200)) for text in texts]
    hover_matrix = np.array(
        [[f"{hovers[i]}<br>—<br>{hovers[j]}" for j in range(n)] for i in range(n)], dtype=object
    )
    # Numbers in the cells only when a cell is wide enough for "0.87" on the narrowest screen.
    cell_px = PLOT_PX[0] / max(len(names), 1) / max(n, 1)
    titles = ["<br>".join(textwrap.wrap(html.escape(name), 24)) for name in names]
    lines = max((title.count("<br>") + 1 for title in titles), default=1)
    figure = make_subplots(
        rows=1,
        cols=len(names),
        subplot_titles=titles,
        horizontal_spacing=0.02,
    )
    for column, name in enumerate(names, start=1):
        figure.add_trace(
            go.Heatmap(
                z=matrices[name],
                x=numbers,
                y=numbers,
                customdata=hover_matrix,
                hovertemplate=f"<b>{html.escape(name)}</b><br>%{{customdata}}<br>"
                "<b>cosine %{z:.3f}</b><extra></extra>",
                colorscale="RdBu",
                reversescale=True,
                zmin=-1,
                zmax=1,
                showscale=column == len(names),
                colorbar={"title": {"text": "cosine"}},
                texttemplate="%{z:.2f}" if cell_px >= CELL_TEXT_PX else None,
                textfont={"size": 9},
                name=name,
            ),
            row=1,
            col=column,
        )
        figure.update_yaxes(
            autorange="reversed", type="category", row=1, col=column, showticklabels=column == 1
        )
        figure.update_xaxes(type="category", row=1, col=column)
    figure.update_layout(height=330, margin={"l": 10, "r": 10, "t": 16 + 16 * lines, "b": 10})
    return figure


def quality_bars(
    names: Sequence[str],
    values: Sequence[float],
    *,
    axis_title: str,
    value_range: tuple[float, float] = (0.0, 1.0),
    colors: Sequence[str] | None = None,
    title: str = "",
) -> go.Figure:
    """Vertical bars, one per pooling mode (or model), the value printed on each bar."""
    figure = go.Figure(
        go.Bar(
            x=[html.escape(name) for name in names],
            y=list(values),
            marker_color=list(colors) if colors else PALETTE[0],
            texttemplate="%{y:.3f}",
            textposition="outside",
            hovertemplate="%{x}<br><b>%{y:.4f}</b><extra></extra>",
        )
    )
    title_lines = textwrap.wrap(title, 36)  # a half-width chart on a 1024 px screen
    figure.update_layout(
        title="<br>".join(title_lines) or None,
        height=320 + 18 * max(len(title_lines) - 1, 0),
        margin={"l": 10, "r": 10, "t": 22 + 20 * len(title_lines) if title else 10, "b": 10},
        yaxis={"range": [value_range[0], value_range[1] * 1.12], "title": axis_title},
    )
    return figure


def loss_curve(
    losses: Sequence[float], title: str = "", epochs: Sequence[int] | None = None
) -> go.Figure:
    """Training loss per step: a line, plus markers coloured by epoch when `epochs` is given.

    The y axis turns logarithmic when the loss falls over orders of magnitude.
    """
    steps = np.arange(1, len(losses) + 1)
    values = np.asarray(losses, dtype=float)
    positive = values[values > 0]
    log = positive.size > 0 and positive.max() / max(positive.min(), 1e-12) > 50
    figure = go.Figure(
        go.Scatter(
            x=steps,
            y=values,
            mode="lines",
            line={"color": "#bbbbbb"} if epochs is not None else {},
            hovertemplate="step %{x}<br><b>loss %{y:.5f}</b><extra></extra>",
            showlegend=False,
        )
    )
    if epochs is not None:
        epoch_of_step = np.asarray(epochs)
        for epoch in sorted(set(epoch_of_step.tolist())):
            rows = epoch_of_step == epoch
            figure.add_trace(
                go.Scatter(
                    x=steps[rows],
                    y=values[rows],
                    mode="markers",
                    name=f"epoch {epoch}",
                    hovertemplate="step %{x}<br>loss %{y:.4f}<extra>%{fullData.name}</extra>",
                )
            )
    figure.update_layout(
        title=title or None,
        height=300,
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        xaxis={"title": "step"},
        # A log axis labels the decades only (0.001, 0.01, 0.1, 1), not 2 and 5 between them.
        yaxis={"title": "loss", "type": "log", "dtick": 1, "tickformat": "~g"}
        if log
        else {"title": "loss", "type": "linear"},
    )
    return figure


def token_scatter(
    coords: np.ndarray, pieces: Sequence[str], sentence_of: Sequence[int], sentences: Sequence[str]
) -> go.Figure:
    """2D map of token vectors, one colour per sentence, each point labelled with its piece."""
    chars = hover_chars(len(coords))
    # Pieces whose label would cover another are named in the hover box only.
    where = label_positions(coords, list(pieces)) if len(coords) else []
    figure = go.Figure()
    for index, sentence in enumerate(sentences):
        rows = [i for i, owner in enumerate(sentence_of) if owner == index]
        if not rows:
            continue
        figure.add_trace(
            go.Scatter(
                x=coords[rows, 0],
                y=coords[rows, 1],
                mode="markers+text",
                text=[escape(pieces[i]) if where[i] else "" for i in rows],
                textposition=[where[i] or "top center" for i in rows],
                textfont={"size": 11, "color": PALETTE[index % len(PALETTE)]},
                marker={"size": 8, "color": PALETTE[index % len(PALETTE)]},
                name=f"{index + 1}. {short_label(sentence, 40)}",
                customdata=[
                    [escape(pieces[i]), hover_text(sentence, max_chars=chars)] for i in rows
                ],
                hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>",
            )
        )
    figure.update_layout(
        height=520,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.02},
    )
    figure.update_xaxes(showticklabels=False)
    figure.update_yaxes(showticklabels=False, scaleanchor="x")
    return figure


def aligned_maps(
    coords_a: np.ndarray, coords_b: np.ndarray, texts: Sequence[str], names: tuple[str, str]
) -> go.Figure:
    """Two models' maps of the same sentences on one set of axes (already aligned, e.g. by
    Procrustes), with a faint line from each sentence's place under A to its place under B."""
    hovers = [hover_text(text, 50, 200) for text in texts]
    lines_x: list[float | None] = []
    lines_y: list[float | None] = []
    for (xa, ya), (xb, yb) in zip(coords_a[:, :2], coords_b[:, :2], strict=True):
        lines_x += [float(xa), float(xb), None]
        lines_y += [float(ya), float(yb), None]
    figure = go.Figure(
        go.Scatter(
            x=lines_x,
            y=lines_y,
            mode="lines",
            line={"color": "#bbbbbb", "width": 1},
            hoverinfo="skip",
            showlegend=False,
            name="moved",
        )
    )
    for number, (name, coords, symbol) in enumerate(
        ((names[0], coords_a, "circle"), (names[1], coords_b, "diamond"))
    ):
        figure.add_trace(
            go.Scatter(
                x=coords[:, 0],
                y=coords[:, 1],
                mode="markers",
                name=html.escape(name),
                marker={"size": 9, "symbol": symbol, "color": PALETTE[number]},
                customdata=list(range(len(texts))),
                text=hovers,
                hovertemplate="%{text}<extra>" + html.escape(name) + "</extra>",
            )
        )
    figure.update_layout(
        height=460,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"showticklabels": False, "title": None},
        yaxis={"showticklabels": False, "title": None},
        legend={"orientation": "h", "y": 1.08},
    )
    return figure


def spearman_bars(values: Mapping[str, float], colors: Sequence[str], title: str) -> go.Figure:
    """Spearman ρ of a few poolings or models as bars; the axis reaches below 0 when needed."""
    return quality_bars(
        list(values),
        list(values.values()),
        axis_title="Spearman ρ",
        colors=colors,
        value_range=(min(0.0, *values.values()), 1.0),
        title=title,
    )


def mode_quality_bars(
    scores: Mapping[str, tuple[float, float]], n_pairs: int, n_triplets: int, colors: Sequence[str]
) -> tuple[go.Figure, go.Figure]:
    """Two bar charts of the pooling modes `scores` (mode -> (Spearman, triplet accuracy)): the
    Spearman on `n_pairs` scored pairs, and the triplet accuracy on `n_triplets` triplets."""
    modes = list(scores)
    spearman = quality_bars(
        modes,
        [scores[mode][0] for mode in modes],
        axis_title="Spearman ρ",
        colors=colors,
        title=f"Spearman: cosine vs human scores ({n_pairs} pairs)",
    )
    accuracy = quality_bars(
        modes,
        [scores[mode][1] for mode in modes],
        axis_title="accuracy",
        colors=colors,
        title=f"Triplet accuracy: cos(a, p) > cos(a, n) ({n_triplets} triplets)",
    )
    return spearman, accuracy
