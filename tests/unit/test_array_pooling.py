"""numpy pooling against sentence-transformers' Pooling and our torch `pool` / `token_shares`."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sentence_transformers.sentence_transformer.modules import Pooling

from components.models.encoder import token_embeddings
from components.pooling.pooling import SENTENCE_TRANSFORMERS_MODE, pool, token_shares
from components.vectors.array_pooling import (
    FIXED_MODES,
    normalize_rows,
    pool_array,
    token_shares_array,
)

SENTENCES = [
    "Quantum entanglement defies classical intuition.",
    "The taco truck arrives every Tuesday.",
    "short",
    "",
    "A much longer sentence, with commas, numbers like 42 and a few rare words: quantumness.",
    "Ünïcödé, emoji 🚀 and 中文 text.",
]


@pytest.fixture(scope="module")
def features(model):
    tokens, mask = token_embeddings(model, SENTENCES)
    return tokens, mask


@pytest.mark.parametrize("mode", FIXED_MODES)
def test_equals_sentence_transformers_pooling(features, mode):
    tokens, mask = features
    module = Pooling(tokens.shape[-1], SENTENCE_TRANSFORMERS_MODE[mode])
    reference = module({"token_embeddings": tokens.clone(), "attention_mask": mask.clone()})
    ours = pool_array(tokens.numpy(), mask.numpy(), mode)
    assert ours.dtype == np.float32 and ours.shape == (len(SENTENCES), 384)
    np.testing.assert_allclose(ours, reference["sentence_embedding"].numpy(), atol=1e-5, rtol=0)


@pytest.mark.parametrize("mode", FIXED_MODES)
def test_equals_torch_pool_and_shares(features, mode):
    tokens, mask = features
    np.testing.assert_allclose(
        pool_array(tokens.numpy(), mask.numpy(), mode), pool(tokens, mask, mode).numpy(), atol=1e-5
    )
    np.testing.assert_allclose(
        token_shares_array(tokens.numpy(), mask.numpy(), mode),
        token_shares(tokens, mask, mode),
        atol=1e-12,
    )


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 4),
    st.integers(0, 6),
    st.integers(1, 5),
    st.sampled_from(FIXED_MODES),
    st.integers(0, 2**31 - 1),
)
def test_random_masks_equal_torch_pool(batch, length, dim, mode, seed):
    """Any mask, rows without tokens, ties and zero-length batches: the same as the torch version."""
    rng = np.random.default_rng(seed)
    tokens = rng.integers(-3, 4, size=(batch, length, dim)).astype(np.float32)  # ties likely
    mask = rng.integers(0, 2, size=(batch, length))
    ours = pool_array(tokens, mask, mode)
    assert ours.shape == (batch, dim)
    assert np.all(ours[mask.sum(axis=1) == 0] == 0)  # empty rows pool to zeros
    if length:  # (torch's pool raises on zero tokens in cls and max mode)
        reference = pool(torch.from_numpy(tokens), torch.from_numpy(mask), mode)
        np.testing.assert_allclose(ours, reference.numpy(), atol=1e-6)
        np.testing.assert_allclose(
            token_shares_array(tokens, mask, mode), token_shares(tokens, mask, mode), atol=1e-12
        )


def test_padding_never_leaks(features):
    tokens, mask = (array.numpy() for array in features)
    poisoned = tokens.copy()
    poisoned[mask == 0] = 1e6
    for mode in FIXED_MODES:
        np.testing.assert_array_equal(
            pool_array(poisoned, mask, mode), pool_array(tokens, mask, mode)
        )


def test_bad_shapes_and_modes_are_refused():
    with pytest.raises(ValueError, match="expected"):
        pool_array(np.zeros((2, 3)), np.zeros((2, 3)), "mean")
    with pytest.raises(ValueError, match="unknown pooling mode"):
        pool_array(np.zeros((1, 2, 3)), np.ones((1, 2)), "attention")


def test_normalize_rows_equals_torch_normalize():
    vectors = np.random.default_rng(0).normal(size=(5, 7)).astype(np.float32)
    vectors[2] = 0.0
    reference = torch.nn.functional.normalize(torch.from_numpy(vectors), p=2, dim=1).numpy()
    np.testing.assert_allclose(normalize_rows(vectors), reference, atol=1e-7)


def head_arrays(head) -> dict[str, np.ndarray]:
    return {
        "dense_weight": head.dense.weight.detach().numpy(),
        "dense_bias": head.dense.bias.detach().numpy(),
        "score_weight": head.score.weight.detach().numpy(),
    }


@pytest.mark.parametrize("scale", [1.0, 300.0])  # fresh (near-uniform) and sharp weights
def test_attention_pooling_equals_the_torch_head(features, scale):
    from components.pooling.head_training import AttentionPoolingHead
    from components.vectors.array_pooling import attention_weights_array

    tokens, mask = features
    head = AttentionPoolingHead(384, seed=3)
    with torch.no_grad():
        head.score.weight.mul_(scale)
    arrays = head_arrays(head)
    with torch.no_grad():
        reference_weights = head.token_weights(tokens, mask).numpy()
        reference = head(tokens, mask).numpy()
    weights = attention_weights_array(tokens.numpy(), mask.numpy(), **arrays)  # (batch, tokens)
    np.testing.assert_allclose(weights, reference_weights, atol=1e-6)
    pooled = np.einsum("bt,btd->bd", weights, tokens.numpy())  # the head's sum_t weight_t h_t
    np.testing.assert_allclose(pooled, reference, atol=1e-5, rtol=0)
    empty = attention_weights_array(tokens.numpy(), np.zeros_like(mask.numpy()), **arrays)
    assert np.all(empty == 0)  # no real token: zero weights, no NaN
