"""Measuring sentence vectors against human judgement: Spearman on scored pairs, triplet accuracy.

The numbers equal sentence-transformers' `EmbeddingSimilarityEvaluator` (Spearman of cosine) and
`TripletEvaluator` (cosine accuracy), see tests/unit/test_evaluation.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from components.data.samples import ScoredPairs
from components.data.triplets import Triplets
from components.models.encoder import TokenBatch
from components.pooling.attention_head import HeadWeights
from components.pooling.pooling import HeadRecord, PoolingMode, pool
from components.vectors.losses import pairwise_cosine

if TYPE_CHECKING:
    import torch

    from components.pooling.head_training import AttentionPoolingHead


def _float64(vectors: np.ndarray | torch.Tensor) -> np.ndarray:
    if hasattr(vectors, "detach"):  # a torch tensor
        vectors = vectors.detach().cpu().numpy()
    return np.asarray(vectors, dtype=np.float64)


def spearman(predicted: np.ndarray, gold: np.ndarray) -> float:
    """Spearman rank correlation (== scipy.stats.spearmanr); 0 when either side is constant."""
    predicted, gold = np.asarray(predicted, dtype=np.float64), np.asarray(gold, dtype=np.float64)
    if len(predicted) < 2 or np.ptp(predicted) == 0 or np.ptp(gold) == 0:
        return 0.0
    from scipy.stats import spearmanr  # ~0.5 s import: only when a score is asked for

    return float(spearmanr(predicted, gold).statistic)


def triplet_accuracy(
    anchor: np.ndarray | torch.Tensor,
    positive: np.ndarray | torch.Tensor,
    negative: np.ndarray | torch.Tensor,
) -> float:
    """Share of triplets with cos(a, p) > cos(a, n); inputs (n, dim)."""
    if len(anchor) == 0:
        return 0.0
    anchor, positive, negative = (_float64(v) for v in (anchor, positive, negative))
    return float(np.mean(pairwise_cosine(anchor, positive) > pairwise_cosine(anchor, negative)))


def pair_spearman(pooled: np.ndarray | torch.Tensor, scores: np.ndarray) -> float:
    """Spearman of the pairs' cosines against their scores.

    Args:
        pooled: (2 * pairs, dim): all first sentences, then all second sentences.
        scores: (pairs,) human-style scores.
    """
    n_pairs = len(scores)
    pooled = _float64(pooled)
    return spearman(pairwise_cosine(pooled[:n_pairs], pooled[n_pairs:]), scores)


def pooling_quality(
    pair_tokens: np.ndarray,
    pair_mask: np.ndarray,
    pair_scores: np.ndarray,
    triplet_tokens: np.ndarray,
    triplet_mask: np.ndarray,
    mode: PoolingMode,
    head: HeadWeights | AttentionPoolingHead | None = None,
) -> tuple[float, float]:
    """(Spearman on scored pairs, triplet accuracy) of one pooling mode over frozen token vectors.

    Args:
        pair_tokens, pair_mask: (2 * pairs, tokens, dim), (2 * pairs, tokens): all first
            sentences, then all second sentences.
        pair_scores: (pairs,) human-style scores.
        triplet_tokens, triplet_mask: (3 * triplets, tokens, dim), (3 * triplets, tokens): all
            anchors, then positives, then negatives.
    """
    n_triplets = triplet_tokens.shape[0] // 3
    rho = pair_spearman(pool(pair_tokens, pair_mask, mode, head), pair_scores)
    pooled = pool(triplet_tokens, triplet_mask, mode, head)  # (3 * triplets, dim)
    accuracy = triplet_accuracy(
        pooled[:n_triplets], pooled[n_triplets : 2 * n_triplets], pooled[2 * n_triplets :]
    )
    return rho, accuracy


@dataclass(frozen=True)
class PoolingBenchmark:
    """Scored pairs and triplets as frozen token vectors, ready to score any pooling.

    Attributes:
        pair_tokens: all first sentences of `pairs`, then all second sentences.
        triplet_tokens: `triplets.stacked()`: all anchors, then positives, then negatives.
    """

    pairs: ScoredPairs
    triplets: Triplets
    pair_tokens: TokenBatch
    triplet_tokens: TokenBatch

    @classmethod
    def measure(
        cls,
        pairs: ScoredPairs,
        triplets: Triplets,
        token_vectors: Callable[[tuple[str, ...]], TokenBatch],
    ) -> PoolingBenchmark:
        """The benchmark of one model: `token_vectors(texts)` gives its (cached) token vectors."""
        pair_tokens = token_vectors(tuple(pairs.first + pairs.second))
        return cls(pairs, triplets, pair_tokens, token_vectors(tuple(triplets.stacked())))

    def quality(
        self, mode: PoolingMode, head: HeadWeights | AttentionPoolingHead | None = None
    ) -> tuple[float, float]:
        """(Spearman on the scored pairs, triplet accuracy) of one pooling mode."""
        return pooling_quality(
            self.pair_tokens.embeddings,
            self.pair_tokens.attention_mask,
            self.pairs.scores,
            self.triplet_tokens.embeddings,
            self.triplet_tokens.attention_mask,
            mode,
            head,
        )

    def mean_pooling_spearman(self, pair_tokens: TokenBatch | None = None) -> float:
        """Spearman of mean pooling, on these pairs' token vectors from another model if given."""
        tokens = self.pair_tokens if pair_tokens is None else pair_tokens
        return pair_spearman(
            pool(tokens.embeddings, tokens.attention_mask, "mean"), self.pairs.scores
        )

    def pair_rows(self) -> dict[str, Any]:
        """The scored pairs as table columns, with their mean-pooling cosine."""
        return {
            "sentence 1": self.pairs.first,
            "sentence 2": self.pairs.second,
            "human score (0-5)": self.pairs.scores,
            "cosine (mean)": self.pair_cosines("mean"),
        }

    def train_head(
        self,
        model_key: str,
        steps: int,
        learning_rate: float,
        on_step: Callable[[int, float], None] | None = None,
    ) -> HeadRecord:
        """A fresh attention head trained on these triplets (InfoNCE, frozen token vectors), with
        its losses, time and its quality before training; torch is imported here."""
        from components.pooling.head_training import (
            AttentionPoolingHead,
            train_attention_head,
            triplet_thirds,
        )

        head = AttentionPoolingHead(self.pair_tokens.embeddings.shape[-1])
        before = self.quality("attention", head)
        thirds = triplet_thirds(self.triplet_tokens.embeddings, self.triplet_tokens.attention_mask)
        run = train_attention_head(
            head, *thirds, steps=steps, learning_rate=learning_rate, on_step=on_step
        )
        return HeadRecord(model_key, head, run.losses, run.seconds, before)

    def pair_cosines(self, mode: PoolingMode = "mean") -> np.ndarray:
        """(pairs,) cosine of each scored pair under a fixed pooling mode."""
        pooled = _float64(pool(self.pair_tokens.embeddings, self.pair_tokens.attention_mask, mode))
        n_pairs = len(self.pairs.scores)
        return pairwise_cosine(pooled[:n_pairs], pooled[n_pairs:])
