from __future__ import annotations

import re

from components.data.chunking import Chunk
from components.retrieval.highlight import OVERLAP_COLOUR, chunk_map_html, context_html

TEXT = "alpha beta gamma delta <script>x</script>"


def test_chunk_map_marks_chunks_overlaps_and_escapes_user_text():
    chunks = [Chunk(TEXT[0:16], 0, 16, 3), Chunk(TEXT[11:41], 11, 41, 9)]
    html = chunk_map_html(TEXT, chunks)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert f'background:{OVERLAP_COLOUR}" title="overlap of chunks 1 and 2">gamma<' in html
    numbers = re.findall(r">(\d+)</span>", html)
    assert numbers == ["1", "2"]
    without_markers = re.sub(r"<span[^>]*>\d+</span>", "", html)
    plain = re.sub(r"<[^>]+>", "", without_markers)  # every character shown once, in order
    assert plain == "alpha beta gamma delta &lt;script&gt;x&lt;/script&gt;"


def test_chunk_map_draws_only_up_to_the_limit():
    html = chunk_map_html("word " * 100, [Chunk("word " * 100, 0, 500, 100)], limit=50)
    assert "450 more characters" in html


def test_context_highlights_the_hit():
    html = context_html("one two three four five", 8, 13, context=4)
    assert "<mark" in html and ">three</mark>" in html
    assert "… " in html and " …" in html  # cut on both sides
