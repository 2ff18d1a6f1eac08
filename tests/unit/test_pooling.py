"""pool() against sentence-transformers' Pooling, the attention head, and its trainer."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sentence_transformers.sentence_transformer.modules import Pooling

from components.models.encoder import embed, token_embeddings
from components.pooling.head_training import AttentionPoolingHead, train_attention_head
from components.pooling.pooling import (
    MODES,
    SENTENCE_TRANSFORMERS_MODE,
    pool,
    token_shares,
    trained_pooling_mode,
)

SENTENCES = [
    "Quantum entanglement defies classical intuition.",
    "The taco truck arrives every Tuesday.",
    "short",
    "A much longer sentence, with commas, numbers like 42 and a few rare words: quantumness.",
    "Ünïcödé, emoji 🚀 and 中文 text.",
]
FIXED_MODES = list(SENTENCE_TRANSFORMERS_MODE)


def reference_pool(tokens: torch.Tensor, mask: torch.Tensor, mode: str) -> torch.Tensor:
    """sentence-transformers' own Pooling module on the same features."""
    module = Pooling(tokens.shape[-1], SENTENCE_TRANSFORMERS_MODE[mode])
    features = {"token_embeddings": tokens.clone(), "attention_mask": mask.clone()}
    return module(features)["sentence_embedding"]


@pytest.fixture(scope="module")
def padded_batch(model):
    tokens, mask = token_embeddings(model, SENTENCES)  # (batch, tokens, dim), (batch, tokens)
    assert (mask == 0).any(), "the batch must contain padding for these tests to mean anything"
    return tokens, mask


@pytest.mark.parametrize("mode", FIXED_MODES)
def test_fixed_modes_equal_sentence_transformers_pooling_on_a_real_padded_batch(padded_batch, mode):
    tokens, mask = padded_batch
    ours = pool(tokens, mask, mode)
    assert ours.shape == (len(SENTENCES), 384)
    torch.testing.assert_close(ours, reference_pool(tokens, mask, mode), atol=1e-5, rtol=0)


def test_mean_pooling_is_the_models_pooling_and_normalised_equals_embed(model, padded_batch):
    tokens, mask = padded_batch
    features = model.preprocess(SENTENCES)
    with torch.no_grad():
        model_pooled = model[1](model[0](features))["sentence_embedding"]  # before Normalize
    ours = pool(tokens, mask, "mean")
    np.testing.assert_allclose(ours.numpy(), model_pooled.numpy(), atol=1e-5)
    unit = torch.nn.functional.normalize(ours, dim=-1).numpy()
    np.testing.assert_allclose(unit, embed(model, SENTENCES), atol=1e-5)


def test_numpy_in_numpy_out(padded_batch):
    tokens, mask = padded_batch
    for mode in FIXED_MODES:
        out = pool(tokens.numpy(), mask.numpy(), mode)
        assert isinstance(out, np.ndarray)
        np.testing.assert_allclose(out, pool(tokens, mask, mode).numpy(), atol=1e-6)


@st.composite
def random_batches(draw):
    batch = draw(st.integers(1, 5))
    length = draw(st.integers(1, 9))
    dimension = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**31 - 1))
    rows = draw(
        st.lists(
            st.lists(st.booleans(), min_size=length, max_size=length).filter(any),
            min_size=batch,
            max_size=batch,
        )
    )
    generator = torch.Generator().manual_seed(seed)
    tokens = torch.randn((batch, length, dimension), generator=generator)
    return tokens, torch.tensor(rows, dtype=torch.long)


@settings(max_examples=60, deadline=None)
@given(random_batches(), st.sampled_from(FIXED_MODES))
def test_random_masks_match_sentence_transformers(batch, mode):
    tokens, mask = batch
    torch.testing.assert_close(
        pool(tokens, mask, mode), reference_pool(tokens, mask, mode), atol=1e-5, rtol=1e-5
    )


@settings(max_examples=60, deadline=None)
@given(random_batches(), st.sampled_from(MODES), st.floats(-1e3, 1e3))
def test_padding_never_leaks_into_any_mode(batch, mode, fill):
    tokens, mask = batch
    head = AttentionPoolingHead(tokens.shape[-1], hidden=4, seed=1)
    with torch.no_grad():
        head.score.weight.normal_(0, 1.0)  # a head with real preferences, not near-uniform
    garbage = tokens.masked_fill((mask == 0).unsqueeze(-1), fill)
    with torch.no_grad():
        clean, dirty = pool(tokens, mask, mode, head), pool(garbage, mask, mode, head)
    torch.testing.assert_close(clean, dirty, atol=1e-5, rtol=1e-5)
    shares = token_shares(garbage, mask, mode, head)
    assert np.all(shares[mask.numpy() == 0] == 0)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, atol=1e-6)


