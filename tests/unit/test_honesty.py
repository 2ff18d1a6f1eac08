"""How far to trust a map: honesty(), explained_variance() and align() in components/vectors/projection.py."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import procrustes
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness

from components.data.samples import DEFAULT_PRESET, load_preset
from components.models.encoder import embed
from components.vectors import projection
from components.vectors.projection import (
    align,
    explained_variance,
    honesty,
    honesty_reading,
    project,
)


@pytest.fixture(scope="module")
def vectors(model):
    return embed(model, load_preset(DEFAULT_PRESET).texts)  # (240, 384)


@pytest.fixture(scope="module")
def maps(vectors):
    return {method: project(vectors, method, 2).coords for method in ("pca", "umap", "tsne")}


def noisy_map(n: int, dim: int = 30, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random float64 points and a map that keeps two of their axes plus noise."""
    rng = np.random.default_rng(seed)
    space = rng.normal(size=(n, dim))  # (n, dim)
    return space, space[:, :2] + 0.5 * rng.normal(size=(n, 2))


def kept_by_sets(space: np.ndarray, coords: np.ndarray, k: int) -> np.ndarray:
    """The definition, point by point: shared members of the two k-neighbour sets over k."""
    unit = space / np.linalg.norm(space, axis=1, keepdims=True)
    shares = []
    for i in range(len(space)):
        others = [j for j in range(len(space)) if j != i]
        by_cosine = sorted(others, key=lambda j: (-float(unit[i] @ unit[j]), j))[:k]
        by_map = sorted(others, key=lambda j: (float(((coords[i] - coords[j]) ** 2).sum()), j))[:k]
        shares.append(len(set(by_cosine) & set(by_map)) / k)
    return np.array(shares)


@pytest.mark.parametrize("n, k", [(7, 1), (7, 3), (20, 5), (20, 9), (100, 10), (600, 10)])
def test_trustworthiness_equals_sklearn_on_float64_points(n, k):
    space, coords = noisy_map(n, seed=n + k)
    ours = honesty(space, coords, k).trustworthiness
    assert ours == pytest.approx(trustworthiness(space, coords, n_neighbors=k), abs=1e-12)


@pytest.mark.parametrize("method", ["pca", "umap", "tsne"])
def test_trustworthiness_equals_sklearn_on_real_maps(vectors, maps, method):
    """sklearn's default metric is Euclidean; for unit vectors cosine ranks the same."""
    ours = honesty(vectors, maps[method], 10).trustworthiness
    assert ours == pytest.approx(trustworthiness(vectors, maps[method], n_neighbors=10), abs=1e-6)
    by_cosine = trustworthiness(vectors, maps[method], n_neighbors=10, metric="cosine")
    assert ours == pytest.approx(by_cosine, abs=1e-6)


def test_sklearn_default_metric_is_euclidean():
    """If sklearn ever changes its default, `honesty`'s documented equality must be revisited."""
    import inspect

    default = inspect.signature(trustworthiness).parameters["metric"].default
    assert default == "euclidean"


@pytest.mark.parametrize("n, k", [(5, 2), (12, 4), (40, 10)])
def test_kept_equals_the_set_definition(n, k):
    space, coords = noisy_map(n, seed=n)
    np.testing.assert_allclose(honesty(space, coords, k).kept, kept_by_sets(space, coords, k))


def test_kept_by_hand_with_ties():
    """Four directions at 0, 10, 30 and 60 degrees; on a line p2 and p3 trade places.

    Space (angle) nearest: p0 -> p1, p1 -> p0, p2 -> p1, p3 -> p2.
    Map x = 0, 1, 3, 2: p0 -> p1; p1 -> p0 or p3 (tie at 1, lower index p0); p2 -> p3;
    p3 -> p1 or p2 (tie at 1, lower index p1).
    """
    angles = np.radians([0, 10, 30, 60])
    space = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    coords = np.array([[0.0], [1.0], [3.0], [2.0]])
    result = honesty(space, coords, k=1)
    np.testing.assert_array_equal(result.kept, [1.0, 1.0, 0.0, 0.0])
    assert result.mean_kept == 0.5 and result.k == 1 and result.trust_k == 1


