from __future__ import annotations

import numpy as np
import pytest

from components.charts import charts, common, scatter
from components.core.tables import vectors_table
from components.data.samples import PRESETS, load_preset, load_table


def test_hover_text_escapes_html_and_wraps():
    text = common.hover_text("<script>alert('x')</script> " + "word " * 30)
    assert "<script>" not in text and "&lt;script&gt;" in text and "<br>" in text


def test_heatmap_carries_the_matrix_and_full_sentences():
    similarity = np.array([[1.0, 0.25], [0.25, 1.0]])
    figure = charts.similarity_heatmap(similarity, ["<b>a</b>", "b"], show_values=True)
    heatmap = figure.data[0]
    np.testing.assert_allclose(np.array(heatmap.z), similarity)
    assert heatmap.texttemplate and "&lt;b&gt;a&lt;/b&gt;" in heatmap.x[0]  # the hover's row name
    assert "%{y}" in heatmap.hovertemplate and "%{x}" in heatmap.hovertemplate
    assert list(figure.layout.xaxis.ticktext) == ["1. &lt;b&gt;a&lt;/b&gt;", "2. b"]


def test_heatmap_hover_grows_with_n_not_n_squared():
    """240 sentences of 200 characters: every cell hovers both full sentences, under 2 MB."""
    n = 240
    texts = [f"sentence {i} " + "quite long words " * 12 for i in range(n)]
    similarity = np.random.default_rng(0).uniform(-1, 1, (n, n))
    figure = charts.similarity_heatmap(similarity, texts, show_values=False)
    size = len(figure.to_json())
    assert size < 2 * 2**20, size
    heatmap = figure.data[0]
    assert heatmap.customdata is None and len(heatmap.x) == n  # one hover string per row
    assert texts[7].split()[0] in heatmap.y[7] and "quite long" in heatmap.x[200]


def test_scatter_has_one_trace_per_label_with_row_ids():
    coords = np.arange(8, dtype=float).reshape(4, 2)
    figure = scatter.projection_scatter(coords, list("abcd"), ["x", "y", "x", "y"], highlight=1)
    groups = {
        trace.name: [int(row) for row in trace.customdata[:, 0]]
        for trace in figure.data
        if trace.customdata is not None
    }
    assert groups == {"x": [0, 2], "y": [1, 3]}
    ring = figure.data[-1]
    assert ring.name == "selected" and (ring.x[0], ring.y[0]) == (2.0, 3.0)


def test_scatter_3d_and_webgl_for_big_sets():
    assert scatter.projection_scatter(np.zeros((3, 3)), list("abc")).data[0].type == "scatter3d"
    big = scatter.projection_scatter(np.zeros((1500, 2)), [str(i) for i in range(1500)])
    assert big.data[0].type == "scattergl"


def test_presets_load_with_labels():
    topics = load_preset("Eight topics, 240 sentences")
    assert len(topics.texts) >= 200 and len(set(topics.labels)) == 8
    triplets = load_preset("Reference triplets: anchor / positive / negative")
    assert triplets.texts[:3] == [
        "How do I sort a list in Python?",
        "Python list sort methods?",
        "What is the GDP of Canada?",
    ]
    assert triplets.labels[:3] == ["anchor", "positive", "negative"]
    for preset in PRESETS.values():
        assert not load_table(preset.filename).empty


def test_vectors_table_preview():
    table = vectors_table(["a", "b"], ["x", "y"], np.ones((2, 384)), max_dims=4)
    assert list(table.columns) == ["text", "label", "dim_0", "dim_1", "dim_2", "dim_3"]


def test_loss_curve_line_epoch_markers_and_log_scale():
    figure = charts.loss_curve([1.0, 0.1, 0.001, 0.0005], "loss", epochs=[1, 1, 2, 2])
    assert list(figure.data[0].y) == [1.0, 0.1, 0.001, 0.0005]
    assert [trace.name for trace in figure.data[1:]] == ["epoch 1", "epoch 2"]
    assert figure.layout.yaxis.type == "log"
    assert charts.loss_curve([0.5, 0.4]).layout.yaxis.type == "linear"


@pytest.mark.parametrize("text", ["plain words " * 40, "🚀" * 100, "<&>" * 100, 'a"b\\c' * 50])
def test_within_bytes_bounds_the_json_of_a_hover(text):
    import json

    from components.charts.common import escape, within_bytes

    for budget in (20, 50, 200):
        cut = within_bytes(text, budget)
        assert text.startswith(cut.rstrip("…"))
        assert len(json.dumps(escape(cut))) - 2 <= budget  # ensure_ascii, as plotly sends it
    assert within_bytes("short", 50) == "short"


def test_a_100k_point_map_keeps_hover_text_and_stays_under_the_chart_limit():
    import plotly.io

    from components.charts.scatter import projection_scatter
    from components.core import limits

    n = 100_000
    coords = np.random.default_rng(0).normal(size=(n, 2))
    texts = [f"Sentence {i}: the lighthouse keeper trimmed the wick at dusk." for i in range(n)]
    figure = projection_scatter(coords, texts, [f"topic {i % 12}" for i in range(n)])
    assert {trace.type for trace in figure.data} == {"scattergl"}
    assert sum(len(trace.x) for trace in figure.data) == n
    first = figure.data[0].customdata[0]
    assert first[1].startswith(texts[int(first[0])][:30])  # the hover still reads the sentence
    assert len(plotly.io.to_json(figure, validate=False)) < limits.CHART_MB * 1e6
