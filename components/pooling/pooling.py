"""Pooling: from a sequence of contextual token vectors to one sentence vector.

`pool` implements the four fixed modes of sentence-transformers' `Pooling` module (equal within
1e-5, see tests/unit/test_pooling.py) and the lesson's attention pooling head: a small dense layer
with tanh, a score per token, a masked softmax over the tokens, and a weighted sum.

Numpy inputs are pooled in numpy (`components.vectors.array_pooling`, no torch needed), the attention
mode too when the head is given as `HeadWeights` (`components.pooling.attention_head`); torch
tensors, or a torch `AttentionPoolingHead` (`components.pooling.head_training`, for training), go
through torch.

Padding never leaks into any mode: padded positions (attention_mask == 0) get no weight, are never
a maximum and are never the [CLS] position. A row with no real token at all pools to zeros.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, get_args

import numpy as np

from components.models.encoder import TokenBatch, trained_pooling
from components.pooling.attention_head import HeadWeights
from components.vectors.array_pooling import (
    SENTENCE_TRANSFORMERS_MODE,
    check_shapes,
    pool_array,
    token_shares_array,
)
from components.vectors.similarity import cosine_similarity_matrix, mean_pairwise_cosine

if TYPE_CHECKING:
    import torch

    from components.pooling.head_training import AttentionPoolingHead

PoolingMode = Literal["cls", "mean", "max", "mean_sqrt_len", "attention"]
MODES: tuple[PoolingMode, ...] = get_args(PoolingMode)
MODE_DESCRIPTIONS: dict[PoolingMode, str] = {
    "cls": "the vector of the first token, [CLS], alone",
    "mean": "the average of all token vectors",
    "max": "for each of the dimensions, the largest value any token has there",
    "mean_sqrt_len": "the sum of the token vectors divided by √(number of tokens)",
    "attention": "a weighted average; a small learned layer scores each token",
}


def trained_pooling_mode(model) -> PoolingMode | None:
    """The pooling a sentence-transformers model was built (and so trained) with, in our names.

    None when its pipeline has no Pooling module or pools in a way this lab does not show.
    """
    ours = {theirs: mode for mode, theirs in SENTENCE_TRANSFORMERS_MODE.items()}
    return ours.get(trained_pooling(model))


def _is_torch(value: object) -> bool:
    """True for a torch tensor or module (without importing torch when nobody has)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor | torch.nn.Module)


def _check_mode(mode: str, head: object) -> None:
    """The one check of a pooling mode and its head."""
    if mode not in MODES:
        raise ValueError(f"unknown pooling mode {mode!r}; choose one of {', '.join(MODES)}")
    if mode == "attention" and head is None:
        raise ValueError('mode "attention" needs head=AttentionPoolingHead(...)')


