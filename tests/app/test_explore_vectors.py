"""Explore with vectors the user brought: every view, the query gate, the exports, bad files.

AppTest cannot drive `st.file_uploader`: the uploader keeps the files' (name, bytes) in
`explore_vectors_files`, and these tests put the bytes there, which is all the page reads
afterwards (the e2e test uploads real files through the browser).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from components.data.samples import load_preset
from components.data.vector_io import write_parquet, write_projector_tsv
from components.models.encoder import DEFAULT_MODEL, embed
from tests.app.conftest import chart_specs, open_page, texts_of

EXPLORE = "pages/1_Explore.py"
VECTORS = "Bring your own vectors"
FILES_KEY = "explore_vectors_files"


def random_unit_vectors(rows: int, dimension: int, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((rows, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)  # (rows, dimension)


def projector_files(vectors: np.ndarray, metadata: pd.DataFrame) -> list[tuple[str, bytes]]:
    vectors_tsv, metadata_tsv = write_projector_tsv(vectors, metadata)
    return [("vectors.tsv", vectors_tsv), ("metadata.tsv", metadata_tsv)]


def bring(app, files: list[tuple[str, bytes]]):
    app.session_state[FILES_KEY] = files
    app.radio(key="explore_source").set_value(VECTORS).run()
    assert not app.exception, app.exception
    return app


def query_results(app) -> pd.DataFrame:
    """The table of the query's closest sentences (AppTest does not expose dataframe keys)."""
    return next(d.value for d in app.dataframe if d.value.columns[0] == "sentence")


def charts_by_type(app) -> dict[str, dict]:
    return {spec["data"][0]["type"]: spec for spec in chart_specs(app)}


@pytest.fixture(scope="module")
def explore():
    return open_page(EXPLORE)


def test_every_view_handles_384_768_and_1024_dimensions(explore):
    explore.radio(key="explore_order").set_value("Input order").run()
    for dimension in (384, 768, 1024):
        rows = 40
        vectors = random_unit_vectors(rows, dimension, seed=dimension)
        metadata = pd.DataFrame(
            {
                "word": [f"point {i}" for i in range(rows)],
                "group": [f"g{i % 4}" for i in range(rows)],
            }
        )
        app = bring(explore, projector_files(vectors, metadata))
        assert not app.error
        metrics = {m.label: m.value for m in app.metric}
        assert metrics["Vectors"] == "40" and metrics["Vector size"] == f"{dimension} d"
        charts = charts_by_type(app)
        z = np.array(charts["heatmap"]["data"][0]["z"])
        np.testing.assert_allclose(z, vectors @ vectors.T, atol=1e-5)
        scatter = [t for t in charts["scatter"]["data"] if t["name"] != "selected"]
        assert sum(len(t["x"]) for t in scatter) == rows
        assert {t["name"] for t in scatter} == {"g0", "g1", "g2", "g3"}  # label column guessed
        bars = charts["bar"]["data"][0]
        scores = np.sort(vectors[1:] @ vectors[0])[::-1][:5]
        np.testing.assert_allclose(bars["x"], scores, atol=1e-5)
        if dimension != 384:
            assert f"The vectors have {dimension} dimensions" in texts_of(app.info)
            assert not app.text_input  # no query box: the model in use cannot encode for them


def test_query_search_with_the_model_named_in_the_parquet(explore, model):
    texts = load_preset("Eight topics, 240 sentences").texts[:60]
    vectors = embed(model, texts)
    data = write_parquet(vectors, pd.DataFrame({"text": texts}), model=DEFAULT_MODEL)
    app = bring(explore, [("embeddings.parquet", data)])
    assert "made by `sentence-transformers/all-MiniLM-L6-v2`" in texts_of(app.caption)
    app.text_input(key="explore_query").input("a question about the weather").run()
    table = query_results(app)
    query = embed(model, ["a question about the weather"])[0]
    expected = np.sort(vectors @ query)[::-1][:10]
    np.testing.assert_allclose(table["cosine"].to_numpy(), expected, atol=1e-5)
    assert table["sentence"].iloc[0] == texts[int(np.argmax(vectors @ query))]


def test_unnamed_vectors_of_the_right_size_need_the_users_word(explore, model):
    texts = [
        "A cat sat on the mat.",
        "A kitten rested on the rug.",
        "Stocks fell sharply.",
        "The market dropped.",
        "Bread needs time to rise.",
    ]
    app = bring(explore, projector_files(embed(model, texts), pd.DataFrame({"label": texts})))
    assert "do not say which model made these" in texts_of(app.info)
    assert not app.text_input
    app.checkbox(key="explore_query_model").check().run()
    app.text_input(key="explore_query").input("a small cat").run()
    table = query_results(app)
    assert table["sentence"].iloc[0] in texts[:2]


