"""AppTest of the Map lab: every control, with the figures checked against the components."""

from __future__ import annotations

import numpy as np
import pytest

from components.data.samples import DEFAULT_PRESET, load_preset
from components.models.encoder import embed, load_fast_model
from components.services.encoding import TEXTS_PER_ENTRY
from components.vectors.clusters import cluster_sentences
from components.vectors.projection import honesty, project
from components.widgets import SENTENCES_KEY
from tests.app.conftest import chart_specs, open_page, texts_of

MAP_LAB = "pages/5_Map_Lab.py"


@pytest.fixture
def lab():
    return open_page(MAP_LAB)


@pytest.fixture(scope="module")
def preset_vectors(model):
    """The vectors as the page gets them: from the server's default (torch-free) encoder, in
    slices of TEXTS_PER_ENTRY: UMAP and t-SNE react to the last-bit differences (~1e-7) that another
    encoder or batching gives."""
    model = load_fast_model() or model
    texts = load_preset(DEFAULT_PRESET).texts
    slices = range(0, len(texts), TEXTS_PER_ENTRY)
    return np.concatenate([embed(model, texts[i : i + TEXTS_PER_ENTRY]) for i in slices])


def charts(app) -> dict[str, dict]:
    """Figures by the key they were drawn under (`maplab_map_umap`, ...)."""
    keys = [chart.proto.id.rsplit("-", 1)[-1] for chart in app.get("plotly_chart")]
    return dict(zip(keys, chart_specs(app), strict=True))


def table_with(app, column: str):
    """The table on the page that has `column` (st.dataframe carries no key in AppTest)."""
    return next(frame.value for frame in app.dataframe if column in frame.value.columns)


def metrics(app) -> list[tuple[str, str]]:
    return [(metric.label, metric.value) for metric in app.metric]


def drawn_coords(spec: dict) -> np.ndarray:
    """(n, 2) map coordinates as drawn, in row order (each point's row id is customdata[0])."""
    points = {}
    for trace in spec["data"]:
        for x, y, custom in zip(
            trace["x"], trace["y"], trace.get("customdata") or [], strict=False
        ):
            points[int(custom[0])] = (x, y)
    return np.array([points[row] for row in sorted(points)], dtype=np.float64)


def rows_on(spec: dict, name: str) -> list[int]:
    return sorted(int(c[0]) for t in spec["data"] if t["name"] == name for c in t["customdata"])


def test_three_maps_with_their_honesty_figures(lab, preset_vectors):
    assert not lab.exception and not lab.error
    figures = charts(lab)
    assert {"maplab_map_pca", "maplab_map_umap", "maplab_map_tsne"} <= set(figures)
    title = figures["maplab_map_umap"]["layout"]["title"]
    assert title["text"] == "UMAP"
    assert (  # the subtitle breaks onto a second line (<br>) to fit a narrow map
        title["subtitle"]["text"].replace("<br>", " ")
        == "15 neighbours · min dist 0.10 · 240 sentences · aligned to PCA"
    )
    assert figures["maplab_map_pca"]["layout"]["title"]["subtitle"]["text"] == "240 sentences"
    shown = metrics(lab)
    for method in ("pca", "umap", "tsne"):  # the page's figures are honesty() of the map drawn
        expected = honesty(preset_vectors, drawn_coords(figures[f"maplab_map_{method}"]), 10)
        assert ("Trustworthiness", f"{expected.trustworthiness:.3f}") in shown
        assert ("Kept (k = 10)", f"{expected.mean_kept:.0%}") in shown
    assert "Trustworthiness 0.74" in texts_of(lab.caption)  # PCA's reading for learners
    bars = figures["maplab_explained"]["data"][0]["y"]
    assert len(bars) == 10 and bars[0] >= bars[1] > 0
    assert f"{sum(bars[:2]):.1%}" in texts_of(lab.caption)


def test_colour_by_kept_share(lab, preset_vectors):
    lab.radio(key="maplab_colour").set_value("kept share").run()
    spec = charts(lab)["maplab_map_pca"]
    marker = spec["data"][0]["marker"]
    kept = honesty(preset_vectors, project(preset_vectors, "pca", 2).coords, 10).kept
    rows = [int(c[0]) for c in spec["data"][0]["customdata"]]
    np.testing.assert_allclose(marker["color"], kept[rows])
    assert (marker["cmin"], marker["cmax"]) == (0, 1)