def _checked(
    token_embeddings: torch.Tensor | np.ndarray,
    attention_mask: torch.Tensor | np.ndarray,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The inputs as tensors, after the check of their shapes."""
    import torch

    tokens = torch.as_tensor(token_embeddings)
    mask = torch.as_tensor(attention_mask)
    check_shapes(tuple(tokens.shape), tuple(mask.shape))
    return tokens, mask


def pool(
    token_embeddings: torch.Tensor | np.ndarray,
    attention_mask: torch.Tensor | np.ndarray,
    mode: PoolingMode,
    head: HeadWeights | AttentionPoolingHead | None = None,
) -> torch.Tensor | np.ndarray:
    """One vector per sentence from its contextual token vectors.

    With r_t = 1 for the T real tokens (attention_mask) and h_t their vectors:

    - ``cls``: h_1, the first real token ([CLS] for BERT models);
    - ``mean``: sum_t r_t h_t / T;
    - ``max``: max_t h_t[d] over the real tokens, for each dimension d;
    - ``mean_sqrt_len``: sum_t r_t h_t / sqrt(T);
    - ``attention``: sum_t weight_t h_t with the head's softmax weights (`AttentionPoolingHead`).

    The first four equal sentence-transformers' ``Pooling(dim, pooling_mode=...)`` with
    "cls", "mean", "max" and "mean_sqrt_len_tokens" (`SENTENCE_TRANSFORMERS_MODE`).

    Args:
        token_embeddings: (batch, tokens, dim) contextual token vectors.
        attention_mask: (batch, tokens), 1 for real tokens (specials included), 0 for padding.
        mode: one of `MODES`.
        head: the attention pooling head, required for mode "attention".

    Returns:
        (batch, dim), a numpy array when `token_embeddings` was one, else a tensor. Not normalised.

    Raises:
        ValueError: an unknown mode, "attention" without a head, or shapes that do not match.

    References:
        - Reimers & Gurevych (2019), "Sentence-BERT: Sentence Embeddings using Siamese
          BERT-Networks", EMNLP, https://arxiv.org/abs/1908.10084 (cls, mean and max pooling).
    """
    _check_mode(mode, head)
    if not any(_is_torch(value) for value in (token_embeddings, attention_mask, head)):
        if mode == "attention":
            return head(token_embeddings, attention_mask)  # HeadWeights, numpy
        return pool_array(token_embeddings, attention_mask, mode)
    import torch

    as_numpy = isinstance(token_embeddings, np.ndarray)
    tokens, mask = _checked(token_embeddings, attention_mask)
    real = (mask != 0).unsqueeze(-1)  # (batch, tokens, 1)
    has_tokens = real.any(dim=1)  # (batch, 1)
    if mode == "cls":
        first = (mask != 0).to(torch.int).argmax(dim=1)  # (batch,) first real position
        index = first.view(-1, 1, 1).expand(-1, 1, tokens.shape[-1])
        pooled = torch.gather(tokens, 1, index).squeeze(1)  # (batch, dim)
    elif mode == "max":
        pooled = tokens.masked_fill(~real, float("-inf")).max(dim=1).values  # (batch, dim)
    elif mode == "attention":
        pooled = head(tokens, mask)  # (batch, dim)
    else:  # mean, mean_sqrt_len
        summed = (tokens * real.to(tokens.dtype)).sum(dim=1)  # (batch, dim)
        count = torch.clamp(real.to(tokens.dtype).sum(dim=1), min=1e-9)  # (batch, 1)
        pooled = summed / (count if mode == "mean" else torch.sqrt(count))
    pooled = torch.where(has_tokens, pooled, torch.zeros_like(pooled))  # empty rows -> zeros
    return pooled.detach().cpu().numpy() if as_numpy else pooled


def token_shares(
    token_embeddings: torch.Tensor | np.ndarray,
    attention_mask: torch.Tensor | np.ndarray,
    mode: PoolingMode,
    head: HeadWeights | AttentionPoolingHead | None = None,
) -> np.ndarray:
    """How much each token contributes to the pooled vector, as shares that sum to 1.

    cls: one-hot on the first real token. mean and mean_sqrt_len: uniform (mean_sqrt_len has the
    same shares, only the vector's length grows with √n). max: for each token, the fraction of the
    dimensions where it holds the maximum. attention: the head's softmax weights.

    Args:
        token_embeddings: (batch, tokens, dim).
        attention_mask: (batch, tokens).
        mode: one of `MODES`; "attention" needs `head`.

    Returns:
        (batch, tokens) float64; padding gets 0; a row without real tokens is all 0.
    """
    _check_mode(mode, head)
    if not any(_is_torch(value) for value in (token_embeddings, attention_mask, head)):
        if mode == "attention":
            shares = head.token_weights(token_embeddings, attention_mask).astype(np.float64)
            real = np.asarray(attention_mask) != 0
            return np.where(real.any(axis=1, keepdims=True), shares, 0.0)
        return token_shares_array(token_embeddings, attention_mask, mode)
    import torch

    tokens, mask = _checked(token_embeddings, attention_mask)
    real = mask != 0  # (batch, tokens)
    count = real.sum(dim=1, keepdim=True)  # (batch, 1)
    if mode == "cls":
        shares = torch.zeros(real.shape, dtype=torch.float64)
        first = real.to(torch.int).argmax(dim=1)
        shares[torch.arange(real.shape[0]), first] = 1.0
    elif mode == "max":
        masked = tokens.masked_fill(~real.unsqueeze(-1), float("-inf"))
        winners = masked.argmax(dim=1)  # (batch, dim): which token holds each dimension's max
        shares = torch.zeros(real.shape, dtype=torch.float64)
        shares.scatter_add_(1, winners, torch.ones(winners.shape, dtype=torch.float64))
        shares = shares / tokens.shape[-1]
    elif mode == "attention":
        with torch.no_grad():
            shares = head.token_weights(tokens, mask).to(torch.float64)
    else:  # mean, mean_sqrt_len
        shares = real.to(torch.float64) / torch.clamp(count, min=1)
    shares = torch.where(count > 0, shares, torch.zeros_like(shares))
    return shares.cpu().numpy()


@dataclass
class HeadRecord:
    """One session's attention head for one model, and what its last training did."""

    model_key: str  # the model whose token vectors the head pools
    head: HeadWeights | AttentionPoolingHead  # fresh: weights only; trained: the torch module
    losses: list[float] = field(default_factory=list)  # one per training step; [] = untrained
    seconds: float = 0.0
    fresh_quality: tuple[float, float] | None = None  # (Spearman, accuracy) before training

    @property
    def trained(self) -> bool:
        return bool(self.losses)


@dataclass(frozen=True)
class ModeComparison:
    """Every pooling mode on the same sentences.

    Attributes:
        shares: (modes, tokens) each mode's `token_shares` for one sentence (the focus).
        similarities: mode -> (n, n) cosine matrix of the pooled sentences.
        mean_cosines: mode -> mean cosine between different sentences (nan for one sentence).
    """

    shares: np.ndarray
    similarities: dict[PoolingMode, np.ndarray]
    mean_cosines: dict[PoolingMode, float]


def compare_modes(
    batch: TokenBatch, focus: int, head: HeadWeights | AttentionPoolingHead
) -> ModeComparison:
    """Pool the batch under every mode of `MODES` (attention with `head`)."""
    length = int(batch.attention_mask[focus].sum())
    tokens = batch.embeddings[focus : focus + 1, :length]  # (1, length, dim)
    mask = batch.attention_mask[focus : focus + 1, :length]
    shares = np.concatenate([token_shares(tokens, mask, mode, head) for mode in MODES])
    pooled = {mode: pool(batch.embeddings, batch.attention_mask, mode, head) for mode in MODES}
    return ModeComparison(
        shares,
        {mode: cosine_similarity_matrix(vectors) for mode, vectors in pooled.items()},
        {mode: mean_pairwise_cosine(vectors) for mode, vectors in pooled.items()},
    )
