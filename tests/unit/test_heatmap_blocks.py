from __future__ import annotations

import numpy as np
import plotly.io as pio
import pytest

from components.charts.block_charts import block_heatmap, pair_heatmap
from components.vectors.heatmap_blocks import (
    MAX_BLOCKS,
    PAIR_ROWS_MAX,
    block_mean_cosine,
    block_pair,
    block_similarity,
)
from components.vectors.similarity import cosine_similarity_matrix


def unit_rows(n: int, dim: int = 384, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def topic_rows(n_topics: int, per_topic: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rows near one of `n_topics` random directions, and the topic of each."""
    rng = np.random.default_rng(seed)
    centres = unit_rows(n_topics, seed=seed + 1)
    topics = np.repeat(np.arange(n_topics), per_topic)
    vectors = centres[topics] + 0.02 * rng.normal(size=(topics.size, 384))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32), topics


def direct_block_means(vectors: np.ndarray, assignment: np.ndarray, n_blocks: int) -> np.ndarray:
    """The same means from the full n x n matrix, pair by pair (the slow, obvious way)."""
    similarity = cosine_similarity_matrix(vectors).astype(np.float64)
    means = np.full((n_blocks, n_blocks), np.nan)
    for a in range(n_blocks):
        for b in range(n_blocks):
            rows_a, rows_b = np.flatnonzero(assignment == a), np.flatnonzero(assignment == b)
            values = [similarity[i, j] for i in rows_a for j in rows_b if i != j]
            if values:
                means[a, b] = np.mean(values)
    return means


def test_block_means_from_sums_equal_the_full_matrix():
    vectors = 3.0 * unit_rows(150)  # not unit length: cosine must normalise
    assignment = np.random.default_rng(1).integers(0, 6, size=150)
    assignment[7] = 6  # a block of one row: no pair inside it
    got = block_mean_cosine(vectors, assignment, 7)
    expected = direct_block_means(vectors, assignment, 7)
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert np.isnan(got[6, 6]) and np.isfinite(got[6, :6]).all()


def test_blocks_cover_every_row_and_match_a_direct_computation():
    vectors, _ = topic_rows(5, 40)
    summary = block_similarity(vectors, max_blocks=12)
    assert summary.assignment.shape == (200,) and summary.n_blocks <= 12
    assert summary.sizes.sum() == 200 and (summary.sizes > 0).all()
    np.testing.assert_allclose(
        summary.mean_cosine,
        direct_block_means(vectors, summary.assignment, summary.n_blocks),
        atol=1e-6,
    )
    for block, row in enumerate(summary.representatives):
        assert summary.assignment[row] == block


def test_blocks_find_the_topics():
    vectors, topics = topic_rows(6, 50, seed=4)
    summary = block_similarity(vectors, max_blocks=6)
    # Each block holds one topic only (k-means on well separated topics), and vice versa.
    for block in range(summary.n_blocks):
        assert np.unique(topics[summary.rows(block)]).size == 1
    assert summary.n_blocks == 6
    inside = np.diag(summary.mean_cosine)
    outside = summary.mean_cosine[~np.eye(6, dtype=bool)]
    assert inside.min() > 0.8 and outside.max() < 0.2


def test_similar_blocks_are_next_to_each_other():
    """Two pairs of close topics: the display order puts each pair side by side."""
    rng = np.random.default_rng(0)
    base = unit_rows(2, seed=9)
    centres = np.stack(
        [
            base[0],
            base[0] + 0.6 * unit_rows(1, seed=2)[0],
            base[1],
            base[1] + 0.6 * unit_rows(1, seed=3)[0],
        ]
    )
    topics = np.repeat(np.arange(4), 30)
    vectors = centres[topics] + 0.01 * rng.normal(size=(120, 384))
    summary = block_similarity(vectors.astype(np.float32), max_blocks=4)
    family = {0: "a", 1: "a", 2: "b", 3: "b"}
    families = [family[int(topics[row])] for row in summary.representatives]
    assert families in (["a", "a", "b", "b"], ["b", "b", "a", "a"])


def test_the_same_seed_gives_the_same_blocks():
    vectors = unit_rows(300, seed=5)
    first, second = block_similarity(vectors, seed=2), block_similarity(vectors, seed=2)
    np.testing.assert_array_equal(first.assignment, second.assignment)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_tiny_inputs_work(n):
    summary = block_similarity(unit_rows(n))
    assert summary.n_blocks == n and summary.sizes.sum() == n


def test_identical_rows_make_one_block():
    summary = block_similarity(np.tile(unit_rows(1), (10, 1)))
    assert summary.n_blocks == 1 and summary.mean_cosine[0, 0] == pytest.approx(1.0)


def test_a_block_pair_holds_the_real_cosines_and_is_capped():
    vectors, _ = topic_rows(3, 200, seed=7)
    summary = block_similarity(vectors, max_blocks=3)
    similarity = cosine_similarity_matrix(vectors)
    pair = block_pair(vectors, summary, 0, 2, cap=50)
    assert pair.rows_a.size == 50 and pair.total_a == summary.sizes[0]
    assert set(pair.rows_a) <= set(summary.rows(0)) and set(pair.rows_b) <= set(summary.rows(2))
    np.testing.assert_allclose(
        pair.similarity, similarity[np.ix_(pair.rows_a, pair.rows_b)], atol=1e-6
    )
    small = block_pair(vectors, summary, 1, 1, cap=1_000)  # under the cap: every row
    assert sorted(small.rows_a) == sorted(summary.rows(1))
    with pytest.raises(ValueError):
        block_pair(vectors, summary, 0, 3)


def test_the_payload_stays_bounded_at_100k_rows():
    n = 100_000
    vectors = unit_rows(n, dim=64, seed=11)  # the payload does not depend on the vector size
    texts = [f"Sentence number {i} " + "with a rather long tail of words " * 8 for i in range(n)]
    summary = block_similarity(vectors)
    assert summary.n_blocks == MAX_BLOCKS and summary.sizes.sum() == n
    overview = len(pio.to_json(block_heatmap(summary, texts)))
    pair = block_pair(vectors, summary, 0, 1)
    assert pair.similarity.shape == (PAIR_ROWS_MAX, PAIR_ROWS_MAX)
    drill = len(pio.to_json(pair_heatmap(pair, texts, list(range(1, n + 1)))))
    assert overview < 2_000_000 and drill < 2_000_000, (overview, drill)


def test_user_text_is_escaped_in_the_block_charts():
    vectors = unit_rows(20)
    texts = [f"<script>alert({i})</script>" for i in range(20)]
    summary = block_similarity(vectors, max_blocks=4)
    for figure in (
        block_heatmap(summary, texts),
        pair_heatmap(block_pair(vectors, summary, 0, 0), texts, range(1, 21)),
    ):
        assert "<script>" not in pio.to_json(figure)
