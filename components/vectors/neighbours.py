"""Nearest neighbours of a sentence in a corpus of any size: exact below a size, an index above.

Exact search compares the query with every row (n x dim multiply-adds per query: ~4 ms for
100,000 x 384 on one core), and is always right. Past `limits.INDEX_SENTENCES` rows a faiss HNSW graph
(`components.vectors.index.HnswIndex`) proposes candidates, built once in batches so that its progress can
be shown; the candidates are then re-scored exactly from the vectors, so every cosine shown is
exact and only *which* neighbours were found can differ (recall@k, measured in the tests).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np

from components.core import limits
from components.vectors.index import HnswIndex
from components.vectors.search import top_k

CANDIDATES = 4  # the index proposes CANDIDATES x k rows, re-scored exactly
BUILD_BATCH = 10_000  # rows added to the index between two progress reports

Method = Literal["exact", "hnsw"]
Progress = Callable[[float], None]  # share done, 0..1


class NeighbourSearch:
    """Cosine neighbours in unit vectors, exact or through an HNSW index depending on n.

    Args:
        vectors: (n, dim) rows of unit length (e.g. from `embed`); kept by reference, not copied.
        exact_max: the largest n searched exactly.
        progress: called with the share of the index built (only when an index is built).
    """

    def __init__(
        self,
        vectors: np.ndarray,
        exact_max: int = limits.INDEX_SENTENCES,
        progress: Progress | None = None,
    ) -> None:
        self.vectors = np.asarray(vectors, dtype=np.float32)  # (n, dim)
        self.size = self.vectors.shape[0]
        self.method: Method = "exact" if self.size <= exact_max else "hnsw"
        self.index: HnswIndex | None = None
        if self.method == "hnsw":
            self.index = HnswIndex(self.vectors[:0], scalar_quantized=True, train=self.vectors)
            for start in range(0, self.size, BUILD_BATCH):
                self.index.add(self.vectors[start : start + BUILD_BATCH])
                if progress:
                    progress(min(1.0, (start + BUILD_BATCH) / self.size))

    def search(self, query_vecs: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k best rows by cosine for (dim,) or (q, dim) unit queries, best first.

        Same shapes and conventions as `components.vectors.search.top_k`; scores are exact cosines.
        """
        if self.index is None:
            return top_k(query_vecs, self.vectors, k, normalized=True)
        single = np.ndim(query_vecs) == 1
        queries = np.atleast_2d(np.asarray(query_vecs, dtype=np.float32))  # (q, dim)
        k = max(0, min(int(k), self.size))
        wanted = min(self.size, CANDIDATES * k)
        candidates, _ = self.index.search(queries, wanted, ef_search=max(64, wanted))  # (q, c)
        indices = np.empty((queries.shape[0], k), dtype=np.int64)
        scores = np.empty((queries.shape[0], k), dtype=np.float32)
        for row, (query, found) in enumerate(zip(queries, candidates, strict=True)):
            found = found[found >= 0]  # faiss pads with -1 when it finds fewer
            best, best_scores = top_k(query, self.vectors[found], k, normalized=True)
            indices[row, : best.size], scores[row, : best.size] = found[best], best_scores
            indices[row, best.size :], scores[row, best.size :] = -1, np.nan
        if single:
            return indices[0], scores[0]
        return indices, scores

    def neighbours_of(self, row: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k nearest other rows of one row, best first (the row itself left out)."""
        indices, scores = self.search(self.vectors[row], k + 1)
        keep = (indices != row) & (indices >= 0)
        return indices[keep][:k], scores[keep][:k]
