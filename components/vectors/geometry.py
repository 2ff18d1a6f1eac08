"""Geometry lessons: what the choice of metric, the number of dimensions and quantisation do to the
neighbours of a sentence.

Every comparison is against the exact reference: the k nearest neighbours of each sentence by
cosine on the full float32 vectors. "Overlap@k" is the share of those k that a variant still finds
(1.0 = the same neighbours, in any order). Neighbours never include the sentence itself; ties go
to the lower index, so every figure is reproducible. Work is done in blocks of rows: memory is
O(block x n), never the n x n matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from components.vectors.similarity import normalize_rows

Metric = Literal["cosine", "dot", "euclidean"]
METRICS: tuple[Metric, ...] = ("cosine", "dot", "euclidean")
METRIC_NAMES = {"cosine": "cosine", "dot": "dot product", "euclidean": "Euclidean distance"}
BLOCK = 256  # query rows per block
TRUNCATION_DIMS = (8, 16, 32, 64, 128, 192, 256, 384)


def scores(vectors: np.ndarray, queries: np.ndarray, metric: Metric) -> np.ndarray:
    """(q, dim) x (n, dim) -> (q, n) scores where higher = nearer.

    cosine: cos(q, v); dot: q . v; euclidean: -|q - v| (negated so that higher is nearer).
    """
    corpus = np.asarray(vectors, dtype=np.float64)
    query = np.atleast_2d(np.asarray(queries, dtype=np.float64))
    if metric == "cosine":
        return normalize_rows(query) @ normalize_rows(corpus).T
    if metric == "dot":
        return query @ corpus.T
    if metric == "euclidean":
        squared = (query**2).sum(1)[:, None] + (corpus**2).sum(1)[None, :] - 2 * query @ corpus.T
        return -np.sqrt(np.maximum(squared, 0.0))
    raise ValueError(f"unknown metric {metric!r}")


def _top(block_scores: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """(b, n) scores of rows `rows` -> (b, k) best other indices, ties by lower index."""
    block_scores = block_scores.astype(np.float64, copy=True)
    block_scores[np.arange(rows.size), rows] = -np.inf  # never its own neighbour
    return np.argsort(-block_scores, axis=1, kind="stable")[:, :k]


def neighbours(vectors: np.ndarray, k: int, metric: Metric = "cosine") -> np.ndarray:
    """(n, dim) -> (n, k) indices of each row's k nearest other rows under `metric`."""
    data = np.asarray(vectors)
    n = data.shape[0]
    k = max(0, min(int(k), n - 1))
    found = np.zeros((n, k), dtype=np.int64)
    for start in range(0, n, BLOCK):
        rows = np.arange(start, min(start + BLOCK, n))
        found[rows] = _top(scores(data, data[rows], metric), rows, k)
    return found


