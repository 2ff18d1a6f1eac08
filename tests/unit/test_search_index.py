from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sentence_transformers import util

from components.models.encoder import embed
from components.vectors.index import HnswIndex, compare
from components.vectors.search import recall_at_k, top_k


def unit_rows(n, dim=32, seed=0):
    rows = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 60), k=st.integers(0, 80), seed=st.integers(0, 10_000))
def test_normalized_flag_gives_the_same_answer_on_unit_vectors(n, k, seed):
    corpus = unit_rows(n, seed=seed)
    queries = unit_rows(3, seed=seed + 1)
    for query in (queries[0], queries):
        plain = top_k(query, corpus, k)
        fast = top_k(query, corpus, k, normalized=True)
        np.testing.assert_array_equal(plain[0], fast[0])
        np.testing.assert_allclose(plain[1], fast[1], atol=1e-6)


def test_top_k_equals_sentence_transformers_semantic_search(model):
    corpus = embed(model, ["a cat sat", "dogs bark", "stocks fell", "the kitten slept", "rain"])
    query = embed(model, ["a small cat"])
    ours_indices, ours_scores = top_k(query, corpus, 3, normalized=True)
    hits = util.semantic_search(torch.tensor(query), torch.tensor(corpus), top_k=3)[0]
    assert ours_indices[0].tolist() == [hit["corpus_id"] for hit in hits]
    np.testing.assert_allclose(ours_scores[0], [hit["score"] for hit in hits], atol=1e-5)


def test_recall_at_k():
    assert recall_at_k(np.array([[1, 2, 3]]), np.array([[3, 2, 1]])) == 1.0
    assert recall_at_k(np.array([[1, -1], [5, 6]]), np.array([[1, 2], [7, 8]])) == 0.25
    assert recall_at_k(np.zeros((0, 0)), np.zeros((0, 0))) == 1.0


def test_hnsw_matches_exact_on_a_small_corpus_and_follows_top_k_conventions():
    corpus = unit_rows(300, seed=4)
    index = HnswIndex(corpus * 3.0)  # not unit length: the index normalises
    queries = unit_rows(20, seed=5)
    found, scores = index.search(queries, 10, ef_search=200)
    exact, exact_scores = top_k(queries, corpus, 10)
    assert found.shape == (20, 10) and scores.shape == (20, 10)
    assert recall_at_k(found, exact) >= 0.99
    np.testing.assert_allclose(np.sort(scores, axis=1), np.sort(exact_scores, axis=1), atol=1e-5)
    single, single_scores = index.search(queries[0], 500)  # k larger than the corpus
    assert single.shape == (300,) and sorted(single.tolist()) == list(range(300))
    assert index.search(queries[0], 0)[0].shape == (0,)


def test_compare_reports_times_and_recall():
    corpus = unit_rows(200, seed=6)
    comparison = compare(HnswIndex(corpus), corpus, corpus[:10], 5, ef_search=64)
    assert comparison.k == 5 and 0.0 <= comparison.recall <= 1.0
    assert comparison.exact_ms > 0 and comparison.approximate_ms > 0
