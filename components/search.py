"""Exact cosine search: the nearest corpus vectors to each query."""

from __future__ import annotations

import numpy as np

from components.similarity import normalize_rows


def top_k(query_vecs: np.ndarray, corpus_vecs: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k most cosine-similar corpus rows for each query, best first.

    Ties keep corpus order (lower index first). k larger than the corpus returns the whole corpus.

    Args:
        query_vecs: (dim,) or (q, dim).
        corpus_vecs: (n, dim).
        k: how many results per query.

    Returns:
        (indices, scores): (k,) arrays for a (dim,) query, (q, k) for a (q, dim) batch.
    """
    single = np.ndim(query_vecs) == 1
    queries = normalize_rows(np.atleast_2d(np.asarray(query_vecs, dtype=np.float32)))  # (q, dim)
    corpus = normalize_rows(np.asarray(corpus_vecs, dtype=np.float32))  # (n, dim)
    k = max(0, min(int(k), corpus.shape[0]))
    scores = queries @ corpus.T  # (q, n)
    indices = np.empty((queries.shape[0], k), dtype=np.int64)
    for row, row_scores in enumerate(scores):
        if k < row_scores.shape[0]:
            # Everything at least as good as the k-th best score, so ties at the edge are all seen.
            kth = np.partition(row_scores, -k)[-k] if k else np.inf
            candidates = np.flatnonzero(row_scores >= kth)
        else:
            candidates = np.arange(row_scores.shape[0])
        best = candidates[np.argsort(-row_scores[candidates], kind="stable")][:k]
        indices[row] = best
    top_scores = np.take_along_axis(scores, indices, axis=1)
    if single:
        return indices[0], top_scores[0]
    return indices, top_scores
