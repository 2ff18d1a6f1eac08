from __future__ import annotations

import numpy as np
import pytest

from components.encoder import embed
from components.samples import load_preset
from tests.app.conftest import chart_specs, open_page, texts_of

EXPLORE = "pages/1_Explore.py"


def charts_by_type(app) -> dict[str, dict]:
    return {spec["data"][0]["type"]: spec for spec in chart_specs(app)}


def scatter_points(spec: dict) -> int:
    return sum(len(trace["x"]) for trace in spec["data"] if trace["name"] != "selected")


def test_default_preset_shows_heatmap_map_and_neighbours(explore):
    assert not explore.exception and not explore.error
    charts = charts_by_type(explore)
    assert set(charts) == {"heatmap", "scatter", "bar"}
    assert np.array(charts["heatmap"]["data"][0]["z"]).shape == (240, 240)
    assert scatter_points(charts["scatter"]) == 240
    assert len(charts["scatter"]["data"]) == 9  # 8 topics + the selection ring


def test_typing_sentences_updates_heatmap_and_map(explore, model):
    sentences = ["A cat sat on the mat.", "A kitten rested on the rug.", "Stocks fell sharply."]
    explore.text_area(key="explore_text").input("\n".join(sentences)).run()
    assert not explore.exception
    charts = charts_by_type(explore)
    z = np.array(charts["heatmap"]["data"][0]["z"])
    vectors = embed(model, sentences)
    # Shown clustered: compare as sets of values, and the exact matrix in input order below.
    assert z.shape == (3, 3)
    np.testing.assert_allclose(
        np.sort(z.ravel()), np.sort((vectors @ vectors.T).ravel()), atol=1e-5
    )
    explore.radio(key="explore_order").set_value("Input order").run()
    z = np.array(charts_by_type(explore)["heatmap"]["data"][0]["z"])
    np.testing.assert_allclose(z, vectors @ vectors.T, atol=1e-5)
    assert scatter_points(charts["scatter"]) == 3
    assert "UMAP needs at least 5 sentences" in texts_of(explore.info)


def test_pca_in_3d(explore):
    explore.radio(key="explore_method").set_value("pca").run()
    explore.radio(key="explore_dims").set_value(3).run()
    assert not explore.exception
    assert charts_by_type(explore)["scatter3d"]


def test_tsne_with_a_clamped_perplexity(explore):
    explore.text_area(key="explore_text").input("\n".join(f"sentence {i}" for i in range(12))).run()
    explore.radio(key="explore_method").set_value("tsne").run()
    assert not explore.exception
    assert "Perplexity lowered" in texts_of(explore.info)


def test_empty_input_says_so_and_keeps_the_text(explore):
    explore.text_area(key="explore_text").input("   \n\n").run()
    assert not explore.exception
    assert "No sentences yet" in texts_of(explore.error)
    assert chart_specs(explore) == []
    assert explore.text_area(key="explore_text").value == "   \n\n"


def test_one_sentence_has_a_heatmap_and_an_explained_map(explore):
    explore.text_area(key="explore_text").input("Only one sentence here.").run()
    assert not explore.exception
    charts = charts_by_type(explore)
    assert np.array(charts["heatmap"]["data"][0]["z"]).shape == (1, 1)
    assert "add at least one more" in texts_of(explore.info)
    assert "Add a second sentence" in texts_of(explore.info)


def test_duplicates_long_lines_and_html_get_messages(explore):
    lines = ["same line", "same line", "<script>alert('x')</script>", "word " * 300]
    explore.text_area(key="explore_text").input("\n".join(lines)).run()
    assert not explore.exception
    assert "1 duplicate sentence merged" in texts_of(explore.info)
    assert "longer than the model's window of 256 tokens" in texts_of(explore.warning)
    heatmap = charts_by_type(explore)["heatmap"]["data"][0]
    assert "&lt;script&gt;" in str(heatmap["x"]) and "<script>" not in str(heatmap)


def test_over_the_cap_uses_the_first_5000(explore):
    explore.text_area(key="explore_text").input(
        "\n".join(f"line number {i}" for i in range(5003))
    ).run(timeout=600)
    assert not explore.exception
    assert "over the cap of 5,000" in texts_of(explore.warning)
    assert {m.label: m.value for m in explore.metric}["Sentences"] == "5,000"


def test_presets_replace_the_text(explore):
    explore.selectbox(key="explore_preset").select(
        "Reference triplets: anchor / positive / negative"
    ).run()
    assert not explore.exception
    assert explore.text_area(key="explore_text").value.splitlines()[0] == (
        "How do I sort a list in Python?"
    )
    names = {trace["name"] for trace in charts_by_type(explore)["scatter"]["data"]}
    assert {"anchor", "positive", "negative"} <= names


def test_neighbours_follow_the_picked_sentence(explore, model):
    texts = load_preset("Eight topics, 240 sentences").texts
    explore.selectbox(key="explore_focus").select(texts[0]).run()
    explore.slider(key="explore_k").set_value(3).run()
    bars = charts_by_type(explore)["bar"]["data"][0]
    vectors = embed(model, texts)
    scores = vectors[1:] @ vectors[0]
    np.testing.assert_allclose(bars["x"], np.sort(scores)[::-1][:3], atol=1e-5)


def test_reference_demo_shows_the_real_cosines(explore):
    table = explore.dataframe[-1].value
    real = dict(zip(table["pair"], table["this model"], strict=True))
    assert real["physics ↔ physics"] == pytest.approx(0.030, abs=0.005)
    assert real["physics ↔ tacos"] == pytest.approx(-0.044, abs=0.005)
    assert real["physics ↔ its paraphrase"] > 0.5


def test_text_survives_a_visit_to_another_page():
    app = open_page(EXPLORE)
    app.text_area(key="explore_text").input("mine\nall mine").run()
    app.switch_page("app.py").run()
    app.switch_page(EXPLORE).run()
    assert app.text_area(key="explore_text").value == "mine\nall mine"
