"""Two models side by side, with the real model against a different one."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.spatial import procrustes
from scipy.stats import special_ortho_group
from sentence_transformers import util

from components.models.encoder import embed, untrained_copy
from components.vectors.model_comparison import compare_models, neighbour_changes

SENTENCES = [
    "How do I sort a list in Python?",
    "Python list sort methods?",
    "What is the GDP of Canada?",
    "Symptoms of iron-deficiency anaemia?",
    "Signs you're low on iron",
    "We had a picnic on the bank of the river.",
    "She asked the bank for a loan.",
    "The taco truck arrives every Tuesday.",
]


@pytest.fixture(scope="module")
def trained(model):
    return embed(model, SENTENCES)


def test_against_a_random_weight_copy_of_the_real_model(model, trained):
    random_model = untrained_copy(model, seed=0)
    other = embed(random_model, SENTENCES)
    result = compare_models(trained, other, k=3)
    expected_a = util.cos_sim(
        model.encode(SENTENCES, convert_to_tensor=True),
        model.encode(SENTENCES, convert_to_tensor=True),
    ).numpy()
    np.testing.assert_allclose(result.similarity_a, expected_a, atol=1e-5)
    np.testing.assert_allclose(result.difference, result.similarity_b - result.similarity_a)
    # Random weights: every pair looks alike (~0.9), so the difference is large off the diagonal.
    off = ~np.eye(len(SENTENCES), dtype=bool)
    assert result.difference[off].mean() > 0.3
    assert np.allclose(np.diag(result.difference), 0, atol=1e-5)
    assert result.mean_overlap < 1.0
    assert 0 < result.disparity <= 1
    assert result.k == 3 and len(result.changes) == len(SENTENCES)
    worst = result.most_changed(2)
    assert worst[0].overlap <= worst[1].overlap
    assert min(change.overlap for change in result.changes) == worst[0].overlap


def test_a_rotated_copy_changes_nothing(trained):
    rotation = special_ortho_group.rvs(trained.shape[1], random_state=0)  # (dim, dim)
    result = compare_models(trained, trained @ rotation, k=3)
    assert np.abs(result.difference).max() < 1e-5
    assert result.mean_overlap == 1.0
    assert result.disparity < 1e-8
    np.testing.assert_allclose(result.coords_a, result.coords_b, atol=1e-5)


def test_models_of_different_sizes_compare_in_sentence_space(trained):
    projection = np.random.default_rng(0).normal(size=(trained.shape[1], 64))
    result = compare_models(trained, trained @ projection, k=2)
    assert result.similarity_a.shape == result.similarity_b.shape == (8, 8)
    assert result.coords_a.shape == result.coords_b.shape == (8, 2)


def test_the_maps_are_aligned_by_procrustes_with_scipys_disparity(trained):
    rng = np.random.default_rng(1)
    reference = rng.normal(size=(8, 2))
    angle = 0.7
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = 3.5 * reference @ rotation + np.array([10.0, -4.0])
    result = compare_models(trained, trained, coords_a=reference, coords_b=moved)
    np.testing.assert_allclose(result.coords_b, reference, atol=1e-9)  # the move is undone
    assert result.disparity < 1e-20
    noisy = moved + rng.normal(scale=0.3, size=moved.shape)
    result = compare_models(trained, trained, coords_a=reference, coords_b=noisy)
    assert result.disparity == pytest.approx(procrustes(reference, noisy)[2])


def test_given_maps_are_used_as_they_are(trained):
    coords = np.random.default_rng(2).normal(size=(8, 2))
    result = compare_models(trained, trained, coords_a=coords, coords_b=coords[:, ::-1])
    assert result.disparity < 1e-12  # a swap of axes is a reflection: Procrustes undoes it


def test_neighbour_changes_on_a_hand_built_example():
    # Points on a line under A: 0-1-2-3; under B, point 3 moves next to point 0.
    a = np.array([[1.0, 0.0], [0.9, 0.1], [0.5, 0.5], [0.0, 1.0]])
    b = np.array([[1.0, 0.0], [0.4, 0.6], [0.0, 1.0], [0.99, 0.01]])
    changes = neighbour_changes(a, b, k=1)
    assert [c.before for c in changes] == [(1,), (0,), (1,), (2,)]
    assert [c.after for c in changes] == [(3,), (2,), (1,), (0,)]
    assert changes[2].kept == (1,) and changes[2].overlap == 1.0
    assert changes[0].lost == (1,) and changes[0].gained == (3,) and changes[0].overlap == 0.0


@pytest.mark.parametrize("n", [0, 1, 2])
def test_tiny_inputs(n, trained):
    result = compare_models(trained[:n], trained[:n], k=5)
    assert result.similarity_a.shape == (n, n)
    assert result.k == max(0, n - 1)
    assert len(result.changes) == n
    if n < 2:
        assert np.isnan(result.disparity) and (n == 0 or "cannot be aligned" in result.note)
    else:
        assert result.disparity == pytest.approx(0, abs=1e-12)  # two points always fit


def test_mismatched_sentence_counts_raise(trained):
    with pytest.raises(ValueError, match="same sentences"):
        compare_models(trained, trained[:3])


def nearest(vectors: np.ndarray, k: int) -> list[set[int]]:
    """Each sentence's k nearest other sentences by cosine, by brute force."""
    cosines = util.cos_sim(vectors, vectors).numpy()  # (n, n)
    np.fill_diagonal(cosines, -np.inf)
    return [set(np.argsort(-row, kind="stable")[:k].tolist()) for row in cosines]


def test_summary_and_changes_table_state_the_comparison(model, trained):
    other = embed(untrained_copy(model, seed=0), SENTENCES)
    result = compare_models(trained, other, k=3)
    off = ~np.eye(len(SENTENCES), dtype=bool)
    cosines_a = util.cos_sim(trained, trained).numpy()[off]
    cosines_b = util.cos_sim(other, other).numpy()[off]
    before, after = nearest(trained, 3), nearest(other, 3)
    kept = [len(a & b) / 3 for a, b in zip(before, after, strict=True)]

    figures = result.summary()
    assert float(figures["Mean cosine, A"]) == pytest.approx(cosines_a.mean(), abs=5e-4)
    assert float(figures["Mean cosine, B"]) == pytest.approx(cosines_b.mean(), abs=5e-4)
    # Random weights: every pair looks alike under B, not under the trained model.
    assert float(figures["Mean cosine, B"]) > float(figures["Mean cosine, A"]) + 0.3
    assert float(figures["Top-3 neighbours kept"].rstrip("%")) / 100 == pytest.approx(
        np.mean(kept), abs=0.005
    )
    assert 0 < float(figures["Procrustes disparity"]) <= 1
    with warnings.catch_warnings():  # one sentence: no pairs, so the means are NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        alone = compare_models(trained[:1], trained[:1]).summary()
    assert alone["Procrustes disparity"] == "—"  # nothing to align: a dash, not "nan"

    table = result.changes_table(SENTENCES, 4)
    assert len(table["sentence"]) == 4
    assert table["kept"] == sorted(table["kept"])  # the most changed first
    assert table["kept"][0] == pytest.approx(min(kept))
    for sentence, under_a, under_b, share in zip(
        table["sentence"],
        table["neighbours under A"],
        table["neighbours under B"],
        table["kept"],
        strict=True,
    ):
        row = SENTENCES.index(sentence)
        assert {SENTENCES.index(text) for text in under_a.split(" · ")} == before[row]
        assert {SENTENCES.index(text) for text in under_b.split(" · ")} == after[row]
        assert share == pytest.approx(kept[row])
