"""HTML views of a document: chunk boundaries and overlaps, and a hit shown in its context.

All document text is HTML-escaped here; the page renders the result with `unsafe_allow_html`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from components.data.chunking import Chunk

CHUNK_COLOURS = ("#dbeafe", "#dcfce7")  # alternate chunks: light blue, light green
OVERLAP_COLOUR = "#fde68a"  # text inside two chunks: amber
HIT_COLOUR = "#fde047"
_CAPTION_STYLE = "font-size: 0.875rem; color: rgba(49, 51, 63, 0.6);"  # as st.caption
_STYLE = (
    "font-family: ui-sans-serif, system-ui, sans-serif; font-size: 0.92rem; line-height: 1.6; "
    "white-space: pre-wrap; word-wrap: break-word;"
)


def chunk_map_html(text: str, chunks: Sequence[Chunk], limit: int = 30_000) -> str:
    """The text with each chunk shaded (alternating colours), overlaps in amber, and a numbered
    marker where each chunk starts. Only the first `limit` characters are drawn."""
    end_of_view = min(len(text), limit)
    boundaries = {0, end_of_view}
    for chunk in chunks:
        boundaries.update(p for p in (chunk.start, chunk.end) if p <= end_of_view)
    points = sorted(boundaries)
    starts = {chunk.start: number for number, chunk in enumerate(chunks, start=1)}
    parts = [f'<div style="{_STYLE}">']
    for left, right in zip(points, points[1:], strict=False):
        if left in starts:
            parts.append(
                f'<span style="background:#1e3a8a;color:white;border-radius:3px;'
                f'padding:0 3px;font-size:0.7rem;margin-right:2px">{starts[left]}</span>'
            )
        inside = [n for n, c in enumerate(chunks) if c.start <= left and right <= c.end]
        piece = html.escape(text[left:right])
        if not inside:
            parts.append(piece)
        elif len(inside) > 1:
            parts.append(
                f'<span style="background:{OVERLAP_COLOUR}" title="overlap of chunks '
                f'{" and ".join(str(n + 1) for n in inside)}">{piece}</span>'
            )
        else:
            colour = CHUNK_COLOURS[inside[0] % 2]
            parts.append(f'<span style="background:{colour}">{piece}</span>')
    if end_of_view < len(text):
        parts.append(f"<br><em>… {len(text) - end_of_view:,} more characters not drawn.</em>")
    parts.append("</div>")
    return "".join(parts)


def context_html(text: str, start: int, end: int, context: int = 400) -> str:
    """`text[start:end]` highlighted, with up to `context` characters either side."""
    left, right = max(0, start - context), min(len(text), end + context)
    before = ("… " if left > 0 else "") + html.escape(text[left:start])
    after = html.escape(text[end:right]) + (" …" if right < len(text) else "")
    hit = html.escape(text[start:end])
    return (
        f'<div style="{_STYLE}"><span style="color:#6b7280">{before}</span>'
        f'<mark style="background:{HIT_COLOUR}">{hit}</mark>'
        f'<span style="color:#6b7280">{after}</span></div>'
    )


def chunk_legend_html() -> str:
    """What the colours of `chunk_map_html` mean, as one line of HTML."""
    return (
        f'<span style="{_CAPTION_STYLE}"><span style="background:{CHUNK_COLOURS[0]}">chunk</span> '
        f'<span style="background:{CHUNK_COLOURS[1]}">next chunk</span> '
        f'<span style="background:{OVERLAP_COLOUR}">overlap (in both)</span> · the dark number '
        "marks where each chunk starts · unshaded text is only whitespace the model never sees."
        "</span>"
    )
