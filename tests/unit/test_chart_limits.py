"""Every chart stays under limits.CHART_MB at the limits of its inputs, for hostile text (issue 9).

Each chart is built as the pages build it, at the largest input the limits allow, with the text
that costs most bytes: emoji (each sent as two `\\uXXXX` escapes, 12 bytes), `<&>` (escaped to
entities) and long words. The size is what Streamlit sends: `plotly.io.to_json(figure)`.
Run with `-s` to print the sizes (the README's Limits section quotes them).
"""

from __future__ import annotations

import numpy as np
import plotly.io
import pytest

from components.charts import block_charts, charts, common, loss_charts, scatter, search_charts
from components.core import limits
from components.data.chunking import chunk_text
from components.vectors.heatmap_blocks import block_pair, block_similarity

KINDS = {
    "emoji": "🚀🔥👍",
    "html": "<&>\"'",
    "words": "bank ",
}
SIZES: dict[str, float] = {}


def _texts(kind: str, n: int, chars: int = 5_000) -> list[str]:
    pattern = KINDS[kind]
    body = (pattern * (chars // len(pattern) + 1))[:chars]
    return [f"{i} {body}" for i in range(n)]


def _megabytes(figure) -> float:
    return len(plotly.io.to_json(figure, validate=False).encode("utf-8")) / 1e6


def _check(name: str, figure) -> None:
    size = _megabytes(figure)
    SIZES[name] = max(size, SIZES.get(name, 0.0))
    assert size < limits.CHART_MB, f"{name}: {size:.1f} MB"


def _rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    print("\nLargest chart each limit allows (MB):")
    for name, size in sorted(SIZES.items(), key=lambda item: -item[1]):
        print(f"  {size:6.2f}  {name}")


@pytest.mark.parametrize("kind", KINDS)
def test_explore_charts(kind):
    for n in (limits.HEATMAP_SENTENCES, 60, 20):
        texts = _texts(kind, n)
        similarity = _rng().uniform(-1, 1, (n, n))
        _check(
            f"Explore heatmap, {n} sentences",
            charts.similarity_heatmap(similarity, texts, show_values=n <= 20),
        )
    n = limits.SENTENCES
    texts = _texts(kind, n, 400)  # a hover is cut at 400 characters: longer costs nothing more
    labels = _texts(kind, 24, 200)  # 24 colour groups (the page's MAX_COLOURS)
    groups = [labels[i % 24] for i in range(n)]
    for dims in (2, 3):
        coords = _rng().normal(size=(n, dims))
        _check(
            f"Explore map {dims}D, {n:,} sentences",
            scatter.projection_scatter(coords, texts, groups, highlight=0),
        )
    vectors = _rng().normal(size=(n, 16)).astype(np.float32)
    blocks = block_similarity(vectors)
    _check(f"Explore block heatmap, {n:,} sentences", block_charts.block_heatmap(blocks, texts))
    pair = block_pair(vectors, blocks, 0, 1)
    _check(
        f"Explore block pair, {n:,} sentences",
        block_charts.pair_heatmap(pair, texts, range(1, n + 1)),
    )
    small = scatter.TEXT_LABELS_MAX
    _check(
        f"Explore map 3D, {small} labelled sentences",
        scatter.projection_scatter(_rng().normal(size=(small, 3)), texts[:small], groups[:small]),
    )
    _check("Explore neighbours, 20", charts.neighbor_bars(texts[:20], list(np.linspace(1, -1, 20))))


@pytest.mark.parametrize("kind", KINDS)
def test_tokens_page_charts(kind):
    occurrences = limits.WORDS_TO_FOLLOW * limits.CONTEXT_SENTENCES
    labels = _texts(kind, occurrences)
    _check(
        f"Tokens word heatmap, {occurrences} occurrences",
        charts.similarity_heatmap(
            _rng().uniform(-1, 1, (occurrences, occurrences)), labels, show_values=False
        ),
    )
    window = 256
    sentences = _texts(kind, limits.CONTEXT_SENTENCES, limits.SMALL_BOX_CHARS)
    points = limits.CONTEXT_SENTENCES * window
    pieces = [_texts(kind, 1, 18)[0] for _ in range(points)]
    owners = [i // window for i in range(points)]
    _check(
        f"Tokens token map, {points:,} tokens",
        charts.token_scatter(_rng().normal(size=(points, 2)), pieces, owners, sentences),
    )
    _check(
        "Tokens share heatmap, 5 x 256",
        charts.token_share_heatmap(_rng().uniform(size=(5, window)), ["a"] * 5, pieces[:window]),
    )
    n = limits.POOLING_SENTENCES
    matrices = {mode: _rng().uniform(-1, 1, (n, n)) for mode in ("cls", "mean", "max", "m", "a")}
    _check(f"Pooling heatmaps, 5 x {n}", charts.similarity_heatmaps(matrices, _texts(kind, n)))
    steps = max(limits.HEAD_STEPS, limits.TRAIN_TRIPLETS // 2 * limits.EPOCHS)
    _check(
        f"Loss curve, {steps} steps",
        charts.loss_curve(
            list(_rng().uniform(size=steps)), "t", epochs=[1 + i // 40 for i in range(steps)]
        ),
    )


@pytest.mark.parametrize("kind", KINDS)
def test_loss_lab_charts(kind):
    n = limits.TRIPLETS
    anchors = _texts(kind, n)
    grid = np.linspace(-1, 1, 81)
    _check(
        f"Loss landscape, {n} triplets",
        loss_charts.loss_landscape(
            grid,
            _rng().uniform(size=(81, 81)),
            list(_rng().uniform(-1, 1, n)),
            list(_rng().uniform(-1, 1, n)),
            anchors,
            ["easy"] * n,
            "title",
        ),
    )
    taus = {tau: _rng().dirichlet(np.ones(2 * n)) for tau in (1, 0.2, 0.05, 0.01, 0.001)}
    _check(
        f"Softmax bars, 5 x {2 * n}",
        loss_charts.softmax_bars(taus, _texts(kind, 2 * n), positive=0),
    )
    pair = (_rng().uniform(-1, 1, n), _rng().uniform(-1, 1, n))
    _check(
        f"Cosine shift, {n} triplets",
        loss_charts.cosine_shift(pair, pair, anchors, [i % 4 == 0 for i in range(n)]),
    )
    texts = _texts(kind, 3 * n)
    roles = ["anchor", "positive", "negative"] * n
    _check(
        f"Movement map, {3 * n} sentences",
        loss_charts.movement_map(
            _rng().normal(size=(3 * n, 2)), _rng().normal(size=(3 * n, 2)), texts, roles
        ),
    )


@pytest.mark.parametrize("kind", KINDS)
def test_search_charts(kind):
    n = limits.CHUNKS
    chunk_texts = _texts(kind, n, 1_200)
    names = _texts(kind, limits.DOCUMENTS, 300)
    _check(
        f"Search query map, {n:,} chunks",
        search_charts.query_map(
            _rng().normal(size=(n + 1, 2)),
            chunk_texts,
            [names[i % 8] for i in range(n)],
            list(range(20)),
            chunk_texts[0],
        ),
    )
    _check(
        f"Search attention bars, {n:,} chunks",
        search_charts.attention_bars(_rng().dirichlet(np.ones(n)), names[0]),
    )
    books = limits.DOCUMENTS
    _check(
        f"Search book heatmap, {books} documents",
        charts.similarity_heatmap(_rng().uniform(-1, 1, (books, books)), names, show_values=True),
    )


def test_hover_chars_shrink_with_the_count_and_stay_readable():
    assert common.hover_chars(10) == 400
    assert common.hover_chars(5_000) == common.HOVER_BYTES // 5_000 // 12
    assert common.hover_chars(10**7) == 40


def test_chunk_text_stops_at_max_chunks(model):
    text = "word " * 5_000
    chunks = chunk_text(text, model.tokenizer, 40, 39, max_chunks=100)
    assert len(chunks) == 100 and chunks[-1].end < len(text.rstrip())
    assert chunk_text("a b c", model.tokenizer, 40, 0, max_chunks=100)[0].text == "a b c"


def test_3d_labels_show_text_as_typed_and_2d_labels_escape_only_what_plotly_reads():
    texts = ["you're <b>bold</b> & co"] * 3
    three_d = scatter.projection_scatter(np.eye(3), texts)
    assert three_d.data[0].text[0] == "you're <b>bold</b> & co"  # WebGL: shown verbatim
    two_d = scatter.projection_scatter(np.eye(3)[:, :2], texts)
    assert two_d.data[0].text[0] == "you're &lt;b&gt;bold&lt;/b&gt; &amp; co"
    assert "you're" in two_d.data[0].customdata[0][1]  # hover: no &#x27;
