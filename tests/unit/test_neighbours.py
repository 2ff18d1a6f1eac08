from __future__ import annotations

import numpy as np
import pytest

from components.vectors.neighbours import NeighbourSearch
from components.vectors.search import recall_at_k, top_k


def unit_rows(n: int, dim: int, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_small_corpora_are_searched_exactly():
    corpus = unit_rows(500, 384)
    search = NeighbourSearch(corpus, exact_max=500)
    assert search.method == "exact" and search.index is None
    found, scores = search.search(corpus[:5], 10)
    exact, exact_scores = top_k(corpus[:5], corpus, 10, normalized=True)
    np.testing.assert_array_equal(found, exact)
    np.testing.assert_allclose(scores, exact_scores)


def test_large_corpora_use_the_index_with_high_recall_and_exact_scores():
    corpus = unit_rows(6_000, 32, seed=1)
    reports: list[float] = []
    search = NeighbourSearch(corpus, exact_max=1_000, progress=reports.append)
    assert search.method == "hnsw" and search.index is not None and search.index.size == 6_000
    assert reports and reports[-1] == 1.0 and reports == sorted(reports)
    queries = unit_rows(200, 32, seed=2)
    found, scores = search.search(queries, 10)
    exact, _ = top_k(queries, corpus, 10, normalized=True)
    assert found.shape == scores.shape == (200, 10)
    assert recall_at_k(found, exact) >= 0.95
    # Whatever the index found, the cosine shown for it is the exact one, best first.
    np.testing.assert_allclose(scores, np.einsum("qd,qkd->qk", queries, corpus[found]), atol=1e-6)
    assert (np.diff(scores, axis=1) <= 1e-7).all()


def test_a_single_query_gives_flat_arrays_like_top_k():
    corpus = unit_rows(3_000, 16, seed=3)
    for exact_max in (10_000, 100):
        indices, scores = NeighbourSearch(corpus, exact_max=exact_max).search(corpus[7], 5)
        assert indices.shape == scores.shape == (5,) and indices[0] == 7
        assert scores[0] == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("exact_max", [10_000, 100])
def test_neighbours_of_a_row_leave_the_row_out(exact_max):
    corpus = unit_rows(2_000, 16, seed=4)
    search = NeighbourSearch(corpus, exact_max=exact_max)
    indices, scores = search.neighbours_of(11, 8)
    assert 11 not in indices and indices.size == 8
    exact, _ = top_k(corpus[11], corpus, 9, normalized=True)
    assert len(set(indices) & set(exact[1:])) >= 7
