from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sentence_transformers.sentence_transformer.losses import (
    MultipleNegativesRankingLoss,
    TripletDistanceMetric,
    TripletLoss,
)

from components.data.samples import load_triplet_preset
from components.models.encoder import embed
from components.vectors.losses import (
    classify,
    cosine_margin_from_cosines,
    cosine_margin_loss,
    info_nce_loss,
    info_nce_softmax,
    info_nce_two_candidates,
    pairwise_cosine,
    triplet_from_cosines,
    triplet_loss,
)


@pytest.fixture(scope="module")
def triplet_vectors(model):
    table = load_triplet_preset("All 26")
    return tuple(
        embed(model, table[column].tolist()) for column in ("anchor", "positive", "negative")
    )


def random_triplets(batch: int = 7, dim: int = 16, seed: int = 0):
    rng = np.random.default_rng(seed)
    return tuple(rng.normal(size=(batch, dim)).astype(np.float32) for _ in range(3))


def library_loss(loss_module, a, p, n=None) -> float:
    embeddings = [torch.from_numpy(x) for x in (a, p) + (() if n is None else (n,))]
    return float(loss_module.compute_loss_from_embeddings(embeddings, torch.zeros(len(a))))


@pytest.mark.parametrize("alpha", [0.0, 0.2, 0.5, 1.0])
def test_mean_triplet_loss_equals_sentence_transformers(model, triplet_vectors, alpha):
    a, p, n = triplet_vectors
    reference = TripletLoss(model, TripletDistanceMetric.COSINE, triplet_margin=alpha)
    assert triplet_loss(a, p, n, alpha).mean() == pytest.approx(
        library_loss(reference, a, p, n), abs=1e-5
    )
    # Unnormalised random vectors too: both normalise.
    a, p, n = random_triplets()
    assert triplet_loss(a, p, n, alpha).mean() == pytest.approx(
        library_loss(reference, a, p, n), abs=1e-5
    )


@pytest.mark.parametrize("tau", [1.0, 0.2, 0.05, 0.01])
@pytest.mark.parametrize("with_negatives", [True, False])
def test_mean_info_nce_equals_multiple_negatives_ranking_loss(
    model, triplet_vectors, tau, with_negatives
):
    a, p, n = triplet_vectors
    reference = MultipleNegativesRankingLoss(model, scale=1 / tau)
    negatives = n if with_negatives else None
    ours = info_nce_loss(a, p, negatives, tau=tau).mean()
    assert ours == pytest.approx(library_loss(reference, a, p, negatives), abs=1e-5, rel=1e-6)
    a, p, n = random_triplets(seed=3)
    negatives = n if with_negatives else None
    assert info_nce_loss(a, p, negatives, tau=tau).mean() == pytest.approx(
        library_loss(reference, a, p, negatives), abs=1e-5, rel=1e-6
    )


def test_info_nce_is_minus_log_softmax_written_out(triplet_vectors):
    a, p, n = (x[:4].astype(np.float64) for x in triplet_vectors)
    tau = 0.1
    candidates = np.vstack([p, n])  # positives first, then negatives
    for i in range(4):
        scores = np.array([a[i] @ c / np.linalg.norm(a[i]) / np.linalg.norm(c) for c in candidates])
        expected = -np.log(np.exp(scores[i] / tau) / np.exp(scores / tau).sum())
        assert info_nce_loss(a, p, n, tau)[i] == pytest.approx(expected, abs=1e-9)
    softmax = info_nce_softmax(a, p, n, tau, anchor=2)
    assert softmax.shape == (8,) and softmax.sum() == pytest.approx(1.0)
    assert -np.log(softmax[2]) == pytest.approx(info_nce_loss(a, p, n, tau)[2], abs=1e-9)


