from __future__ import annotations

import numpy as np
import pytest

from components.charts import scatter
from components.core import limits
from components.data.large_corpus import generate_corpus
from components.data.samples import load_preset
from components.explore import scale
from components.models.encoder import embed
from components.services.session_keys import JOBS_KEY
from components.vectors.heatmap_blocks import block_pair
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


def test_over_the_cap_uses_the_first_ones(explore, monkeypatch):
    """The cap is 100,000 sentences; a smaller one here keeps the test quick (same code path)."""
    monkeypatch.setattr(limits, "SENTENCES", 50)
    explore.text_area(key="explore_text").input(
        "\n".join(f"line number {i}" for i in range(53))
    ).run(timeout=600)
    assert not explore.exception
    assert "over the cap of 50" in texts_of(explore.warning)
    assert {m.label: m.value for m in explore.metric}["Sentences"] == "50"


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


# ---------------------------------------------------------------- many sentences
# The real thresholds are thousands of sentences; smaller ones here run the same code paths.
@pytest.fixture
def small_scale(monkeypatch):
    monkeypatch.setattr(limits, "BACKGROUND_SENTENCES", 100)
    monkeypatch.setattr(limits, "HEATMAP_SENTENCES", 50)
    monkeypatch.setattr(limits, "INDEX_SENTENCES", 400)
    monkeypatch.setattr(scatter, "BIG_SCATTER", 500)  # WebGL from this many points


def finish(app, slot: str, timeout: float = 600):
    """Wait for the session's background job in `slot`, then rerun the page."""
    job = app.session_state[JOBS_KEY][slot]
    assert job.wait(timeout), f"the {slot} job did not finish"
    return app.run()


def generate(app, n: int):
    app.radio(key="explore_source").set_value("Generate a large corpus").run()
    app.slider(key="explore_generate_n").set_value(n).run()
    return app


def test_many_sentences_are_prepared_in_the_background_and_drawn_at_scale(explore, small_scale):
    generate(explore, 1_000)
    assert not explore.exception
    assert "preparing them in the background" in texts_of(explore.caption)
    assert explore.button(key="explore_prepare_cancel")
    assert chart_specs(explore) == []  # nothing that needs the vectors yet ...
    assert explore.dataframe[-1].value["pair"].tolist()  # ... but the rest of the page is there
    finish(explore, "prepare")
    assert explore.session_state[JOBS_KEY]["projection"].label == "Projecting 1,000 points"
    finish(explore, "projection")
    assert not explore.exception
    specs = {spec["data"][0]["type"]: spec for spec in chart_specs(explore)}
    assert {"heatmap", "scattergl", "bar"} <= set(specs)
    blocks, pair = [spec for spec in chart_specs(explore) if spec["data"][0]["type"] == "heatmap"]
    assert 2 <= np.array(blocks["data"][0]["z"]).shape[0] <= 60
    assert np.array(pair["data"][0]["z"]).shape[0] <= 120
    assert scatter_points(specs["scattergl"]) == 1_000
    assert {m.label: m.value for m in explore.metric}["Sentences"] == "1,000"
    estimate = scale.session_memory_mb(1_000, 384)
    assert f"These 1,000 sentences take about **{estimate:,.0f} MB**" in texts_of(explore.caption)


def test_the_block_heatmap_drills_into_a_pair_of_blocks(explore, small_scale, model):
    generate(explore, 1_000)
    finish(explore, "prepare")
    explore.selectbox(key="explore_block_columns").select(1).run()
    assert not explore.exception
    prepared = explore.session_state[JOBS_KEY]["prepare"].result
    pair = [s for s in chart_specs(explore) if s["data"][0]["type"] == "heatmap"][1]["data"][0]
    rows = block_pair(prepared.vectors, prepared.blocks, 0, 1)
    texts = generate_corpus(1_000, 0).texts
    direct = (
        embed(model, [texts[i] for i in rows.rows_a])
        @ embed(model, [texts[i] for i in rows.rows_b]).T
    )
    np.testing.assert_allclose(np.array(pair["z"]), direct, atol=1e-5)