def test_a_perfect_map_keeps_everything():
    angles = np.radians(np.sort(np.random.default_rng(3).uniform(0, 360, 30)))
    circle = np.stack([np.cos(angles), np.sin(angles)], axis=1)  # unit: cosine ~ Euclidean
    result = honesty(circle, circle * 7 + 2, k=5)
    assert result.trustworthiness == 1.0
    np.testing.assert_array_equal(result.kept, np.ones(30))


def test_a_shuffled_map_keeps_little():
    space, coords = noisy_map(200, seed=5)
    shuffled = coords[np.random.default_rng(1).permutation(200)]
    assert honesty(space, shuffled, 10).mean_kept < 0.15
    assert honesty(space, coords, 10).mean_kept > honesty(space, shuffled, 10).mean_kept


def test_blocks_do_not_change_the_answer(monkeypatch):
    space, coords = noisy_map(300, seed=9)
    blocked = honesty(space, coords, 10)
    monkeypatch.setattr(projection, "HONESTY_BLOCK", 10_000)
    whole = honesty(space, coords, 10)
    assert blocked.trustworthiness == whole.trustworthiness
    np.testing.assert_array_equal(blocked.kept, whole.kept)


def test_duplicates_and_tied_map_points_are_deterministic():
    space, coords = noisy_map(30, seed=2)
    space = np.vstack([space, space[:5]])  # five duplicated sentences
    coords = np.vstack([coords, coords[:5]])  # at the very same map position
    coords[10:15] = coords[10]  # and five distinct sentences stacked on one point
    first, second = honesty(space, coords, 6), honesty(space, coords, 6)
    np.testing.assert_array_equal(first.kept, second.kept)
    assert first.trustworthiness == second.trustworthiness
    np.testing.assert_allclose(first.kept, kept_by_sets(space, coords, 6))
    assert first.kept[0] > 0  # its duplicate is its nearest neighbour in both


@pytest.mark.parametrize(
    "n, kept_k, trust_k", [(3, 2, 1), (4, 3, 1), (5, 4, 2), (11, 10, 5), (21, 10, 10), (50, 10, 10)]
)
def test_small_n_clamps_k(n, kept_k, trust_k):
    space, coords = noisy_map(n, seed=n)
    result = honesty(space, coords, k=10)
    assert (result.k, result.trust_k) == (kept_k, trust_k)
    assert 0.0 <= result.trustworthiness <= 1.0 and result.kept.shape == (n,)
    expected = trustworthiness(space, coords, n_neighbors=trust_k)
    assert result.trustworthiness == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("n", [1, 2])
def test_one_or_two_points_cannot_misplace_a_neighbour(n):
    result = honesty(np.eye(n, 5), np.zeros((n, 2)), k=10)
    assert result.trustworthiness == 1.0 and (result.k, result.trust_k) == (n - 1, 0)
    np.testing.assert_array_equal(result.kept, np.ones(n))
    assert "nothing to judge" in honesty_reading(result)


def test_no_points():
    result = honesty(np.zeros((0, 384)), np.zeros((0, 2)))
    assert np.isnan(result.trustworthiness) and result.kept.shape == (0,)
    assert np.isnan(result.mean_kept)


def test_bad_arguments_are_refused():
    space, coords = noisy_map(10)
    with pytest.raises(ValueError):
        honesty(space, coords[:9])
    with pytest.raises(ValueError):
        honesty(space, coords, k=0)


def test_real_maps_rank_as_expected(vectors, maps):
    """On the 240-sentence preset, UMAP and t-SNE keep neighbourhoods that PCA loses."""
    figures = {method: honesty(vectors, coords, 10) for method, coords in maps.items()}
    assert figures["umap"].trustworthiness > figures["pca"].trustworthiness + 0.1
    assert figures["tsne"].trustworthiness > figures["pca"].trustworthiness + 0.1
    assert figures["umap"].mean_kept > 2 * figures["pca"].mean_kept


def test_reading_quotes_the_figures(vectors, maps):
    result = honesty(vectors, maps["pca"], 10)
    reading = honesty_reading(result)
    assert f"{result.trustworthiness:.2f}" in reading and f"{result.mean_kept:.0%}" in reading