def overlap_at_k(found: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """(n, k), (n, k) -> (n,) share of each row's reference neighbours that `found` also has."""
    if reference.shape[1] == 0:
        return np.ones(reference.shape[0])
    hits = (found[:, :, None] == reference[:, None, :]).any(axis=1)  # (n, k)
    return hits.mean(axis=1)


def _share_same_first(found: np.ndarray, reference: np.ndarray) -> float:
    if reference.shape[1] == 0 or reference.shape[0] == 0:
        return 1.0
    return float((found[:, 0] == reference[:, 0]).mean())


# ---------------------------------------------------------------- Metrics, with and without length


def metric_agreement(raw_vectors: np.ndarray, k: int = 10) -> pd.DataFrame:
    """How much each metric, on raw and on normalised vectors, agrees with cosine.

    Args:
        raw_vectors: (n, dim) vectors with their natural lengths (see `unnormalized_embed`).
        k: neighbours per sentence.

    Returns:
        One row per (metric, normalised): mean overlap@k with the cosine neighbours, and the
        share of sentences whose nearest neighbour is the same. On unit vectors the three metrics
        rank alike (|a - b|^2 = 2 - 2 a.b), so every normalised row is 1.0.
    """
    raw = np.asarray(raw_vectors, dtype=np.float64)
    reference = neighbours(raw, k, "cosine")
    rows = []
    for normalised in (False, True):
        data = normalize_rows(raw) if normalised else raw
        for metric in METRICS:
            found = neighbours(data, k, metric)
            rows.append(
                {
                    "metric": METRIC_NAMES[metric],
                    "vectors": "normalised" if normalised else "raw lengths",
                    f"overlap@{reference.shape[1]}": float(overlap_at_k(found, reference).mean())
                    if raw.shape[0]
                    else 1.0,
                    "same nearest": _share_same_first(found, reference),
                }
            )
    return pd.DataFrame(rows)


def metric_neighbours(
    raw_vectors: np.ndarray, query: int, k: int = 5, *, normalised: bool = False
) -> pd.DataFrame:
    """One sentence's k nearest neighbours under each metric, with their rank by cosine.

    Returns:
        Columns: metric, rank (1..k), index (the neighbour), score, cosine rank (1 = nearest by
        cosine). A neighbour whose cosine rank differs from its rank moved because of the metric.
    """
    data = np.asarray(raw_vectors, dtype=np.float64)
    data = normalize_rows(data) if normalised else data
    n = data.shape[0]
    k = max(0, min(int(k), n - 1))
    by_cosine = _top(scores(data, data[[query]], "cosine"), np.array([query]), n - 1)[0]
    cosine_rank = {int(index): rank for rank, index in enumerate(by_cosine, start=1)}
    rows = []
    for metric in METRICS:
        metric_scores = scores(data, data[[query]], metric)
        for rank, index in enumerate(_top(metric_scores, np.array([query]), k)[0], start=1):
            rows.append(
                {
                    "metric": METRIC_NAMES[metric],
                    "rank": rank,
                    "index": int(index),
                    "score": float(metric_scores[0, index]),
                    "cosine rank": cosine_rank[int(index)],
                }
            )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- Fewer dimensions


def truncate(vectors: np.ndarray, dims: int) -> np.ndarray:
    """Keep the first `dims` components of each vector and renormalise (cosine on what is kept).

    Equal to `model.encode(texts, truncate_dim=dims, normalize_embeddings=True)`.
    """
    return normalize_rows(np.asarray(vectors, dtype=np.float32)[:, :dims])


def truncation_overlap(vectors: np.ndarray, dims: Sequence[int], k: int = 10) -> pd.DataFrame:
    """Neighbour overlap@k with the full vectors when only the first `dims` dimensions are kept.

    Returns:
        Columns: dims, share of dims kept, overlap@k, same nearest, bytes per vector (float32).
    """
    full = np.asarray(vectors, dtype=np.float32)
    reference = neighbours(full, k, "cosine")
    rows = []
    for count in sorted({int(d) for d in dims if 0 < int(d) <= full.shape[1]}):
        found = neighbours(truncate(full, count), k, "cosine")
        rows.append(
            {
                "dims": count,
                "share of dims": count / full.shape[1],
                f"overlap@{reference.shape[1]}": float(overlap_at_k(found, reference).mean())
                if full.shape[0]
                else 1.0,
                "same nearest": _share_same_first(found, reference),
                "bytes per vector": 4 * count,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- Quantisation


def int8_codes(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scalar int8 quantisation with per-dimension ranges taken from the vectors themselves.

    Each dimension's [min, max] is cut into 256 buckets; a value becomes its bucket - 128. Equal to
    `sentence_transformers.quantization.quantize_embeddings(vectors, "int8")`.

    Returns:
        (codes (n, dim) int8, ranges (2, dim) float32: the min and max row, kept once per set).
    """
    data = np.asarray(vectors, dtype=np.float32)
    ranges = np.stack([data.min(axis=0), data.max(axis=0)]).astype(np.float32)  # (2, dim)
    steps = (ranges[1] - ranges[0]) / 255
    steps = np.where(steps == 0, 1, steps)
    codes = np.clip(np.floor((data - ranges[0]) / steps), 0, 255) - 128
    return codes.astype(np.int8), ranges


def binary_codes(vectors: np.ndarray) -> np.ndarray:
    """One bit per dimension (1 where the value is > 0), packed 8 to a byte: (n, ceil(dim/8)) uint8.

    Equal to `quantize_embeddings(vectors, "ubinary")`.
    """
    return np.packbits(np.asarray(vectors) > 0, axis=-1)


def int8_decode(codes: np.ndarray, ranges: np.ndarray) -> np.ndarray:
    """int8 codes -> float32 vectors at the middle of each code's bucket."""
    steps = (ranges[1] - ranges[0]) / 255
    steps = np.where(steps == 0, 1, steps)
    return (ranges[0] + (codes.astype(np.float32) + 128 + 0.5) * steps).astype(np.float32)


def hamming_neighbours(codes: np.ndarray, dim: int, k: int) -> np.ndarray:
    """(n, bytes) packed bits -> (n, k) nearest other rows by Hamming distance, ties by index."""
    signs = np.unpackbits(codes, axis=-1, count=dim).astype(np.float32) * 2 - 1  # (n, dim) +-1
    # For +-1 vectors, Hamming distance = (dim - s.s') / 2: ranking by s.s' is ranking by Hamming.
    return neighbours(signs, k, "dot")


PRECISIONS = {  # name in tables -> what it means
    "float32": "4 bytes per number: the reference",
    "int8 decoded": "1 byte per number, decoded to the middle of its bucket, then cosine",
    "int8 raw codes": "1 byte per number, the codes used as they are (dot product)",
    "binary": "1 bit per number (its sign), Hamming distance",
}


def quantisation_overlap(vectors: np.ndarray, k: int = 10) -> pd.DataFrame:
    """What int8 and binary codes do to neighbours and memory, against float32 cosine.

    Three ways to search the codes: int8 decoded (each code back to its bucket's middle value,
    then cosine: what 8 bits per number remember); int8 codes used directly as integer vectors
    (dot product: fast, but each dimension is stretched by its own range, which skews the
    ranking); binary codes by Hamming distance (what a bit index does).

    Returns:
        Columns: precision, bytes per vector, bytes for all, overlap@k, same nearest.
    """
    data = np.asarray(vectors, dtype=np.float32)
    n, dim = data.shape
    reference = neighbours(data, k, "cosine")
    if n:
        codes, ranges = int8_codes(data)
        decoded = int8_decode(codes, ranges)
    else:
        codes, decoded = np.zeros((0, dim), np.int8), np.zeros((0, dim), np.float32)
    bits = binary_codes(data)
    found = {
        "float32": reference,
        "int8 decoded": neighbours(decoded, k, "cosine"),
        "int8 raw codes": neighbours(codes.astype(np.float32), k, "dot"),
        "binary": hamming_neighbours(bits, dim, k),
    }
    binary_bytes = (dim + 7) // 8
    sizes = {"float32": 4 * dim, "int8 decoded": dim, "int8 raw codes": dim, "binary": binary_bytes}
    ranges_bytes = 2 * 4 * dim  # int8 keeps one min and one max per dimension for the whole set
    extra = {
        "float32": 0,
        "int8 decoded": ranges_bytes,
        "int8 raw codes": ranges_bytes,
        "binary": 0,
    }
    label = f"overlap@{reference.shape[1]}"
    return pd.DataFrame(
        [
            {
                "precision": precision,
                "bytes per vector": sizes[precision],
                "bytes for all": sizes[precision] * n + extra[precision],
                label: float(overlap_at_k(found[precision], reference).mean()) if n else 1.0,
                "same nearest": _share_same_first(found[precision], reference),
            }
            for precision in PRECISIONS
        ]
    )
