"""Presenter mode: large type for a projector, fewer controls, colour-blind-safe charts.

`presenter_css` is the page style (Streamlit sizes its text in rem, so one root font size scales
every label, table and widget); `present_figure` restyles a plotly figure: larger fonts, the
Okabe-Ito colours for categories and cividis / purple-orange for heatmaps (`components.core.palettes`).
Both have a light and a dark variant, following the viewer's Streamlit theme.
"""

from __future__ import annotations

import plotly.graph_objects as go

from components.core.palettes import (
    BACKGROUND,
    SEQUENTIAL_SCALE,
    TEXT_COLOUR,
    Theme,
    category_colours,
    diverging_colorscale,
)

ROOT_FONT_PX = 22  # Streamlit's default is 16: 22 px reads from the back of a classroom
FIGURE_FONT_PX = 20
FONT_SCALE = FIGURE_FONT_PX / 12  # plotly's default font is 12 px: every set size grows as much
CELL_FONT_SCALE = 1.2  # numbers inside heatmap cells grow less: the cells do not grow
ADVANCED_KEY_PREFIX = "advanced_"  # containers keyed `advanced_…` are hidden in presenter mode
_DIVERGING_SCALES = {"RdBu", "RdBu_r", "rdbu", "PuOr", "Picnic", "Portland", "balance"}


def presenter_css(theme: Theme = "light") -> str:
    """A <style> block for presenter mode in the given theme."""
    text = TEXT_COLOUR[theme]
    return f"""<style>
html {{ font-size: {ROOT_FONT_PX}px; }}
.stApp h1 {{ font-size: 2.3rem; }}
.stApp h2 {{ font-size: 1.7rem; }}
.stApp h3 {{ font-size: 1.35rem; }}
.stApp p, .stApp li {{ line-height: 1.5; }}
/* captions are grey by default: full contrast on a washed-out projector */
.stApp [data-testid="stCaptionContainer"] {{ color: {text}; opacity: 1; font-size: 0.95rem; }}
.stApp [data-testid="stWidgetLabel"] p {{ font-size: 1rem; font-weight: 600; }}
.stApp [data-testid="stMetricValue"] {{ font-size: 2.2rem; }}
.stApp [class*="st-key-{ADVANCED_KEY_PREFIX}"] {{ display: none; }}
.stApp .block-container {{ max-width: 100%; padding-left: 2rem; padding-right: 2rem; }}
</style>"""


def present_figure(figure: go.Figure, theme: Theme = "light") -> go.Figure:
    """The figure restyled for a projector (changed in place and returned).

    Categories take the Okabe-Ito colours in order; a heatmap on a diverging scale (such as
    RdBu for cosines) takes the purple-orange scale, any other heatmap cividis. Marker and line
    sizes grow with the font.
    """
    colours = category_colours(theme)
    recolour = _Recolour(colours, TEXT_COLOUR[theme])
    figure.update_layout(
        font={"size": FIGURE_FONT_PX, "color": TEXT_COLOUR[theme]},
        colorway=colours,
        hoverlabel={"font_size": FIGURE_FONT_PX - 2},
        paper_bgcolor=BACKGROUND[theme],
        plot_bgcolor=BACKGROUND[theme],
    )
    _scale_fonts(figure)
    for trace in figure.data:
        if trace.type == "heatmap":
            scale = _scale_name(trace.colorscale)
            diverging = (scale in _DIVERGING_SCALES) or _is_symmetric(trace.zmin, trace.zmax)
            trace.update(
                colorscale=diverging_colorscale() if diverging else SEQUENTIAL_SCALE,
                reversescale=False,
            )
            continue
        if trace.type in ("scatter", "scattergl", "scatter3d", "bar"):
            recolour.trace(trace)
        if trace.type in ("scatter", "scattergl", "scatter3d"):
            marker = trace.marker
            if marker is not None and marker.size is not None and not _is_sequence(marker.size):
                trace.update(marker_size=max(float(marker.size), 10.0))
            if trace.line is not None and trace.line.width is not None:
                trace.update(line_width=max(float(trace.line.width), 3.0))
    return figure


