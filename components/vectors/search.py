"""Exact cosine search: the nearest corpus vectors to each query, and how to score an index."""

from __future__ import annotations

import numpy as np

from components.vectors.similarity import normalize_rows


def top_k(
    query_vecs: np.ndarray,
    corpus_vecs: np.ndarray,
    k: int,
    *,
    normalized: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The k most cosine-similar corpus rows for each query, best first.

    Ties keep corpus order (lower index first). k larger than the corpus returns the whole corpus.

    Args:
        query_vecs: (dim,) or (q, dim).
        corpus_vecs: (n, dim).
        k: how many results per query.
        normalized: the caller promises every row already has unit length (e.g. vectors from
            `embed`), so cosine is the dot product and the rows are not normalised again
            (on 100k x 384 that copy costs more than the search itself).

    Returns:
        (indices, scores): (k,) arrays for a (dim,) query, (q, k) for a (q, dim) batch.
    """
    single = np.ndim(query_vecs) == 1
    queries = np.atleast_2d(np.asarray(query_vecs, dtype=np.float32))  # (q, dim)
    corpus = np.asarray(corpus_vecs, dtype=np.float32)  # (n, dim)
    if not normalized:
        queries, corpus = normalize_rows(queries), normalize_rows(corpus)
    k = max(0, min(int(k), corpus.shape[0]))
    scores = corpus @ queries[0] if single else queries @ corpus.T  # (n,) or (q, n)
    scores = np.atleast_2d(scores)  # (q, n)
    indices = np.empty((queries.shape[0], k), dtype=np.int64)
    for row, row_scores in enumerate(scores):
        if 0 < k < row_scores.shape[0]:
            # Everything at least as good as the k-th best score, so ties at the edge are all seen.
            kth = row_scores[np.argpartition(row_scores, -k)[-k]]
            candidates = np.flatnonzero(row_scores >= kth)
        else:
            candidates = np.arange(row_scores.shape[0])
        best = candidates[np.argsort(-row_scores[candidates], kind="stable")][:k]
        indices[row] = best
    top_scores = np.take_along_axis(scores, indices, axis=1)
    if single:
        return indices[0], top_scores[0]
    return indices, top_scores


def recall_at_k(found: np.ndarray, exact: np.ndarray) -> float:
    """Share of the exact top-k that an approximate search also found (order ignored).

    Args:
        found: (q, k) indices from the approximate search (-1 = no result).
        exact: (q, k) indices from exact search.
    """
    found, exact = np.atleast_2d(found), np.atleast_2d(exact)
    if exact.size == 0:
        return 1.0
    hits = sum(len(set(f.tolist()) & set(e.tolist())) for f, e in zip(found, exact, strict=True))
    return hits / exact.size
