from __future__ import annotations

import json

import numpy as np
import pandas as pd

from components.charts.map_charts import (
    GREY,
    axis_map_chart,
    axis_strip,
    explained_variance_bars,
    map_scatter,
    overlap_bars,
    truncation_line,
)
from components.explore.axes import make_axis

RNG = np.random.default_rng(0)


def rows_of(figure) -> dict[str, list[int]]:
    return {trace.name: [int(c[0]) for c in trace.customdata] for trace in figure.data}


def test_map_has_a_trace_per_group_with_row_ids():
    coords = RNG.normal(size=(6, 2))
    figure = map_scatter(coords, list("abcdef"), groups=["x", "y", "x", "y", "x", "<b>z</b>"])
    assert rows_of(figure) == {"x": [0, 2, 4], "y": [1, 3], "&lt;b&gt;z&lt;/b&gt;": [5]}
    assert figure.data[0].type == "scatter"
    ordered = map_scatter(coords, list("abcdef"), groups=["x", "y"] * 3, group_order=["y", "x"])
    assert [t.name for t in ordered.data] == ["y", "x"]


def test_highlight_greys_out_the_rest():
    coords = RNG.normal(size=(6, 2))
    figure = map_scatter(
        coords, list("abcdef"), groups=["x"] * 6, highlight=[1, 4, 99], dragmode="lasso"
    )
    assert rows_of(figure) == {"not selected": [0, 2, 3, 5], "x": [1, 4]}
    assert figure.data[0].marker.color == GREY and figure.layout.dragmode == "lasso"
    nothing = map_scatter(coords, list("abcdef"), highlight=[])
    assert rows_of(nothing) == {"not selected": [0, 1, 2, 3, 4, 5]}


def test_kept_colours_on_a_fixed_scale():
    kept = np.array([0.0, 0.5, 1.0])
    figure = map_scatter(RNG.normal(size=(3, 2)), ["<script>x</script>", "b", "c"], kept=kept)
    marker = figure.data[0].marker
    assert (marker.cmin, marker.cmax) == (0.0, 1.0)
    np.testing.assert_array_equal(marker.color, kept)
    assert (
        "&lt;script&gt;" in figure.data[0].customdata[0][1]
        and "kept 0%" in figure.data[0].customdata[0][1]
    )


def test_big_maps_use_webgl_and_stay_small():
    n = 5_000  # the input cap
    texts = ["a long sentence with many words " * 12] * n
    coords = RNG.normal(size=(n, 2))
    for options in ({"groups": [str(i % 8) for i in range(n)]}, {"kept": RNG.uniform(size=n)}):
        figure = map_scatter(coords, texts, **options)
        assert figure.data[0].type == "scattergl"
        assert len(figure.to_json()) < 2_000_000
    default = map_scatter(coords[:240], texts[:240], groups=["a"] * 240)
    assert len(default.to_json()) < 200_000


def test_axis_charts_mark_the_poles():
    axis = make_axis(np.array([1.0, 0, 0]), np.array([0, 1.0, 0]), "cold", "hot")
    other = make_axis(np.array([0, 0, 1.0]), np.array([0, 0, -1.0]), "up", "down")
    strip = axis_strip(np.array([-0.5, 0.1, 0.6]), ["a", "b", "c"], ["g1", "g2", "g1"], axis)
    assert [t.name for t in strip.data] == ["g1", "g2"]
    lines = [shape.x0 for shape in strip.layout.shapes]
    np.testing.assert_allclose(sorted(lines), [-axis.half_length, axis.half_length])
    texts = [a.text for a in strip.layout.annotations]
    assert any("cold" in t for t in texts) and any("hot" in t for t in texts)
    chart = axis_map_chart(RNG.normal(size=(3, 2)), ["a", "b", "c"], ["g"] * 3, axis, other)
    assert len(chart.layout.shapes) == 4 and "cold" in chart.layout.xaxis.title.text


def test_lesson_charts():
    bars = explained_variance_bars(np.array([0.04, 0.03]))
    np.testing.assert_allclose(bars.data[0].customdata, [0.04, 0.07])
    table = pd.DataFrame({"precision": ["float32", "binary"], "overlap@10": [1.0, 0.7]})
    assert list(overlap_bars(table, "precision", "overlap@10").data[0].x) == [1.0, 0.7]
    dims = pd.DataFrame(
        {"dims": [8, 384], "overlap@10": [0.2, 1.0], "bytes per vector": [32, 1536]}
    )
    line = truncation_line(dims, "overlap@10")
    assert list(line.data[0].x) == [8, 384]
    json.loads(line.to_json())