def test_encoding_can_be_cancelled_and_resumed(explore, small_scale):
    generate(explore, 2_000)
    explore.button(key="explore_prepare_cancel").click().run()
    job = explore.session_state[JOBS_KEY]["prepare"]
    job.wait(600)
    explore.run()
    assert not explore.exception
    assert job.state == "cancelled" and "stopped at" in texts_of(explore.warning)
    explore.button(key="explore_prepare_resume").click().run()
    resumed = explore.session_state[JOBS_KEY]["prepare"]
    assert resumed is not job
    finish(explore, "prepare")
    assert resumed.state == "done" and resumed.result.vectors.shape == (2_000, 384)


def test_past_the_exact_size_neighbours_come_from_the_index(explore, small_scale, model):
    generate(explore, 1_000)
    finish(explore, "prepare")
    prepared = explore.session_state[JOBS_KEY]["prepare"].result
    assert prepared.neighbours.method == "hnsw"
    assert "faiss HNSW index" in texts_of(explore.caption)
    table = next(frame.value for frame in explore.dataframe if "neighbour" in frame.value)
    texts = generate_corpus(1_000, 0).texts
    focus = texts.index(explore.selectbox(key="explore_focus").value)
    exact = embed(model, list(table["neighbour"])) @ embed(model, [texts[focus]])[0]
    np.testing.assert_allclose(table["cosine"], exact, atol=1e-5)  # cosines re-scored exactly
    assert len(table) == 5 and (np.diff(table["cosine"]) <= 1e-6).all()


def test_tsne_is_refused_past_its_limit(explore, small_scale, monkeypatch):
    monkeypatch.setattr(limits, "TSNE_SENTENCES", 500)
    generate(explore, 1_000)
    finish(explore, "prepare")
    explore.radio(key="explore_method").set_value("tsne").run()
    assert "t-SNE takes up to 500 sentences" in texts_of(explore.warning)


def test_public_mode_refuses_a_corpus_too_large_for_its_memory(explore, small_scale, monkeypatch):
    monkeypatch.setattr(scale, "public_mode", lambda: True)
    monkeypatch.setattr(limits, "SESSION_MB", 1)
    generate(explore, 1_000)
    assert not explore.exception
    message = texts_of(explore.error)
    assert "would need about" in message and "of memory" in message and "use 1 MB" in message
    # Refused before any work: no background preparation was started.
    assert JOBS_KEY not in explore.session_state


def test_the_sidebar_picks_the_encoder_backend_and_the_page_says_which(explore, model):
    assert "ONNX fp32 (exact within 1e-5)" in texts_of(explore.caption)
    sentences = ["A cat sat on the mat.", "A kitten rested on the rug.", "Stocks fell sharply."]
    explore.text_area(key="explore_text").input("\n".join(sentences)).run()
    explore.radio(key="explore_order").set_value("Input order").run()
    vectors = embed(model, sentences)
    exact = vectors @ vectors.T
    z = np.array(charts_by_type(explore)["heatmap"]["data"][0]["z"])
    np.testing.assert_allclose(z, exact, atol=1e-4)  # the exact backend (4 decimals sent)
    explore.selectbox(key="encoder_backend").select("int8").run(timeout=600)
    assert not explore.exception
    assert "ONNX int8" in texts_of(explore.caption)
    assert "fast (ONNX int8) backend" in texts_of(explore.sidebar.caption)
    z = np.array(charts_by_type(explore)["heatmap"]["data"][0]["z"])
    assert 1e-4 < np.abs(z - exact).max() < 0.05  # close to exact, not equal
    explore.selectbox(key="encoder_backend").select("exact").run()
    z = np.array(charts_by_type(explore)["heatmap"]["data"][0]["z"])
    np.testing.assert_allclose(z, exact, atol=1e-4)