def _scale_fonts(figure: go.Figure) -> None:
    """Every font size the figure sets (titles, subtitles, ticks, legends, colour bars, point
    labels, annotations) grown by `FONT_SCALE`; sizes it leaves unset follow the layout font.
    Numbers inside heatmap cells grow by `CELL_FONT_SCALE` only."""
    layout = figure.layout.to_plotly_json()
    layout.pop("font", None)
    layout.pop("hoverlabel", None)
    figure.update_layout(_scaled(layout, FONT_SCALE))
    for annotation in figure.layout.annotations:
        size = annotation.font.size if annotation.font is not None else None
        annotation.update(font_size=round(size * FONT_SCALE) if size else FIGURE_FONT_PX - 2)
    for trace in figure.data:
        factor = CELL_FONT_SCALE if trace.type == "heatmap" else FONT_SCALE
        trace.update(_scaled(trace.to_plotly_json(), factor))


def _scaled(tree: object, factor: float) -> dict:
    """The parts of a figure's JSON that set a font size, each size multiplied by `factor`."""
    if isinstance(tree, dict):
        found = {}
        for key, value in tree.items():
            if key.endswith("font") and isinstance(value, dict) and _is_number(value.get("size")):
                found[key] = {"size": round(float(value["size"]) * factor)}
            elif isinstance(value, dict) and key != "annotations":
                inner = _scaled(value, factor)
                if inner:
                    found[key] = inner
        return found
    return {}


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Recolour:
    """Maps each distinct category colour of a figure to the next safe colour, in order.

    Greys (including black and white) are neutral marks, not categories: black becomes the
    theme's text colour (it vanishes on a dark page), other greys stay.
    """

    def __init__(self, colours: list[str], text_colour: str) -> None:
        self.colours = colours
        self.text_colour = text_colour
        self.mapping: dict[str, str] = {}

    def colour(self, value: object) -> object:
        if not isinstance(value, str):
            return value
        rgba = _parse_colour(value)
        if rgba is None or rgba[3] == 0:
            return value
        if rgba[0] == rgba[1] == rgba[2]:
            return self.text_colour if rgba[0] == 0 else value
        key = value.replace(" ", "").lower()
        if key not in self.mapping:
            self.mapping[key] = self.colours[len(self.mapping) % len(self.colours)]
        return self.mapping[key]

    def trace(self, trace: object) -> None:
        marker = trace.marker
        if marker is not None and marker.color is not None:
            if _is_sequence(marker.color):
                trace.update(marker_color=[self.colour(item) for item in marker.color])
            else:
                trace.update(marker_color=self.colour(marker.color))
        if marker is not None and marker.line is not None and marker.line.color is not None:
            if not _is_sequence(marker.line.color):
                trace.update(marker_line_color=self.colour(marker.line.color))
        line = getattr(trace, "line", None)
        if line is not None and line.color is not None and not _is_sequence(line.color):
            trace.update(line_color=self.colour(line.color))


_NAMED = {
    "black": (0, 0, 0, 1.0),
    "white": (255, 255, 255, 1.0),
    "grey": (128, 128, 128, 1.0),
    "gray": (128, 128, 128, 1.0),
}


def _parse_colour(value: str) -> tuple[float, float, float, float] | None:
    """'#rrggbb', 'rgb(r,g,b)', 'rgba(r,g,b,a)' or a few names -> (r, g, b, a); else None."""
    text = value.strip().lower()
    if text in _NAMED:
        return _NAMED[text]
    if text.startswith("#") and len(text) == 7:
        try:
            return (int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16), 1.0)
        except ValueError:
            return None
    if text.startswith(("rgb(", "rgba(")) and text.endswith(")"):
        try:
            parts = [float(part) for part in text[text.index("(") + 1 : -1].split(",")]
        except ValueError:
            return None
        if len(parts) in (3, 4):
            return (parts[0], parts[1], parts[2], parts[3] if len(parts) == 4 else 1.0)
    return None


def _scale_name(colorscale: object) -> str | None:
    """The name a trace's colourscale was given with, when plotly kept it."""
    return colorscale if isinstance(colorscale, str) else None


def _is_symmetric(zmin: float | None, zmax: float | None) -> bool:
    return zmin is not None and zmax is not None and zmin < 0 < zmax and abs(zmin + zmax) < 1e-9


def _is_sequence(value: object) -> bool:
    return isinstance(value, list | tuple) or hasattr(value, "shape")
