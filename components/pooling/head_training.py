"""The attention pooling head as a torch module, and its trainer: the only torch of pooling.

`components.pooling.pooling` computes every pooling (the attention head's too) in numpy from the
head's weights (`components.pooling.attention_head.HeadWeights`); this module is imported when a
head is trained.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from components.pooling.attention_head import HeadWeights, draw_fresh_weights
from components.runtime.thread_safety import torch_threads
from components.vectors.losses import info_nce_loss


class AttentionPoolingHead(nn.Module):
    def __init__(self, dimension: int, hidden: int = 64, seed: int = 0) -> None:
        """The lesson's attention pooling head: a learned score per token, softmax, weighted sum.

        For token vectors h_t (t = 1 … T, padding masked out):

        ``score_t = w · tanh(W h_t + b)``,
        ``weight_t = exp(score_t) / sum_s exp(score_s)``,
        ``sentence = sum_t weight_t h_t``

        A fresh head has a tiny `w`, so every score is close to 0 and the softmax is
        near-uniform: untrained, it pools almost like `mean`.

        Args:
            dimension: size of the token vectors h_t.
            hidden: rows of W (the size of the tanh layer).
            seed: initial weights are drawn from this seed, so a fresh head is reproducible.

        References:
            - Lin et al. (2017), "A Structured Self-attentive Sentence Embedding", ICLR,
              https://arxiv.org/abs/1703.03130 (the same score with one attention head).
        """
        super().__init__()
        self.dense = nn.Linear(dimension, hidden)  # W, b
        self.score = nn.Linear(hidden, 1, bias=False)  # w
        self._load(draw_fresh_weights(dimension, hidden, seed))

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
        """(batch, tokens, dim), (batch, tokens) -> (batch, dim) attention-weighted sums."""
        weights = self.token_weights(token_embeddings, attention_mask)  # (batch, tokens)
        return torch.einsum("bt,btd->bd", weights, token_embeddings)  # (batch, dim)

    @property
    def hidden(self) -> int:
        return int(self.dense.weight.shape[0])

    @property
    def dimension(self) -> int:
        return int(self.dense.weight.shape[1])

    def weights(self) -> HeadWeights:
        """The head's current weights as numpy arrays (a copy: training does not change it)."""
        return HeadWeights(
            self.dense.weight.detach().numpy().copy(),
            self.dense.bias.detach().numpy().copy(),
            self.score.weight.detach().numpy().copy(),
        )

    def _load(self, weights: HeadWeights) -> None:
        with torch.no_grad():
            self.dense.weight.copy_(torch.from_numpy(weights.dense_weight))
            self.dense.bias.copy_(torch.from_numpy(weights.dense_bias))
            self.score.weight.copy_(torch.from_numpy(weights.score_weight))


@dataclass
class TrainingRun:
    losses: list[float]  # one per step
    seconds: float


TokenTensors = tuple[torch.Tensor, torch.Tensor]  # (batch, tokens, dim), (batch, tokens)


def train_attention_head(
    head: AttentionPoolingHead,
    anchor: TokenTensors,
    positive: TokenTensors,
    negative: TokenTensors,
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


def triplet_thirds(tokens: np.ndarray, mask: np.ndarray) -> tuple[TokenTensors, ...]:
    """Token vectors of stacked triplets (anchors, then positives, then negatives) as three
    (batch, tokens, dim) / (batch, tokens) tensor pairs, the inputs of `train_attention_head`."""
    n = tokens.shape[0] // 3
    return tuple(
        (torch.as_tensor(tokens[part]), torch.as_tensor(mask[part]))
        for part in (slice(0, n), slice(n, 2 * n), slice(2 * n, 3 * n))
    )
