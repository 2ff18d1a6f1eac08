"""Plotly figures of the Loss lab: loss landscapes, softmax bars, training curves, movement maps.

User text goes through `common.hover_text` / `common.short_label` (HTML-escaped).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.charts.common import hover_chars, hover_text, short_label

ROLE_COLOURS = {"anchor": "#332288", "positive": "#117733", "negative": "#CC6677"}
LABELS_MAX = 30  # up to this many sentences, the movement map writes each one next to its dot
CLASS_SYMBOLS = {"easy": "circle", "semi-hard": "diamond", "hard": "x"}


def loss_landscape(
    grid: np.ndarray,
    loss: np.ndarray,
    cos_ap: Sequence[float],
    cos_an: Sequence[float],
    anchors: Sequence[str],
    classes: Sequence[str],
    title: str,
) -> go.Figure:
    """Heatmap of a loss over cos(a,p) (x) and cos(a,n) (y), with the user's triplets on top.

    Args:
        grid: (g,) cosine values on both axes.
        loss: (g, g) loss[i, j] at cos_an = grid[i], cos_ap = grid[j].
    """
    figure = go.Figure(
        go.Heatmap(
            x=grid,
            y=grid,
            z=loss,
            colorscale="Viridis",
            # ticks a size up from plotly's 12 px (presenter mode grows them to 22 px)
            colorbar={"title": {"text": "loss"}, "len": 0.8, "tickfont": {"size": 13}, "nticks": 6},
            hovertemplate="cos(a,p) %{x:.2f}<br>cos(a,n) %{y:.2f}<br><b>loss %{z:.3f}</b>"
            "<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[-1, 1],
            y=[-1, 1],
            mode="lines",
            line={"color": "white", "dash": "dot", "width": 1},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    figure.add_trace(
        go.Scatter(
            x=list(cos_ap),
            y=list(cos_an),
            mode="markers",
            marker={
                "size": 9,
                "color": "white",
                "line": {"width": 1.5, "color": "black"},
                "symbol": [CLASS_SYMBOLS.get(c, "circle") for c in classes],
            },
            customdata=[
                [number, hover_text(anchor, 50, 160), cls]
                for number, (anchor, cls) in enumerate(zip(anchors, classes, strict=True), start=1)
            ],
            hovertemplate="#%{customdata[0]} %{customdata[1]}<br>cos(a,p) %{x:.3f} · "
            "cos(a,n) %{y:.3f}<br>%{customdata[2]}<extra></extra>",
            name="your triplets",
            showlegend=False,
        )
    )
    figure.update_layout(
        title={"text": title, "font": {"size": 14}},
        height=380,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        xaxis={"title": "cos(a, p)", "range": [-1, 1], "constrain": "domain"},
        yaxis={"title": "cos(a, n)", "range": [-1, 1], "scaleanchor": "x", "constrain": "domain"},
    )
    return figure


def softmax_bars(
    probabilities: dict[float, np.ndarray], labels: Sequence[str], positive: int
) -> go.Figure:
    """One bar chart per temperature: an anchor's softmax over the candidates.

    Args:
        probabilities: tau -> (candidates,) probabilities.
        labels: one per candidate (the sentence).
        positive: the index of the anchor's own positive (drawn green).
    """
    taus = list(probabilities)
    figure = make_subplots(
        rows=1,
        cols=len(taus),
        shared_yaxes=True,
        horizontal_spacing=0.02,
        subplot_titles=[f"τ = {tau:g}" for tau in taus],
    )
    numbers = [f"{i + 1}" for i in range(len(labels))]
    colours = ["#117733" if i == positive else "#999999" for i in range(len(labels))]
    hovers = [hover_text(text, 50, hover_chars(len(labels) * len(taus), 160)) for text in labels]
    for column, tau in enumerate(taus, start=1):
        figure.add_trace(
            go.Bar(
                x=numbers,
                y=probabilities[tau],
                marker_color=colours,
                customdata=hovers,
                hovertemplate="%{customdata}<br><b>p = %{y:.3f}</b><extra></extra>",
                showlegend=False,
            ),
            row=1,
            col=column,
        )
    figure.update_yaxes(range=[0, 1], title_text="softmax probability", row=1, col=1)
    figure.update_xaxes(showticklabels=len(labels) <= 30, tickfont={"size": 9})
    figure.update_layout(height=300, margin={"l": 10, "r": 10, "t": 40, "b": 10}, bargap=0.15)
    return figure


def cosine_shift(
    before: tuple[np.ndarray, np.ndarray],
    after: tuple[np.ndarray, np.ndarray],
    anchors: Sequence[str],
    held_out: Sequence[bool],
) -> go.Figure:
    """Per triplet, cos(a,p) and cos(a,n) before (hollow) and after (filled) training, joined.

    Args:
        before: (cos_ap, cos_an) each (t,) with the original model.
        after: the same with the fine-tuned copy.
    """
    n = len(anchors)
    labels = [
        f"{i + 1}. {'(held out) ' if held_out[i] else ''}{short_label(anchors[i], 36)}"
        for i in range(n)
    ]
    figure = go.Figure()
    for name, index, colour in (("cos(a,p)", 0, "#117733"), ("cos(a,n)", 1, "#CC6677")):
        xs, ys = [], []
        for i in range(n):
            xs += [before[index][i], after[index][i], None]
            ys += [labels[i], labels[i], None]
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": colour, "width": 2},
                hoverinfo="skip",
                showlegend=False,
            )
        )
        figure.add_trace(
            go.Scatter(
                x=before[index],
                y=labels,
                mode="markers",
                name=f"{name} before",
                marker={"color": "white", "size": 9, "line": {"color": colour, "width": 2}},
                hovertemplate="%{y}<br>" + name + " before %{x:.3f}<extra></extra>",
            )
        )
        figure.add_trace(
            go.Scatter(
                x=after[index],
                y=labels,
                mode="markers",
                name=f"{name} after",
                marker={"color": colour, "size": 10},
                hovertemplate="%{y}<br>" + name + " after %{x:.3f}<extra></extra>",
            )
        )
    figure.update_layout(
        height=max(260, 26 * n + 90),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": "cosine", "range": [-0.45, 1.05]},
        yaxis={"autorange": "reversed", "tickfont": {"size": 11}},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"},
    )
    return figure


def movement_map(
    before: np.ndarray, after: np.ndarray, texts: Sequence[str], roles: Sequence[str]
) -> go.Figure:
    """Every sentence before (faint) and after (solid) fine-tuning, an arrow from one to the other.

    Args:
        before: (n, 2) projected coordinates with the original model.
        after: (n, 2) with the fine-tuned copy, in the same projection.
        roles: "anchor", "positive" or "negative" per sentence.
    """
    figure = go.Figure()
    for role, colour in ROLE_COLOURS.items():
        rows = [i for i, r in enumerate(roles) if r == role]
        if not rows:
            continue
        figure.add_trace(
            go.Scatter(
                x=before[rows, 0],
                y=before[rows, 1],
                mode="markers",
                name=f"{role} (before)",
                marker={"color": colour, "size": 7, "opacity": 0.3},
                hoverinfo="skip",
                legendgroup=role,
                showlegend=False,
            )
        )
        labelled = len(texts) <= LABELS_MAX
        figure.add_trace(
            go.Scatter(
                x=after[rows, 0],
                y=after[rows, 1],
                mode="markers+text" if labelled else "markers",
                text=[short_label(texts[i], 26) for i in rows] if labelled else None,
                textposition="top center",
                textfont={"size": 10, "color": colour},
                name=role,
                marker={"color": colour, "size": 9},
                customdata=[hover_text(texts[i], 50, hover_chars(len(texts), 200)) for i in rows],
                hovertemplate="%{customdata}<extra>%{fullData.name}</extra>",
                legendgroup=role,
            )
        )
    # One update with every arrow: add_annotation per arrow re-validates the whole layout each
    # time (600 arrows took 73 s; this takes well under a second).
    arrows = [
        {
            "x": float(after[i, 0]),
            "y": float(after[i, 1]),
            "ax": float(before[i, 0]),
            "ay": float(before[i, 1]),
            "xref": "x",
            "yref": "y",
            "axref": "x",
            "ayref": "y",
            "showarrow": True,
            "arrowhead": 2,
            "arrowsize": 1,
            "arrowwidth": 1,
            "arrowcolor": ROLE_COLOURS.get(roles[i], "#888888"),
            "opacity": 0.6,
            "text": "",
        }
        for i in range(len(texts))
    ]
    figure.update_layout(annotations=arrows)
    figure.update_layout(
        height=480,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"itemsizing": "constant"},
    )
    figure.update_xaxes(showticklabels=False, title=None)
    figure.update_yaxes(showticklabels=False, title=None, scaleanchor="x")
    return figure