@pytest.mark.parametrize("margin", [-0.5, 0.0, 0.3, 0.5, 1.0])
def test_cosine_margin_equals_its_formula(triplet_vectors, margin):
    a, p, n = triplet_vectors
    cos_ap = np.sum(a * p, axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(p, axis=1)
    cos_an = np.sum(a * n, axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(n, axis=1)
    expected = np.maximum(0, margin - cos_ap) + np.maximum(0, cos_an - margin)
    np.testing.assert_allclose(cosine_margin_loss(a, p, n, margin), expected, atol=1e-6)
    np.testing.assert_allclose(
        triplet_loss(a, p, n, 0.2), np.maximum(0, cos_an - cos_ap + 0.2), atol=1e-6
    )
    np.testing.assert_allclose(pairwise_cosine(a, p), cos_ap, atol=1e-6)


def test_torch_input_is_differentiable_and_matches_numpy(triplet_vectors):
    a, p, n = (torch.tensor(x[:5], requires_grad=True) for x in triplet_vectors)
    for function, kwargs in (
        (cosine_margin_loss, {"margin": 0.4}),
        (triplet_loss, {"alpha": 0.9}),
        (info_nce_loss, {"tau": 0.05}),
    ):
        losses = function(a, p, n, **kwargs)
        assert isinstance(losses, torch.Tensor) and losses.shape == (5,)
        losses.sum().backward()
        assert a.grad is not None and torch.isfinite(a.grad).all() and a.grad.abs().sum() > 0
        a.grad = None
        numpy_losses = function(*(x.detach().numpy() for x in (a, p, n)), **kwargs)
        np.testing.assert_allclose(losses.detach().numpy(), numpy_losses, atol=1e-5)


def test_one_row_without_negatives_has_zero_info_nce():
    a, p, n = random_triplets(batch=1)
    assert info_nce_loss(a, p, None, tau=0.05) == pytest.approx([0.0])
    assert info_nce_loss(a, p, n, tau=0.05)[0] > 0


def test_tiny_tau_does_not_overflow():
    a, p, n = random_triplets(batch=5)
    for tau in (1e-3, 1e-6, 1e-9):
        losses = info_nce_loss(a, p, n, tau)
        assert np.isfinite(losses).all()
        tensor_losses = info_nce_loss(*(torch.from_numpy(x) for x in (a, p, n)), tau=tau)
        assert torch.isfinite(tensor_losses).all()
    assert np.isfinite(info_nce_two_candidates(np.array([-1.0]), np.array([1.0]), 1e-9)).all()
    with pytest.raises(ValueError, match="tau must be > 0"):
        info_nce_loss(a, p, n, tau=0.0)


def test_shape_mismatch_is_refused():
    a, p, n = random_triplets()
    with pytest.raises(ValueError, match="same shape"):
        triplet_loss(a, p[:3], n)
    with pytest.raises(ValueError, match="batch, dim"):
        triplet_loss(a[0], p[0], n[0])


def test_landscape_functions_agree_with_the_vector_losses(triplet_vectors):
    a, p, n = triplet_vectors
    cos_ap, cos_an = pairwise_cosine(a, p), pairwise_cosine(a, n)
    np.testing.assert_allclose(
        cosine_margin_from_cosines(cos_ap, cos_an, 0.5), cosine_margin_loss(a, p, n, 0.5)
    )
    np.testing.assert_allclose(triplet_from_cosines(cos_ap, cos_an, 0.2), triplet_loss(a, p, n))
    # One anchor with its positive and its own negative only: the two-candidate formula.
    for i in range(3):
        one = info_nce_loss(a[i : i + 1], p[i : i + 1], n[i : i + 1], 0.07)[0]
        assert info_nce_two_candidates(cos_ap[i], cos_an[i], 0.07) == pytest.approx(one, abs=1e-9)


def test_classes_follow_the_triplet_margin():
    cos_ap = np.array([0.9, 0.6, 0.5, 0.3, 0.5])
    cos_an = np.array([0.1, 0.5, 0.5, 0.7, 0.3])
    assert classify(cos_ap, cos_an, 0.2) == ["easy", "semi-hard", "hard", "hard", "easy"]
    assert (triplet_from_cosines(cos_ap, cos_an, 0.2) == 0).tolist() == [
        True,
        False,
        False,
        False,
        True,
    ]


vectors = arrays(
    np.float32,
    st.tuples(st.integers(1, 6), st.integers(2, 8)),
    elements=st.floats(-10, 10, width=32, allow_nan=False),
)


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    margin=st.floats(-1, 1),
    alpha=st.floats(0, 2),
    tau=st.floats(1e-6, 10),
)
def test_losses_are_finite_and_bounded(data, margin, alpha, tau):
    a = data.draw(vectors)
    same_shape = arrays(np.float32, a.shape, elements=st.floats(-10, 10, width=32))
    p, n = data.draw(same_shape), data.draw(same_shape)
    margin_losses = cosine_margin_loss(a, p, n, margin)
    triplet_losses = triplet_loss(a, p, n, alpha)
    nce = info_nce_loss(a, p, n, tau)
    for losses in (margin_losses, triplet_losses, nce):
        assert losses.shape == (len(a),) and np.isfinite(losses).all()
    assert (margin_losses >= 0).all() and (margin_losses <= 2 + 1e-9).all()
    assert (triplet_losses >= 0).all() and (triplet_losses <= 2 + alpha + 1e-9).all()
    # log-sum-exp over 2B candidates minus one of them: in [0, 2/tau + log(2B)].
    assert (nce >= -1e-9).all() and (nce <= 2 / tau + np.log(2 * len(a)) + 1e-6).all()
