from __future__ import annotations

import numpy as np
import pytest

from components.data.chunking import chunk_text
from components.data.documents import from_sample, sample_names
from components.models.encoder import embed
from components.retrieval.rerank import LOCAL_CROSS_ENCODER
from tests.app.conftest import chart_specs, open_page, texts_of

PAGE = "pages/4_Search_Long_Text.py"


@pytest.fixture
def lab():
    return open_page(PAGE)


def html_of(app) -> str:
    return "\n".join(str(element.proto.body) for element in app.get("html"))


def metric(app, label: str) -> str:
    return next(str(m.value) for m in app.metric if m.label == label)


TABLE_COLUMNS = {
    "search_results": "rank",
    "search_rerank_table": "new rank",
    "search_lesson": "question",
}


def table(app, key: str):
    """A dataframe of the page, found by a column only it has."""
    return next(f.value for f in app.dataframe if TABLE_COLUMNS[key] in f.value.columns)


def test_samples_load_chunk_index_and_answer_the_default_query(lab, model):
    assert not lab.exception and not lab.error
    assert metric(lab, "Documents") == "2"
    expected = sum(
        len(chunk_text(from_sample(name).document.text, model.tokenizer, 254, 32))
        for name in sample_names()
    )
    assert metric(lab, "Chunks") == f"{expected:,}"
    assert metric(lab, "Chunks over the model window") == "0"
    assert "overlap of chunks 1 and 2" in html_of(lab)  # the highlighted chunk view
    results = table(lab, "search_results")
    assert len(results) == 5 and results["cosine"].is_monotonic_decreasing
    assert "Fresnel" in " ".join(results["text"].head(3))
    assert "<mark" in html_of(lab)  # each hit shown in context
    query_map = next(
        s for s in chart_specs(lab) if any(t.get("name") == "your query" for t in s["data"])
    )
    assert (
        sum(
            len(t["x"])
            for t in query_map["data"]
            if t["name"] not in ("your query", "top-k results")
        )
        == expected
    )


def test_scores_on_the_page_equal_the_model(lab, model):
    query = "What does salt do to dough?"
    lab.text_input(key="search_query").input(query).run()
    results = table(lab, "search_results")
    vectors = embed(model, [query])
    # The best chunk's cosine, recomputed from scratch with the real model.
    text = from_sample("bread_and_fermentation.md").document.text
    chunks = chunk_text(text, model.tokenizer, 254, 32)
    chunk_vectors = embed(model, [c.text for c in chunks])
    assert results["cosine"].iloc[0] == pytest.approx(
        float((chunk_vectors @ vectors[0]).max()), abs=1e-5
    )
    assert "nothing was encoded on this run" in texts_of(lab.caption)  # a query never re-encodes


def test_changing_the_chunking(lab):
    lab.multiselect(key="search_samples").set_value(["bread_and_fermentation.md"]).run()
    before = int(metric(lab, "Chunks").replace(",", ""))
    lab.slider(key="search_window").set_value(128).run()
    assert not lab.exception
    assert int(metric(lab, "Chunks").replace(",", "")) > 1.8 * before
    assert "Encoded" in texts_of(lab.caption)  # new chunks, new vectors
    lab.slider(key="search_overlap").set_value(128).run()
    assert "must be smaller than the window" in texts_of(lab.error)
    assert lab.slider(key="search_overlap").value == 128  # the input is kept
    lab.slider(key="search_overlap").set_value(16)
    lab.slider(key="search_window").set_value(400).run()
    assert "larger than the model reads" in texts_of(lab.warning)
    assert int(metric(lab, "Chunks over the model window")) > 0


