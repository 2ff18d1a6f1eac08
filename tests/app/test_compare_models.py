"""Explore's two-models section: the model in use against its random-weight copy."""

from __future__ import annotations

import numpy as np

from components.models.encoder import embed, untrained_copy
from tests.app.conftest import chart_specs, open_page

SENTENCES = [
    "How do I sort a list in Python?",
    "Python list sort methods?",
    "What is the GDP of Canada?",
    "Signs you're low on iron",
    "Symptoms of iron-deficiency anaemia?",
]


def test_compare_with_random_weights_shows_both_heatmaps_the_difference_and_the_maps(model):
    app = open_page("pages/1_Explore.py")
    app.text_area(key="explore_text").input("\n".join(SENTENCES)).run()
    app.radio(key="explore_order").set_value("Input order").run()
    app.toggle(key="explore_compare").set_value(True).run()
    assert not app.exception, app.exception
    specs = {spec["data"][0]["type"] + str(len(spec["data"])): spec for spec in chart_specs(app)}
    heatmaps = [
        s for s in chart_specs(app) if len(s["data"]) == 3 and s["data"][0]["type"] == "heatmap"
    ]
    assert len(heatmaps) == 1, specs.keys()
    a, b, difference = (np.array(trace["z"]) for trace in heatmaps[0]["data"])
    vectors = embed(model, SENTENCES)
    np.testing.assert_allclose(a, vectors @ vectors.T, atol=1e-5)
    random_vectors = embed(untrained_copy(model, 0), SENTENCES)
    np.testing.assert_allclose(b, random_vectors @ random_vectors.T, atol=1e-5)
    np.testing.assert_allclose(difference, np.clip(b - a, -1, 1), atol=1e-5)
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Top-3 neighbours kept"].endswith("%")
    maps = [s for s in chart_specs(app) if [t.get("name") for t in s["data"]][:1] == ["moved"]]
    assert len(maps) == 1 and len(maps[0]["data"][1]["x"]) == len(SENTENCES)
