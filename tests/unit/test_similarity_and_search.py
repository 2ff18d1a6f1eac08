from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sentence_transformers import util

from components.models.encoder import embed
from components.vectors.search import top_k
from components.vectors.similarity import (
    cluster_order,
    cosine_similarity_matrix,
    mean_pairwise_cosine,
)


def test_cosine_matrix_equals_sentence_transformers(model):
    vectors = embed(model, ["a cat", "a dog", "stock markets fell"], normalize=False)
    expected = util.cos_sim(torch.tensor(vectors), torch.tensor(vectors)).numpy()
    np.testing.assert_allclose(cosine_similarity_matrix(vectors), expected, atol=1e-5)


def test_cluster_order_groups_similar_rows():
    similarity = np.array(
        [[1, 0, 0.9, 0], [0, 1, 0, 0.9], [0.9, 0, 1, 0], [0, 0.9, 0, 1]], dtype=float
    )
    order = cluster_order(similarity)
    assert sorted(order) == [0, 1, 2, 3]
    position = {row: i for i, row in enumerate(order)}
    assert abs(position[0] - position[2]) == 1 and abs(position[1] - position[3]) == 1


@pytest.mark.parametrize("n", [0, 1, 2])
def test_cluster_order_of_tiny_matrices(n):
    assert cluster_order(np.eye(n)) == list(range(n))


def brute_force(query, corpus, k):
    q = query / np.linalg.norm(query)
    c = corpus / np.linalg.norm(corpus, axis=1, keepdims=True)
    scores = c @ q
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:k]
    return np.array(order, dtype=int), scores[order]


@settings(max_examples=60, deadline=None)
@given(
    corpus=arrays(
        np.float32,
        st.tuples(st.integers(1, 40), st.just(8)),
        elements=st.integers(-3, 3).map(float),
    ),
    k=st.integers(0, 50),
    data=st.data(),
)
def test_top_k_equals_brute_force_with_stable_ties(corpus, k, data):
    corpus = corpus + np.eye(corpus.shape[0], 8, dtype=np.float32)  # no all-zero rows
    corpus[np.linalg.norm(corpus, axis=1) == 0, 0] = 1.0
    query = corpus[data.draw(st.integers(0, corpus.shape[0] - 1))]
    indices, scores = top_k(query, corpus, k)
    expected_indices, expected_scores = brute_force(query, corpus, k)
    assert len(indices) == min(k, corpus.shape[0])
    np.testing.assert_allclose(scores, expected_scores, atol=1e-5)
    # Equal scores (within float error) may only swap among themselves; exact ties keep order.
    np.testing.assert_allclose(corpus[indices] @ query, corpus[expected_indices] @ query, atol=1e-4)


def test_top_k_ties_keep_corpus_order():
    corpus = np.array([[1, 0], [0, 1], [1, 0], [1, 0]], dtype=np.float32)
    indices, scores = top_k(np.array([1, 0], dtype=np.float32), corpus, 3)
    assert indices.tolist() == [0, 2, 3] and np.allclose(scores, 1)


def test_top_k_batch_shape_and_k_larger_than_corpus():
    corpus = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    indices, scores = top_k(corpus[:2], corpus, 10)
    assert indices.shape == (2, 5) and scores.shape == (2, 5)
    assert indices[:, 0].tolist() == [0, 1]


def test_mean_pairwise_cosine_equals_the_mean_of_the_matrix():
    vectors = np.random.default_rng(3).normal(size=(50, 16)).astype(np.float32)
    matrix = cosine_similarity_matrix(vectors)
    expected = matrix[~np.eye(50, dtype=bool)].mean()
    assert mean_pairwise_cosine(vectors) == pytest.approx(expected, abs=1e-5)
    assert np.isnan(mean_pairwise_cosine(vectors[:1]))
