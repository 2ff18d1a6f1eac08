"""The attention pooling head as the lab pools with it: its weights as numpy arrays, and the
weights of a fresh head, shipped or drawn.

``score_t = w · tanh(W h_t + b)``, ``weight_t = softmax_t(score_t)`` over the real tokens,
``sentence = sum_t weight_t h_t``. Pooling with `HeadWeights` needs no torch; the head is trained
as a torch module (`components.pooling.head_training.AttentionPoolingHead`), which starts from
`draw_fresh_weights` and hands its weights back as `HeadWeights`.

A fresh head's weights are drawn by torch's generator, so the packaged model's size is shipped in
`sample_data/cache` (`ship_fresh_head`) and a visitor who never trains never imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from components.data import result_cache
from components.vectors.array_pooling import attention_weights_array


@dataclass(frozen=True)
class HeadWeights:
    """The attention pooling head's weights as numpy arrays: enough to pool, no torch needed.

    ``score_t = w · tanh(W h_t + b)``, ``weight_t = softmax_t(score_t)`` over the real tokens,
    ``sentence = sum_t weight_t h_t`` (see `AttentionPoolingHead`, which trains them).

    Attributes:
        dense_weight: W (hidden, dim); dense_bias: b (hidden,); score_weight: w (1, hidden).
    """

    dense_weight: np.ndarray
    dense_bias: np.ndarray
    score_weight: np.ndarray

    @property
    def hidden(self) -> int:
        return int(self.dense_weight.shape[0])

    @property
    def dimension(self) -> int:
        return int(self.dense_weight.shape[1])

    def arrays(self) -> dict[str, np.ndarray]:
        """The three arrays by name (`dense_weight`, `dense_bias`, `score_weight`)."""
        return {
            "dense_weight": self.dense_weight,
            "dense_bias": self.dense_bias,
            "score_weight": self.score_weight,
        }

    def token_weights(self, token_embeddings: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """(batch, tokens) softmax weights over the real tokens (padding and empty rows: 0)."""
        return attention_weights_array(token_embeddings, attention_mask, **self.arrays())

    def __call__(self, token_embeddings: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """(batch, tokens, dim), (batch, tokens) -> (batch, dim) attention-weighted sums."""
        weights = self.token_weights(token_embeddings, attention_mask)  # (batch, tokens)
        return np.einsum("bt,btd->bd", weights, np.asarray(token_embeddings, dtype=np.float32))


def draw_fresh_weights(dimension: int, hidden: int = 64, seed: int = 0) -> HeadWeights:
    """A fresh head's weights, drawn with torch's generator from `seed` (torch imported here).

    W and b uniform in ±1/√dimension, w normal with a tiny spread (1e-3): every score starts
    close to 0, so the softmax is near-uniform and an untrained head pools almost like `mean`.
    """
    import torch

    generator = torch.Generator().manual_seed(seed)
    bound = 1.0 / dimension**0.5
    dense_weight = torch.empty(hidden, dimension).uniform_(-bound, bound, generator=generator)
    dense_bias = torch.empty(hidden).uniform_(-bound, bound, generator=generator)
    score_weight = torch.empty(1, hidden).normal_(0.0, 1e-3, generator=generator)
    return HeadWeights(dense_weight.numpy(), dense_bias.numpy(), score_weight.numpy())


def _shipped_key(dimension: int, hidden: int, seed: int) -> str:
    return result_cache.entry_key(
        "attention-head", "", [], dimension=dimension, hidden=hidden, seed=seed
    )


def shipped_fresh_head(dimension: int, hidden: int = 64, seed: int = 0) -> HeadWeights | None:
    """The fresh head of this size and seed from `sample_data/cache`, or None when not shipped."""
    entry = result_cache.load(_shipped_key(dimension, hidden, seed))
    return None if entry is None else HeadWeights(**entry[0])


def fresh_head(dimension: int, hidden: int = 64, seed: int = 0) -> HeadWeights:
    """The initial weights of `AttentionPoolingHead(dimension, hidden, seed)`.

    Shipped in sample_data/cache for the packaged model's size (drawn by torch's generator, so
    the numbers are the torch head's); any other size draws them with torch.
    """
    shipped = shipped_fresh_head(dimension, hidden, seed)
    return shipped if shipped is not None else draw_fresh_weights(dimension, hidden, seed)


def ship_fresh_head(
    dimension: int, hidden: int = 64, seed: int = 0, folder: Path = result_cache.SHIPPED_DIR
) -> Path | None:
    """Draw the fresh head of this size and write it where `shipped_fresh_head` reads it."""
    weights = draw_fresh_weights(dimension, hidden, seed)
    return result_cache.save(_shipped_key(dimension, hidden, seed), weights.arrays(), folder=folder)
