from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA

from components.charts.search_charts import attention_bars, query_map
from components.vectors.projection import project_with_query


def test_query_is_placed_with_the_chunks_rotation():
    rng = np.random.default_rng(0)
    chunks = rng.normal(size=(30, 8)).astype(np.float32)
    query = rng.normal(size=8).astype(np.float32)
    coords = project_with_query(chunks, query)
    pca = PCA(n_components=2, random_state=0).fit(chunks)
    np.testing.assert_allclose(coords[:-1], pca.transform(chunks), atol=1e-4)
    np.testing.assert_allclose(coords[-1], pca.transform(query[None])[0], atol=1e-4)
    assert project_with_query(chunks[:1], query).shape == (2, 2)  # one chunk: no crash
    assert project_with_query(chunks[:2], query).shape == (3, 2)


def test_query_map_traces_and_escaping():
    coords = np.arange(8, dtype=float).reshape(4, 2)
    figure = query_map(coords, ["a", "<b>x</b>", "c"], ["doc", "doc", "other"], [1], "<i>q</i>")
    names = [trace.name for trace in figure.data]
    assert names == ["doc", "other", "top-k results", "your query"]
    assert (
        "<b>" not in str(figure.data[0].customdata) and "&lt;i&gt;" in figure.data[-1].customdata[0]
    )
    assert list(figure.data[-1].x) == [6.0]


def test_attention_bars_show_the_mean_line():
    figure = attention_bars(np.array([0.5, 0.25, 0.25]), "weights")
    assert list(figure.data[1].y) == [1 / 3] * 3
