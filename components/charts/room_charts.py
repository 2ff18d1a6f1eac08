"""Figures of a class room: the class's cosine guesses, a triplet vote. (The shared map uses
`scatter.projection_scatter`, which escapes every student's text in its hover boxes.)

No student text is drawn here except through `common.escape` / `common.hover_text`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from components.charts.common import PALETTE, escape, hover_text, short_label

BIN = 0.1  # width of a histogram bar, in cosine


def guesses_histogram(values: Sequence[float], answer: float | None = None) -> go.Figure:
    """The class's guesses of a cosine (a bar per 0.1), their mean, and once revealed the
    model's cosine as a red line."""
    figure = go.Figure(
        go.Histogram(
            x=np.asarray(values, dtype=np.float64),
            xbins={"start": -1.0, "end": 1.0 + 1e-9, "size": BIN},
            marker={"color": PALETTE[0]},
            hovertemplate="guesses %{x}<br><b>%{y} students</b><extra></extra>",
            name="guesses",
        )
    )
    if len(values):
        mean = float(np.mean(values))
        figure.add_vline(
            x=mean,
            line={"color": "grey", "dash": "dash", "width": 2},
            annotation_text=f"class mean {mean:.2f}",
            annotation_position="top left",
        )
    if answer is not None:
        figure.add_vline(
            x=answer,
            line={"color": "#d62728", "width": 4},
            annotation_text=f"model {answer:.2f}",
            annotation_position="top right",
            annotation_font={"color": "#d62728", "size": 16},
        )
    figure.update_layout(
        height=340,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"range": [-1.05, 1.05], "title": {"text": "guessed cosine"}},
        yaxis={"title": {"text": "students"}, "rangemode": "tozero", "dtick": 1},
        bargap=0.05,
    )
    return figure


def vote_bars(votes: Sequence[float], first: str, second: str, model_pick: int | None) -> go.Figure:
    """How many students voted each sentence closer to the anchor; once revealed, the model's
    pick is outlined."""
    counts = [sum(1 for vote in votes if int(vote) == side) for side in (0, 1)]
    names = [f"1st: {short_label(first, 40)}", f"2nd: {short_label(second, 40)}"]
    line = [3 if model_pick == side else 0 for side in (0, 1)]
    figure = go.Figure(
        go.Bar(
            x=names,
            y=counts,
            marker={
                "color": [PALETTE[1], PALETTE[2]],
                "line": {"color": "#d62728", "width": line},
            },
            customdata=[hover_text(first), hover_text(second)],
            hovertemplate="%{customdata}<br><b>%{y} votes</b><extra></extra>",
        )
    )
    if model_pick is not None:
        figure.add_annotation(
            x=names[model_pick],
            y=counts[model_pick],
            text="the model's pick",
            showarrow=True,
            font={"color": "#d62728", "size": 15},
        )
    figure.update_layout(
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        yaxis={"title": {"text": "votes"}, "rangemode": "tozero", "dtick": 1},
        title={"text": escape("Closer to the anchor?")},
    )
    return figure