@pytest.mark.parametrize(
    ("reranker", "expected"),
    [
        ("MMR (diversity)", "MMR"),
        ("Hybrid: BM25 + RRF", "BM25"),
        ("Late interaction (MaxSim)", "MaxSim"),
        ("Cross-encoder", "untrained"),
    ],
)
def test_each_reranker_shows_rank_changes(lab, reranker, expected):
    lab.radio(key="search_reranker").set_value(reranker).run()
    if reranker == "Cross-encoder":  # issue 9: a model loads only on a click
        assert not lab.get("table") or "search_rerank_table" not in str(lab.get("table"))
        lab.button(key="search_ce_load").click().run()
    assert not lab.exception and not lab.error
    assert expected in texts_of(lab.caption) + texts_of(lab.warning)
    reranked = table(lab, "search_rerank_table")
    assert {"new rank", "dense rank", "change", "re-rank score"} <= set(reranked.columns)
    assert sorted(reranked["dense rank"]) != list(range(1, 1))  # filled
    assert len(set(reranked["dense rank"])) == len(reranked)  # a permutation of candidates


def test_mmr_lambda_one_keeps_the_dense_order(lab):
    lab.slider(key="search_mmr_lambda").set_value(1.0).run()
    reranked = table(lab, "search_rerank_table")
    assert reranked["dense rank"].tolist() == list(range(1, len(reranked) + 1))
    assert set(reranked["change"]) == {"="}


def test_named_cross_encoder_offline_says_unavailable(lab, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    lab.radio(key="search_reranker").set_value("Cross-encoder").run()
    lab.text_input(key="search_ce_name").input("cross-encoder/ms-marco-MiniLM-L6-v2").run()
    assert not lab.exception and not lab.error  # nothing loads before the click (issue 9)
    lab.button(key="search_ce_load").click().run()
    assert not lab.exception
    assert "unavailable" in texts_of(lab.error)
    assert lab.text_input(key="search_ce_name").value == "cross-encoder/ms-marco-MiniLM-L6-v2"
    lab.text_input(key="search_ce_name").input(LOCAL_CROSS_ENCODER).run()
    lab.button(key="search_ce_load").click().run()
    assert not lab.error and "untrained" in texts_of(lab.warning)


def test_bad_queries(lab):
    lab.text_input(key="search_query").input("   ").run()
    assert not lab.exception and "Type a question" in texts_of(lab.info)
    lab.text_input(key="search_query").input("quantumness " * 160).run()  # ~320 tokens
    assert "shorten it" in texts_of(lab.error) and "tokens" in texts_of(lab.error)
    # Past max_chars (the browser stops typing there; a script may not): Streamlit's server cuts
    # the value at max_chars before the page sees it.
    lab.text_input(key="search_query").set_value("lighthouse " * 300).run()
    assert not lab.exception and len(lab.text_input(key="search_query").value) == 2_000


def test_book_vectors_heatmap_and_lesson(lab):
    heatmap = next(s for s in chart_specs(lab) if s["data"][0]["type"] == "heatmap")
    z = np.array(heatmap["data"][0]["z"])
    assert z.shape == (2, 2) and np.allclose(np.diag(z), 1, atol=1e-5) and z[0, 1] < 0.9
    lesson = table(lab, "search_lesson")
    assert (lesson["right book?"] == "✅").sum() >= 5  # book vectors find the book …
    assert (lesson["right passage?"] == "✅").sum() >= 4  # … chunk vectors find the passage
    lab.radio(key="search_pooling").set_value("attention").run()
    assert not lab.exception
    assert any(s["data"][0]["type"] == "bar" for s in chart_specs(lab))  # attention weights


def test_own_short_text_and_k_larger_than_the_chunks(lab):
    lab.multiselect(key="search_samples").set_value([]).run()
    assert "Pick a shipped text" in texts_of(lab.info)
    lab.text_area(key="search_paste").input("A lighthouse keeper wrote in the log. " * 20).run()
    assert not lab.exception
    assert metric(lab, "Documents") == "1" and metric(lab, "Chunks") == "1"
    assert "There is only 1 chunk" in texts_of(lab.info)
    assert len(table(lab, "search_results")) == 1
    assert "at least two documents" in texts_of(lab.info)
