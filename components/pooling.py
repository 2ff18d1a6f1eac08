"""Pooling: from a sequence of contextual token vectors to one sentence vector.

`pool` implements the four fixed modes of sentence-transformers' `Pooling` module (equal within
1e-5, see tests/unit/test_pooling.py) and the lesson's attention pooling head: a small dense layer
with tanh, a score per token, a masked softmax over the tokens, and a weighted sum.

Padding never leaks into any mode: padded positions (attention_mask == 0) get no weight, are never
a maximum and are never the [CLS] position. A row with no real token at all pools to zeros.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from torch import nn

from components.losses import info_nce_loss
from components.thread_safety import torch_threads

PoolingMode = Literal["cls", "mean", "max", "mean_sqrt_len", "attention"]
MODES: tuple[PoolingMode, ...] = ("cls", "mean", "max", "mean_sqrt_len", "attention")
# Our mode name -> the name sentence-transformers' Pooling module uses for the same computation.
SENTENCE_TRANSFORMERS_MODE = {
    "cls": "cls",
    "mean": "mean",
    "max": "max",
    "mean_sqrt_len": "mean_sqrt_len_tokens",
}
MODE_DESCRIPTIONS = {
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
    from sentence_transformers.sentence_transformer.modules import Pooling

    for module in model:
        if isinstance(module, Pooling) and isinstance(module.pooling_mode, str):
            ours = {value: key for key, value in SENTENCE_TRANSFORMERS_MODE.items()}
            return ours.get(module.pooling_mode)
    return None


class AttentionPoolingHead(nn.Module):
    """The lesson's attention pooling head: `score_t = w · tanh(W h_t + b)`, softmax, weighted sum.

    Args:
        dimension: size of the token vectors h_t.
        hidden: rows of W (the size of the tanh layer).
        seed: initial weights are drawn from this seed, so a fresh head is reproducible.

    A fresh head has a tiny `w`, so every score is close to 0 and the softmax is near-uniform:
    untrained, it pools almost like `mean`.
    """

    def __init__(self, dimension: int, hidden: int = 64, seed: int = 0) -> None:
        super().__init__()
        self.dense = nn.Linear(dimension, hidden)  # W, b
        self.score = nn.Linear(hidden, 1, bias=False)  # w
        generator = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            bound = 1.0 / dimension**0.5
            self.dense.weight.uniform_(-bound, bound, generator=generator)
            self.dense.bias.uniform_(-bound, bound, generator=generator)
            self.score.weight.normal_(0.0, 1e-3, generator=generator)

    def token_weights(
        self, token_embeddings: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor:
        """Softmax weights over the real tokens.

        Args:
            token_embeddings: (batch, tokens, dim).
            attention_mask: (batch, tokens), 1 for real tokens, 0 for padding.

        Returns:
            (batch, tokens): each row sums to 1 over its real tokens; padding gets exactly 0.
        """
        scores = self.score(torch.tanh(self.dense(token_embeddings))).squeeze(-1)  # (batch, tokens)
        scores = scores.masked_fill(attention_mask == 0, float("-inf"))
        weights = torch.softmax(scores, dim=-1)  # (batch, tokens)
        return torch.nan_to_num(weights, nan=0.0)  # rows without any token: all zero

    def forward(self, token_embeddings: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        weights = self.token_weights(token_embeddings, attention_mask)  # (batch, tokens)
        return torch.einsum("bt,btd->bd", weights, token_embeddings)  # (batch, dim)


def _as_tensors(
    token_embeddings: torch.Tensor | np.ndarray, attention_mask: torch.Tensor | np.ndarray
) -> tuple[torch.Tensor, torch.Tensor]:
    tokens = torch.as_tensor(token_embeddings)
    mask = torch.as_tensor(attention_mask)
    if tokens.ndim != 3 or mask.shape != tokens.shape[:2]:
        raise ValueError(
            f"expected token_embeddings (batch, tokens, dim) and attention_mask (batch, tokens); "
            f"got {tuple(tokens.shape)} and {tuple(mask.shape)}"
        )
    return tokens, mask


def pool(
    token_embeddings: torch.Tensor | np.ndarray,
    attention_mask: torch.Tensor | np.ndarray,
    mode: PoolingMode,
    head: AttentionPoolingHead | None = None,
) -> torch.Tensor | np.ndarray:
    """One vector per sentence from its token vectors.

    Args:
        token_embeddings: (batch, tokens, dim) contextual token vectors.
        attention_mask: (batch, tokens), 1 for real tokens (specials included), 0 for padding.
        mode: "cls", "mean", "max", "mean_sqrt_len" or "attention".
        head: the attention pooling head, required for mode "attention".

    Returns:
        (batch, dim), a numpy array when `token_embeddings` was one, else a tensor. Not normalised.
    """
    as_numpy = isinstance(token_embeddings, np.ndarray)
    tokens, mask = _as_tensors(token_embeddings, attention_mask)
    real = (mask != 0).unsqueeze(-1)  # (batch, tokens, 1)
    has_tokens = real.any(dim=1)  # (batch, 1)
    if mode == "cls":
        first = (mask != 0).to(torch.int).argmax(dim=1)  # (batch,) first real position
        index = first.view(-1, 1, 1).expand(-1, 1, tokens.shape[-1])
        pooled = torch.gather(tokens, 1, index).squeeze(1)  # (batch, dim)
    elif mode in ("mean", "mean_sqrt_len"):
        summed = (tokens * real.to(tokens.dtype)).sum(dim=1)  # (batch, dim)
        count = torch.clamp(real.to(tokens.dtype).sum(dim=1), min=1e-9)  # (batch, 1)
        pooled = summed / (count if mode == "mean" else torch.sqrt(count))
    elif mode == "max":
        pooled = tokens.masked_fill(~real, float("-inf")).max(dim=1).values  # (batch, dim)
    elif mode == "attention":
        if head is None:
            raise ValueError('mode "attention" needs head=AttentionPoolingHead(...)')
        pooled = head(tokens, mask)
    else:
        raise ValueError(f"unknown pooling mode {mode!r}; choose one of {', '.join(MODES)}")
    pooled = torch.where(has_tokens, pooled, torch.zeros_like(pooled))  # empty rows -> zeros
    return pooled.detach().cpu().numpy() if as_numpy else pooled


def token_shares(
    token_embeddings: torch.Tensor | np.ndarray,
    attention_mask: torch.Tensor | np.ndarray,
    mode: PoolingMode,
    head: AttentionPoolingHead | None = None,
) -> np.ndarray:
    """How much each token contributes to the pooled vector, as shares that sum to 1.

    cls: one-hot on the first real token. mean and mean_sqrt_len: uniform (mean_sqrt_len has the
    same shares, only the vector's length grows with √n). max: for each token, the fraction of the
    dimensions where it holds the maximum. attention: the head's softmax weights.

    Returns:
        (batch, tokens) float64; padding gets 0; a row without real tokens is all 0.
    """
    tokens, mask = _as_tensors(token_embeddings, attention_mask)
    real = mask != 0  # (batch, tokens)
    count = real.sum(dim=1, keepdim=True)  # (batch, 1)
    if mode == "cls":
        shares = torch.zeros(real.shape, dtype=torch.float64)
        first = real.to(torch.int).argmax(dim=1)
        shares[torch.arange(real.shape[0]), first] = 1.0
    elif mode in ("mean", "mean_sqrt_len"):
        shares = real.to(torch.float64) / torch.clamp(count, min=1)
    elif mode == "max":
        masked = tokens.masked_fill(~real.unsqueeze(-1), float("-inf"))
        winners = masked.argmax(dim=1)  # (batch, dim): which token holds each dimension's max
        shares = torch.zeros(real.shape, dtype=torch.float64)
        shares.scatter_add_(1, winners, torch.ones(winners.shape, dtype=torch.float64))
        shares = shares / tokens.shape[-1]
    elif mode == "attention":
        if head is None:
            raise ValueError('mode "attention" needs head=AttentionPoolingHead(...)')
        with torch.no_grad():
            shares = head.token_weights(tokens, mask).to(torch.float64)
    else:
        raise ValueError(f"unknown pooling mode {mode!r}; choose one of {', '.join(MODES)}")
    shares = torch.where(count > 0, shares, torch.zeros_like(shares))
    return shares.cpu().numpy()


@dataclass
class TrainingRun:
    losses: list[float]  # one per step
    seconds: float


TokenBatch = tuple[torch.Tensor, torch.Tensor]  # (batch, tokens, dim), (batch, tokens)


def train_attention_head(
    head: AttentionPoolingHead,
    anchor: TokenBatch,
    positive: TokenBatch,
    negative: TokenBatch,
    *,
    steps: int = 150,
    learning_rate: float = 5e-3,
    tau: float = 0.05,
    on_step: Callable[[int, float], None] | None = None,
    threads: int | None = 1,
) -> TrainingRun:
    """Fit the head (only the head: the token vectors are frozen inputs) on triplets.

    Full-batch Adam on the InfoNCE loss of the attention-pooled anchors, positives and negatives.

    Args:
        head: trained in place.
        anchor, positive, negative: token vectors and masks of the triplets, (batch, tokens, dim).
        on_step: called with (step number from 1, loss) after every step, e.g. for a progress bar.
        threads: torch intra-op threads while training (restored after; None keeps the setting).
            The matrices are small: on a busy 2-core machine 100 steps took 1.3 s with one
            thread and 10-16 s with two, which spend their time waiting for each other.
    """
    frozen = [(tokens.detach(), mask) for tokens, mask in (anchor, positive, negative)]
    optimizer = torch.optim.Adam(head.parameters(), lr=learning_rate)
    head.train()
    losses: list[float] = []
    start = time.perf_counter()
    try:
        with torch_threads(threads):  # process-wide: changed and restored under one lock
            for step in range(1, steps + 1):
                optimizer.zero_grad()
                pooled = [head(tokens, mask) for tokens, mask in frozen]  # 3 x (batch, dim)
                loss = info_nce_loss(*pooled, tau=tau).mean()
                loss.backward()
                optimizer.step()
                losses.append(float(loss.detach()))
                if on_step is not None:
                    on_step(step, losses[-1])
    finally:
        head.eval()
    return TrainingRun(losses, time.perf_counter() - start)
