"""What every chart of the labs shares: the palette, the payload budget of hover text, and user
text made safe for plotly.

User text is escaped where plotly interprets it: hover boxes and SVG text read a few HTML tags and
entities, so `<`, `>` and `&` become entities there (`escape`) and show as typed. Text drawn with
WebGL (3D labels) is shown verbatim by plotly, so it is not escaped (an escaped `you're` would
read `you&#x27;re`). Hover text is cut so that a chart's JSON stays within `HOVER_BYTES`
(`hover_chars`, `within_bytes`).
"""

from __future__ import annotations

import html
import textwrap

from plotly.colors import qualitative

PALETTE = qualitative.Safe + qualitative.Vivid  # colour-blind friendly first
PLOT_PX = (460.0, 400.0)  # the smallest plot area a chart gets (a 1024 px screen), in pixels

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