def test_settings_apply_with_the_button(lab):
    lab.slider(key="maplab_nn").set_value(5).run()
    title = charts(lab)["maplab_map_umap"]["layout"]["title"]["subtitle"]["text"]
    assert "15 neighbours" in title  # chosen, not applied: a form waits for its button
    lab.slider(key="maplab_nn").set_value(5)
    lab.slider(key="maplab_min_dist").set_value(0.5)
    lab.slider(key="maplab_perp").set_value(10)
    lab.slider(key="maplab_k").set_value(5)
    lab.button(key="maplab_apply").click().run()
    assert not lab.exception
    figures = charts(lab)
    assert (
        "5 neighbours · min dist 0.50"
        in figures["maplab_map_umap"]["layout"]["title"]["subtitle"]["text"]
    )
    assert "perplexity 10" in figures["maplab_map_tsne"]["layout"]["title"]["subtitle"]["text"]
    assert ("Kept (k = 5)", metrics(lab)[1][1]) in metrics(lab)
    lab.multiselect(key="maplab_methods").set_value(["pca"])
    lab.button(key="maplab_apply").click().run()
    assert not any(key.startswith(("maplab_map_umap", "maplab_map_tsne")) for key in charts(lab))


def test_large_inputs_wait_for_the_button(lab):
    base = load_preset(DEFAULT_PRESET).texts
    texts = [f"{base[i % 240]} ({i})" for i in range(520)]
    lab.session_state[SENTENCES_KEY] = (texts, [""] * 520)
    lab.run()
    assert "wait for **Compute the maps**" in texts_of(lab.info)
    assert [k for k in charts(lab) if k.startswith("maplab_map_")] == ["maplab_map_pca"]
    lab.multiselect(key="maplab_methods").set_value(["pca", "umap"])
    lab.button(key="maplab_apply").click().run()
    assert not lab.exception
    maps = [k for k in charts(lab) if k.startswith("maplab_map_")]
    assert maps == ["maplab_map_pca", "maplab_map_umap"]
    subtitle = charts(lab)["maplab_map_umap"]["layout"]["title"]["subtitle"]["text"]
    assert "520 sentences" in subtitle.replace("<br>", " ")


def test_the_sentences_come_from_explore():
    app = open_page("pages/1_Explore.py")
    sentences = [
        "A cat sat on the mat.",
        "A kitten rested on the rug.",
        "Stocks fell sharply.",
        "Markets dropped today.",
        "The band played a new song.",
        "She sang all night.",
    ]
    app.text_area(key="explore_text").input("\n".join(sentences)).run()
    assert not app.exception
    app.switch_page(MAP_LAB).run()
    assert not app.exception
    spec = charts(app)["maplab_map_umap"]
    assert rows_on(spec, "sentences") == list(range(6))
    assert spec["layout"]["title"]["text"] == "UMAP"
    assert "6 sentences" in spec["layout"]["title"]["subtitle"]["text"]
    assert any("Trustworthiness" == label for label, _ in metrics(app))


def test_clusters_every_control(lab, preset_vectors):
    texts = load_preset(DEFAULT_PRESET).texts
    expected = cluster_sentences(texts, preset_vectors, "kmeans", n_clusters=8, seed=42)
    table = table_with(lab, "name")
    assert table["name"].tolist() == [expected.names[c] for c in expected.words]
    assert ("Purity", "0.82") in metrics(lab)
    lab.slider(key="maplab_n_clusters").set_value(4).run()
    assert ("Clusters", "4") in metrics(lab)
    lab.number_input(key="maplab_seed").set_value(7).run()
    again = cluster_sentences(texts, preset_vectors, "kmeans", n_clusters=4, seed=7)
    assert table_with(lab, "name")["name"].tolist() == [again.names[c] for c in again.words]
    lab.radio(key="maplab_cluster_method").set_value("hdbscan").run()
    lab.slider(key="maplab_min_size").set_value(3).run()
    unclustered = dict(metrics(lab))["Unclustered"]
    assert int(unclustered) > 0 and not lab.exception
    names = [t["name"] for t in charts(lab)["maplab_cluster_scatter"]["data"]]
    assert "unclustered" in names
    lab.radio(key="maplab_cluster_colour").set_value("your labels").run()
    names = {t["name"] for t in charts(lab)["maplab_cluster_scatter"]["data"]}
    assert names == set(load_preset(DEFAULT_PRESET).labels)
    lab.radio(key="maplab_cluster_map").set_value("pca").run()
    assert not lab.exception
    assert any(b.proto.label == "Download the clusters (CSV)" for b in lab.get("download_button"))


