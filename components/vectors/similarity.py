"""Cosine similarity between sentence vectors, and orderings that make a heatmap readable."""

from __future__ import annotations

import numpy as np


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """(n, dim) -> (n, dim) with unit L2 rows; zero rows stay zero."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def cosine_similarity_matrix(vectors: np.ndarray) -> np.ndarray:
    """(n, dim) -> (n, n) cosine similarities (== sentence_transformers.util.cos_sim)."""
    unit = normalize_rows(np.asarray(vectors, dtype=np.float32))
    return np.clip(unit @ unit.T, -1.0, 1.0)


def mean_pairwise_cosine(vectors: np.ndarray) -> float:
    """Mean cosine over all pairs of different rows, without building the (n, n) matrix.

    For unit rows, sum_{i != j} v_i . v_j = |sum_i v_i|^2 - n.
    """
    n = vectors.shape[0]
    if n < 2:
        return float("nan")
    unit = normalize_rows(np.asarray(vectors, dtype=np.float64))
    total = unit.sum(axis=0)  # (dim,)
    return float((total @ total - (unit * unit).sum()) / (n * (n - 1)))


def vector_figures(noun: str, vectors: np.ndarray, third: tuple[str, str]) -> dict[str, str]:
    """Figures of a set of vectors (n, dim) for a row of metrics: how many (`noun`), the vector
    size, `third` (label, value) and the mean cosine over pairs ("—" for one vector)."""
    mean = f"{mean_pairwise_cosine(vectors):.3f}" if len(vectors) > 1 else "—"
    return {
        noun: f"{len(vectors):,}",
        "Vector size": f"{vectors.shape[1]} d",
        third[0]: third[1],
        "Mean cosine (pairs)": mean,
    }


def cluster_order(similarity: np.ndarray) -> list[int]:
    """Row order that puts similar sentences next to each other (average-linkage clustering)."""
    from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering
    from scipy.spatial.distance import squareform

    n = similarity.shape[0]
    if n < 3:
        return list(range(n))
    distance = np.clip(1.0 - similarity, 0.0, 2.0).astype(np.float64)
    np.fill_diagonal(distance, 0.0)
    condensed = squareform((distance + distance.T) / 2, checks=False)
    tree = linkage(condensed, method="average")
    if n <= 500:  # optimal leaf ordering is O(n^3): only where it is cheap
        tree = optimal_leaf_ordering(tree, condensed)
    return leaves_list(tree).tolist()