def test_rows_without_tokens_pool_to_zeros():
    tokens = torch.randn(2, 3, 4)
    mask = torch.tensor([[1, 1, 0], [0, 0, 0]])
    head = AttentionPoolingHead(4, hidden=3)
    for mode in MODES:
        out = pool(tokens, mask, mode, head)
        assert torch.isfinite(out).all()
        assert torch.equal(out[1], torch.zeros(4))


def test_bad_mode_shape_and_missing_head_raise():
    tokens, mask = torch.randn(2, 3, 4), torch.ones(2, 3)
    with pytest.raises(ValueError, match="unknown pooling mode"):
        pool(tokens, mask, "median")
    with pytest.raises(ValueError, match="needs head"):
        pool(tokens, mask, "attention")
    with pytest.raises(ValueError, match="expected token_embeddings"):
        pool(tokens, torch.ones(2, 4), "mean")


def test_attention_head_is_the_lessons_formula(padded_batch):
    tokens, mask = padded_batch
    head = AttentionPoolingHead(384, hidden=16, seed=3)
    with torch.no_grad():
        head.score.weight.normal_(0, 0.5)
        ours = pool(tokens, mask, "attention", head).numpy()
    W = head.dense.weight.detach().double().numpy()
    b = head.dense.bias.detach().double().numpy()
    w = head.score.weight.detach().double().numpy()[0]
    for row in range(len(SENTENCES)):
        h = tokens[row][mask[row] == 1].double().numpy()  # (real tokens, dim)
        scores = np.tanh(h @ W.T + b) @ w  # score_t = w . tanh(W h_t + b)
        weights = np.exp(scores - scores.max())
        weights /= weights.sum()
        np.testing.assert_allclose(ours[row], weights @ h, atol=1e-5)


def test_a_fresh_head_is_near_uniform_and_reproducible(padded_batch):
    tokens, mask = padded_batch
    head = AttentionPoolingHead(384)
    weights = token_shares(tokens, mask, "attention", head)
    uniform = token_shares(tokens, mask, "mean")
    assert np.abs(weights - uniform).max() < 0.01
    np.testing.assert_allclose(
        pool(tokens, mask, "attention", head).detach().numpy(),
        pool(tokens, mask, "mean").numpy(),
        atol=0.02,
    )
    again = AttentionPoolingHead(384)
    assert all(
        torch.equal(a, b) for a, b in zip(head.parameters(), again.parameters(), strict=True)
    )


def test_token_shares_per_mode(padded_batch):
    tokens, mask = padded_batch
    real = mask.numpy() == 1
    cls = token_shares(tokens, mask, "cls")
    assert np.all(cls[:, 0] == 1) and cls.sum() == len(SENTENCES)
    mean = token_shares(tokens, mask, "mean")
    np.testing.assert_allclose(mean[real], np.repeat(1 / real.sum(1), real.sum(1)))
    np.testing.assert_array_equal(mean, token_shares(tokens, mask, "mean_sqrt_len"))
    max_shares = token_shares(tokens, mask, "max")
    for row in range(len(SENTENCES)):
        winners = tokens[row][: real[row].sum()].argmax(dim=0).numpy()  # real tokens come first
        counts = np.bincount(winners, minlength=tokens.shape[1]) / tokens.shape[-1]
        np.testing.assert_allclose(max_shares[row], counts)


def test_training_lowers_the_loss_and_touches_only_the_head(model):
    from components.data.samples import load_triplets

    triplets = load_triplets()
    parts = [token_embeddings(model, texts) for texts in triplets.columns()]
    frozen = [tokens.clone() for tokens, _ in parts]
    before = {name: value.clone() for name, value in model.state_dict().items()}
    head = AttentionPoolingHead(384)
    initial = [p.detach().clone() for p in head.parameters()]
    threads_before = torch.get_num_threads()
    seen = []
    run = train_attention_head(
        head, *parts, steps=40, learning_rate=3e-3, on_step=lambda step, loss: seen.append(step)
    )
    assert seen == list(range(1, 41)) and len(run.losses) == 40
    assert torch.get_num_threads() == threads_before  # the one-thread setting is undone
    assert run.losses[-1] < run.losses[0]
    assert any(not torch.equal(a, b) for a, b in zip(initial, head.parameters(), strict=True))
    assert all(torch.equal(f, t) for f, (t, _) in zip(frozen, parts, strict=True))
    assert all(torch.equal(before[name], value) for name, value in model.state_dict().items())
    weights = token_shares(*parts[0], "attention", head)
    assert np.abs(weights - token_shares(*parts[0], "mean")).max() > 0.01  # no longer uniform


def test_the_packaged_model_was_built_with_mean_pooling(model):
    assert trained_pooling_mode(model) == "mean"
    assert trained_pooling_mode([torch.nn.Identity()]) is None
