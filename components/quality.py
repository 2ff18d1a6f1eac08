"""Measuring sentence vectors against human judgement: Spearman on scored pairs, triplet accuracy.

Also the "what training buys" baseline: the same architecture with random weights.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sentence_transformers import SentenceTransformer
from transformers import AutoModel

from components.pooling import AttentionPoolingHead, PoolingMode, pool
from components.samples import SAMPLE_DIR
from components.thread_safety import model_lock, seeded

STS_FILE = "sts_pairs.csv"  # sentence1, sentence2, score (0 = unrelated … 5 = same meaning)
TRIPLET_FILES = ("reference_triplets.csv", "pooling_triplets.csv")  # anchor, positive, negative


@dataclass(frozen=True)
class ScoredPairs:
    first: list[str]
    second: list[str]
    scores: np.ndarray  # (n,) human-style similarity, 0-5


@dataclass(frozen=True)
class Triplets:
    anchor: list[str]
    positive: list[str]
    negative: list[str]

    def __len__(self) -> int:
        return len(self.anchor)


def load_scored_pairs(filename: str = STS_FILE) -> ScoredPairs:
    table = pd.read_csv(SAMPLE_DIR / filename, dtype={"sentence1": str, "sentence2": str})
    return ScoredPairs(
        table["sentence1"].tolist(),
        table["sentence2"].tolist(),
        table["score"].to_numpy(dtype=np.float64),
    )


def load_triplets(filenames: tuple[str, ...] = TRIPLET_FILES) -> Triplets:
    tables = [
        pd.read_csv(SAMPLE_DIR / name, dtype=str, keep_default_na=False) for name in filenames
    ]
    table = pd.concat(tables, ignore_index=True)
    return Triplets(
        table["anchor"].tolist(), table["positive"].tolist(), table["negative"].tolist()
    )


def paired_cosine(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Row-wise cosine of two (n, dim) arrays -> (n,). Zero rows give 0."""
    first = np.asarray(first, dtype=np.float64)
    second = np.asarray(second, dtype=np.float64)
    norms = np.linalg.norm(first, axis=1) * np.linalg.norm(second, axis=1)
    return np.einsum("nd,nd->n", first, second) / np.where(norms == 0, 1.0, norms)


def spearman(predicted: np.ndarray, gold: np.ndarray) -> float:
    """Spearman rank correlation (== scipy.stats.spearmanr); 0 when either side is constant."""
    predicted, gold = np.asarray(predicted, dtype=np.float64), np.asarray(gold, dtype=np.float64)
    if len(predicted) < 2 or np.ptp(predicted) == 0 or np.ptp(gold) == 0:
        return 0.0
    return float(spearmanr(predicted, gold).statistic)


def triplet_accuracy(anchor: np.ndarray, positive: np.ndarray, negative: np.ndarray) -> float:
    """Share of triplets with cos(a, p) > cos(a, n); inputs (n, dim)."""
    if len(anchor) == 0:
        return 0.0
    return float(np.mean(paired_cosine(anchor, positive) > paired_cosine(anchor, negative)))


def pooling_quality(
    pair_tokens: np.ndarray,
    pair_mask: np.ndarray,
    pair_scores: np.ndarray,
    triplet_tokens: np.ndarray,
    triplet_mask: np.ndarray,
    mode: PoolingMode,
    head: AttentionPoolingHead | None = None,
) -> tuple[float, float]:
    """(Spearman on scored pairs, triplet accuracy) of one pooling mode over frozen token vectors.

    Args:
        pair_tokens, pair_mask: (2 * pairs, tokens, dim), (2 * pairs, tokens): all first
            sentences, then all second sentences.
        pair_scores: (pairs,) human-style scores.
        triplet_tokens, triplet_mask: (3 * triplets, tokens, dim), (3 * triplets, tokens): all
            anchors, then positives, then negatives.
    """
    n_pairs, n_triplets = len(pair_scores), triplet_tokens.shape[0] // 3
    pooled = pool(pair_tokens, pair_mask, mode, head)  # (2 * pairs, dim)
    rho = spearman(paired_cosine(pooled[:n_pairs], pooled[n_pairs:]), pair_scores)
    pooled = pool(triplet_tokens, triplet_mask, mode, head)  # (3 * triplets, dim)
    accuracy = triplet_accuracy(
        pooled[:n_triplets], pooled[n_triplets : 2 * n_triplets], pooled[2 * n_triplets :]
    )
    return rho, accuracy


def untrained_copy(model: SentenceTransformer, seed: int = 0) -> SentenceTransformer:
    """The same architecture and tokenizer with randomly initialised transformer weights.

    Built locally from the model's own config (no download): `AutoModel.from_config` under a fixed
    seed, so the "untrained" model is the same every time. The given model is not changed.
    """
    with model_lock(model):  # copying the tokenizer while another thread calls it is unsafe
        untrained = copy.deepcopy(model)
    config = copy.deepcopy(model[0].auto_model.config)
    with seeded(seed):
        random_transformer = AutoModel.from_config(config)
    random_transformer.eval()
    untrained[0].model = random_transformer
    untrained.eval()
    return untrained