def test_bad_files_get_a_message_and_the_typed_text_is_kept():
    app = open_page(EXPLORE)
    app.text_area(key="explore_text").input("mine\nall mine").run()
    bring(app, [("vectors.tsv", b"1\t2\n3\tabc\n")])
    assert "line 2, column 2: `abc` is not a number" in texts_of(app.error)
    assert chart_specs(app) == []
    bring(app, [("vectors.tsv", b"1\t2\n0\t0\n")])
    assert "cosine similarity is undefined" in texts_of(app.error)
    app.radio(key="explore_source").set_value("Type or paste").run()
    assert app.text_area(key="explore_text").value == "mine\nall mine"


def test_imported_vectors_survive_a_visit_to_another_page_and_offer_every_export():
    app = open_page(EXPLORE)
    vectors = random_unit_vectors(12, 768)
    bring(app, projector_files(vectors, pd.DataFrame({"text": [f"t{i}" for i in range(12)]})))
    app.switch_page("app.py").run()
    app.switch_page(EXPLORE).run()
    assert not app.exception and {m.label: m.value for m in app.metric}["Vectors"] == "12"
    labels = [button.proto.label for button in app.get("download_button")]
    exports = {
        "Projector: vectors.tsv",
        "Projector: metadata.tsv",
        "NumPy: vectors.npy",
        "NumPy: metadata.csv (text, label, map)",
        "Download all 12 vectors (CSV)",
    }
    assert exports <= set(labels) and any("Parquet" in x for x in labels), labels
    assert "Download this similarity matrix (CSV)" in labels  # the classroom exports too


def test_the_column_pickers_say_what_each_column_is_for():
    app = open_page(EXPLORE)
    csv = "topic,sentence\nanimals,A cat sleeps.\nanimals,A dog runs.\nfood,Bread is baked.\n"
    app.session_state["_explore_upload_kept"] = ("topics.csv", csv)  # what the uploader kept
    app.radio(key="explore_source").set_value("Upload a file").run()
    assert not app.exception, app.exception
    text, label = (
        app.selectbox(key=key) for key in ("explore_text_column", "explore_label_column")
    )
    assert text.value == "sentence" and label.value == "(none)"
    assert "the sentences" in text.help and "colour" in label.help
    assert "(row numbers)" not in text.help  # offered only for imported vectors
    vectors = random_unit_vectors(4, 8)
    bring(
        app, projector_files(vectors, pd.DataFrame({"word": list("abcd"), "group": list("xxyy")}))
    )
    text = app.selectbox(key="explore_vectors_text_column")
    assert "(row numbers)" in text.options and "(row numbers)" in text.help
    assert "colour" in app.selectbox(key="explore_vectors_label_column").help


def test_the_model_card_is_in_the_sidebar():
    app = open_page()
    card = texts_of(app.sidebar.markdown)
    for line in (
        "**pooling**: mean",
        "**tokenizer**: WordPiece",
        "**vocabulary**: 30,522 tokens",
        "**vector size**: 384 d",
        "**window**: 256 tokens",
    ):
        assert line in card


def test_the_batch_embedders_output_and_a_datasets_parts_import_with_their_model(
    explore, model, tmp_path
):
    from components.data.batch_embed import Job, run_local

    texts = load_preset("Eight topics, 240 sentences").texts[:40]
    (tmp_path / "corpus.txt").write_text("\n".join(texts) + "\n")
    output = run_local(
        Job(tmp_path / "corpus.txt", tmp_path / "out.parquet", part_rows=16),
        model=model,
        progress=False,
    )
    app = bring(explore, [("out.parquet", output.read_bytes())])
    assert "40 vectors of 384 dimensions, made by `sentence-transformers/all-MiniLM-L6-v2`" in (
        texts_of(app.caption)
    )
    assert app.text_input(key="explore_query")  # the model in use made them: queries allowed
    vectors = embed(model, texts)
    halves = [
        ("part.1.parquet", write_parquet(vectors[20:], pd.DataFrame({"text": texts[20:]}))),
        ("part.0.parquet", write_parquet(vectors[:20], pd.DataFrame({"text": texts[:20]}))),
    ]
    app = bring(explore, halves)
    assert "Parquet (2 parts)" in texts_of(app.caption)
    app.radio(key="explore_order").set_value("Input order").run()
    z = np.array(charts_by_type(app)["heatmap"]["data"][0]["z"])
    np.testing.assert_allclose(z, vectors @ vectors.T, atol=1e-5)  # parts in their order
