"""Plotly figures for the labs.

User text is escaped where plotly interprets it: hover boxes and SVG text read a few HTML tags and
entities, so `<`, `>` and `&` become entities there (`escape`) and show as typed. Text drawn with
WebGL (3D labels) is shown verbatim by plotly, so it is not escaped (an escaped `you're` would
read `you&#x27;re`). Every chart is bounded by construction: no input makes one larger than
`limits.CHART_MB` (tests/unit/test_chart_limits.py builds each at its limits).
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative

PALETTE = qualitative.Safe + qualitative.Vivid  # colour-blind friendly first
BIG_SCATTER = 1_000  # above this many points, WebGL (Scattergl) keeps the browser responsive
TEXT_LABELS_MAX = 25  # up to this many points, each carries its sentence as a label


HOVER_BYTES = 5_000_000  # hover text per chart, in bytes of JSON: fewer points, longer hovers
JSON_BYTES_PER_CHAR = 12  # worst case: an emoji is sent as two \uXXXX escapes (`&` as `&amp;`: 5)


def escape(text: str) -> str:
    """Escape what plotly's SVG text and hover boxes interpret (`<`, `>`, `&`); quotes stay."""
    return html.escape(text, quote=False)


def hover_text(text: str, width: int = 60, max_chars: int = 400) -> str:
    """User text made safe and readable in a Plotly hover box: escaped, wrapped, shortened."""
    if len(text) > max_chars:
        text = text[: max_chars - 1] + "…"
    return "<br>".join(escape(line) for line in textwrap.wrap(text, width) or [""])


def short_label(text: str, width: int = 32, *, webgl: bool = False) -> str:
    """A one-line label for an axis tick or a point; `webgl=True` for 3D text (not escaped)."""
    text = " ".join(text.split())
    text = text if len(text) <= width else text[: width - 1] + "…"
    return text if webgl else escape(text)


_SAFE_ASCII = frozenset(chr(code) for code in range(32, 127)) - set('<>&"\\')


def _json_bytes(char: str) -> int:
    """Bytes one character of hover text costs in the chart's JSON (escaped, ASCII-only JSON)."""
    if char in _SAFE_ASCII:
        return 1
    if char in "<>":
        return 4  # &lt; &gt;
    if char == "&":
        return 5  # &amp;
    if char in '"\\':
        return 2
    return 12 if ord(char) > 0xFFFF else 6  # \uXXXX (an emoji: two of them)


def within_bytes(text: str, budget: int) -> str:
    """`text` cut (with "…") so that it costs at most `budget` bytes of JSON in a hover box."""
    if len(text) <= budget and text.isascii() and _SAFE_ASCII.issuperset(text):
        return text
    total = 0
    for index, char in enumerate(text):
        total += _json_bytes(char)
        if total > budget - 6:  # room for the "…" (\u2026)
            return text[:index] + "…"
    return text


def hover_chars(strings: int, most: int = 400, least: int = 40) -> int:
    """Characters per hover text so that `strings` of them stay within HOVER_BYTES, whatever
    the text (`least` wins for huge counts: callers bound the count)."""
    per_string = HOVER_BYTES // max(int(strings), 1) // JSON_BYTES_PER_CHAR
    return int(max(least, min(most, per_string)))


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


GREY = "rgba(160, 160, 160, 0.25)"  # points left out of a selection
KEPT_SCALE = "Viridis"  # dark = few real neighbours kept, yellow = all kept
MAP_HEIGHT = 460
LABEL_PX = (6.2, 15.0)  # one character's width and a label's height at font size 11, in pixels
PLOT_PX = (460.0, 400.0)  # the smallest plot area a chart gets (a 1024 px screen), in pixels
CELL_TEXT_PX = 30  # a heatmap cell narrower than this shows its number on hover only


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