# ---------------------------------------------------------------- PCA explained variance


def test_explained_variance_equals_sklearn(vectors):
    expected = PCA(5).fit(vectors.astype(np.float64)).explained_variance_ratio_
    np.testing.assert_allclose(explained_variance(vectors, 5), expected, atol=1e-10)
    assert explained_variance(vectors, 2).sum() < 0.2  # 2 of 384 axes keep little of the spread


@pytest.mark.parametrize("n, expected_nonzero", [(0, 0), (1, 0), (2, 1), (3, 2), (10, 2)])
def test_explained_variance_small_n(n, expected_nonzero):
    shares = explained_variance(np.random.default_rng(n).normal(size=(n, 384)), 2)
    assert shares.shape == (2,) and np.count_nonzero(shares) == expected_nonzero
    if n >= 2:
        assert shares.sum() == pytest.approx(1.0) if n <= 3 else shares.sum() < 1.0


def test_explained_variance_of_identical_points_is_zero():
    np.testing.assert_array_equal(explained_variance(np.ones((4, 8)), 2), [0.0, 0.0])


# ---------------------------------------------------------------- Procrustes alignment


def test_a_turned_mirrored_scaled_copy_aligns_back():
    reference = np.random.default_rng(0).normal(size=(50, 2))
    angle = 1.1
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = (reference @ turn) * np.array([1.0, -1.0]) * 3.5 + np.array([10.0, -4.0])
    result = align(reference, moved)
    np.testing.assert_allclose(result.coords, reference, atol=1e-10)
    assert result.disparity == pytest.approx(0.0, abs=1e-12)


def test_alignment_matches_scipy_and_keeps_the_map_shape(vectors, maps):
    for method in ("umap", "tsne"):
        result = align(maps["pca"], maps[method])
        standard_reference, standard_aligned, disparity = procrustes(maps["pca"], maps[method])
        assert result.disparity == pytest.approx(disparity, abs=1e-10)
        # scipy's aligned copy, at the best-fit scale, is ours up to that one factor
        ours = (result.coords - maps["pca"].mean(axis=0)) / np.linalg.norm(
            maps["pca"] - maps["pca"].mean(axis=0)
        )
        factor = np.linalg.norm(standard_aligned) / np.linalg.norm(ours)
        np.testing.assert_allclose(ours * factor, standard_aligned, atol=1e-10)
        # a similarity transform: every distance ratio and neighbour survives
        before = np.linalg.norm(maps[method][:, None] - maps[method][None], axis=-1)
        after = np.linalg.norm(result.coords[:, None] - result.coords[None], axis=-1)
        np.testing.assert_allclose(after, before * (after.max() / before.max()), atol=1e-9)
        same = honesty(vectors, maps[method], 10)
        moved = honesty(vectors, result.coords, 10)
        assert moved.trustworthiness == pytest.approx(same.trustworthiness, abs=1e-12)
        np.testing.assert_array_equal(moved.kept, same.kept)
        # drawn with the reference's spread
        assert np.linalg.norm(result.coords - result.coords.mean(axis=0)) == pytest.approx(
            np.linalg.norm(maps["pca"] - maps["pca"].mean(axis=0))
        )


def test_aligned_maps_agree_more_than_unaligned(maps):
    """Alignment brings the same sentence closer to itself across methods."""
    for method in ("umap", "tsne"):
        raw = np.linalg.norm(maps[method] - maps["pca"], axis=1).mean()
        aligned = np.linalg.norm(align(maps["pca"], maps[method]).coords - maps["pca"], axis=1)
        assert aligned.mean() < raw


def test_degenerate_maps_only_shift():
    reference = np.array([[1.0, 2.0], [3.0, 4.0]])
    flat = np.zeros((2, 2))
    result = align(reference, flat)
    np.testing.assert_allclose(result.coords, [[2.0, 3.0], [2.0, 3.0]])
    assert np.isnan(result.disparity)
    assert align(np.zeros((0, 2)), np.zeros((0, 2))).coords.shape == (0, 2)
    with pytest.raises(ValueError):
        align(reference, np.zeros((3, 2)))