def test_semantic_axes_preset_words_and_groups(lab):
    strip = charts(lab)["maplab_axis_strip"]
    assert (
        len(strip["data"]) == 4 and "same subject vs same meaning" in texts_of(lab.markdown).lower()
    )
    lab.radio(key="maplab_axes_kind").set_value("Words or sentences").run()
    for number, pole in enumerate(["football, goal", "cooking, pasta", "money", "music"]):
        lab.text_input(key=f"maplab_pole_{number}").input(pole)
    lab.run()
    assert not lab.exception
    positions = charts(lab)["maplab_axis_strip"]
    football = next(t for t in positions["data"] if t["name"] == "football")["x"]
    cooking = next(t for t in positions["data"] if t["name"] == "cooking")["x"]
    assert np.mean(football) < 0 < np.mean(cooking)  # pole A on the left, pole B on the right
    lab.text_input(key="maplab_pole_1").input("football, goal").run()
    assert "same centre" in texts_of(lab.warning)
    lab.radio(key="maplab_axes_kind").set_value("Groups of your sentences").run()
    lab.selectbox(key="maplab_group_0").set_value("physics")
    lab.selectbox(key="maplab_group_1").set_value("music").run()
    assert not lab.exception and not lab.warning
    strip = charts(lab)["maplab_axis_strip"]
    physics = next(t for t in strip["data"] if t["name"] == "physics")["x"]
    music = next(t for t in strip["data"] if t["name"] == "music")["x"]
    assert max(physics) < min(music) or np.mean(physics) < np.mean(music)


def test_geometry_lessons(lab):
    bars = charts(lab)["maplab_metric_bars"]["data"][0]
    overlap = dict(zip(bars["y"], bars["x"], strict=True))
    assert overlap["cosine · normalised"] == 1.0 and overlap["dot product · raw lengths"] < 1.0
    lab.select_slider(key="maplab_gk").set_value(5).run()
    assert "overlap@5" in charts(lab)["maplab_truncation"]["layout"]["yaxis"]["title"]["text"]
    focus = load_preset(DEFAULT_PRESET).texts[10]
    lab.selectbox(key="maplab_metric_focus").set_value(focus).run()
    table = table_with(lab, "cosine rank")
    assert len(table) == 15 and focus not in set(table["neighbour"])
    quant = table_with(lab, "bytes per vector")  # "bytes for all" left the table: this says it
    assert quant["bytes per vector"].tolist() == [1536, 384, 384, 48]


def test_find_by_text_and_meaning_then_select(lab):
    lab.text_input(key="maplab_find_text").input("bank").run()
    texts = load_preset(DEFAULT_PRESET).texts
    with_bank = [i for i, t in enumerate(texts) if "bank" in t.lower()]
    spec = charts(lab)["maplab_select"]
    assert rows_on(spec, "not selected") == sorted(set(range(240)) - set(with_bank))
    assert table_with(lab, "row")["row"].tolist() == [i + 1 for i in with_bank]
    assert "cosine to query" not in table_with(lab, "row").columns  # no query, no column
    lab.text_input(key="maplab_find_text").input("")
    lab.text_input(key="maplab_find_meaning").input("a goal in the last minute of the match")
    lab.slider(key="maplab_top").set_value(5).run()
    table = table_with(lab, "cosine to query")
    assert len(table) == 5 and (table["label"] == "football").sum() >= 4
    assert table["cosine to query"].is_monotonic_decreasing
    lab.radio(key="maplab_select_method").set_value("tsne").run()
    assert not lab.exception
    # a box or lasso drag (the browser test drags for real): the selection state it leaves
    points = [{"customdata": [i, ""]} for i in (3, 7, 200)]
    lab.session_state["maplab_select"] = {"selection": {"points": points}}
    lab.run()
    assert table_with(lab, "row")["row"].tolist() == [4, 8, 201]
    assert rows_on(charts(lab)["maplab_select"], "not selected") == sorted(
        set(range(240)) - {3, 7, 200}
    )
    assert "3 sentences selected" in texts_of(lab.markdown)
    lab.button(key="maplab_clear").click().run()
    assert "sentences selected" not in texts_of(lab.markdown)
