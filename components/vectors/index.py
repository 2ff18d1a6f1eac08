"""An approximate nearest-neighbour index (faiss HNSW) next to exact numpy search.

HNSW (hierarchical navigable small-world graph) links every vector to a few near neighbours on
several layers and answers a query by walking the graph greedily: it looks at a small part of
the corpus, so it is fast on millions of vectors, and it can miss a true neighbour (recall < 1).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from components.vectors.search import recall_at_k, top_k
from components.vectors.similarity import normalize_rows

DEFAULT_NEIGHBOURS = 16  # HNSW "M": graph links per vector (faiss examples use 16-64)
DEFAULT_EF_SEARCH = 64  # candidates kept while walking the graph: higher = better recall, slower


class HnswIndex:
    """Cosine search with faiss `IndexHNSWFlat` (inner product on unit vectors).

    Args:
        vectors: (n, dim) corpus; normalised here, so cosine = inner product.
        neighbours: graph links per vector (faiss M).
        ef_construction: candidates kept while building.
        scalar_quantized: store each coordinate in 8 bits (`IndexHNSWSQ`): a quarter of the
            memory of float32, and approximate scores (re-score the results when they matter).
        train: (m, dim) rows the 8-bit quantiser learns its ranges from (default: `vectors`).
    """

    def __init__(
        self,
        vectors: np.ndarray,
        neighbours: int = DEFAULT_NEIGHBOURS,
        ef_construction: int = 64,
        *,
        scalar_quantized: bool = False,
        train: np.ndarray | None = None,
    ) -> None:
        import faiss  # only where an index is built: not on every page that reads the defaults

        corpus = np.ascontiguousarray(normalize_rows(np.asarray(vectors, dtype=np.float32)))
        self.size, self.dimension = corpus.shape
        if scalar_quantized:
            self.index = faiss.IndexHNSWSQ(
                self.dimension,
                faiss.ScalarQuantizer.QT_8bit,
                neighbours,
                faiss.METRIC_INNER_PRODUCT,
            )
            sample = corpus if train is None else np.asarray(train, dtype=np.float32)
            self.index.train(np.ascontiguousarray(normalize_rows(sample)))
        else:
            self.index = faiss.IndexHNSWFlat(self.dimension, neighbours, faiss.METRIC_INNER_PRODUCT)
        self.index.hnsw.efConstruction = ef_construction
        self.size = 0
        self.add(corpus)

    def add(self, vectors: np.ndarray) -> None:
        """Add (m, dim) rows (normalised here); they get the next row numbers."""
        rows = np.ascontiguousarray(normalize_rows(np.asarray(vectors, dtype=np.float32)))
        if rows.shape[0]:
            self.index.add(rows)  # (m, dim)
        self.size += rows.shape[0]

    def memory_bytes(self) -> int:
        """Approximate memory of the index (for the cache budget): the vectors it stores plus
        its graph links (about 2 x M per vector on the base layer, 4 bytes each)."""
        neighbours = self.index.hnsw.nb_neighbors(0)
        return int(self.size * (self.dimension * 4 + neighbours * 4 * 1.1))

    def search(
        self, query_vecs: np.ndarray, k: int, ef_search: int = DEFAULT_EF_SEARCH
    ) -> tuple[np.ndarray, np.ndarray]:
        """Approximate top_k: same shapes and conventions as `components.vectors.search.top_k`."""
        single = np.ndim(query_vecs) == 1
        queries = np.atleast_2d(np.asarray(query_vecs, dtype=np.float32))  # (q, dim)
        queries = np.ascontiguousarray(normalize_rows(queries))
        k = max(0, min(int(k), self.size))
        if k == 0:
            empty = np.zeros((queries.shape[0], 0))
            return (empty[0], empty[0]) if single else (empty.astype(np.int64), empty)
        import faiss

        parameters = faiss.SearchParametersHNSW(efSearch=max(int(ef_search), k))
        scores, indices = self.index.search(queries, k, params=parameters)  # (q, k) each
        indices = indices.astype(np.int64)
        if single:
            return indices[0], scores[0]
        return indices, scores


@dataclass(frozen=True)
class Comparison:
    exact_ms: float  # mean time of one exact query
    approximate_ms: float  # mean time of one approximate query
    recall: float  # recall@k of the approximate index against exact search
    k: int
    queries: int = 0  # how many queries were timed

    def metrics(self) -> dict[str, str]:
        """The two times per query and the recall, as the page's metrics."""
        return {
            "Exact (numpy), per query": f"{self.exact_ms:.3f} ms",
            "Approximate (faiss HNSW), per query": f"{self.approximate_ms:.3f} ms",
            f"Recall@{self.k} of HNSW": f"{self.recall:.3f}",
        }


def compare(
    index: HnswIndex, corpus: np.ndarray, queries: np.ndarray, k: int, ef_search: int
) -> Comparison:
    """Time exact and approximate search on the same queries and score the approximate one.

    Args:
        index: built from `corpus`.
        corpus: (n, dim) unit vectors.
        queries: (q, dim) unit vectors.
    """
    queries = np.atleast_2d(queries)
    k = max(1, min(int(k), corpus.shape[0]))
    start = time.perf_counter()
    exact = np.stack([top_k(query, corpus, k, normalized=True)[0] for query in queries])
    exact_s = time.perf_counter() - start
    start = time.perf_counter()
    found = np.stack([index.search(query, k, ef_search)[0] for query in queries])
    approximate_s = time.perf_counter() - start
    n = len(queries)
    return Comparison(1000 * exact_s / n, 1000 * approximate_s / n, recall_at_k(found, exact), k, n)


def compare_on_corpus(
    index: HnswIndex, corpus: np.ndarray, k: int, ef_search: int, queries: int = 100
) -> Comparison:
    """`compare` with up to `queries` chunk vectors of the (n, dim) `corpus`, spread evenly over
    it, as the queries."""
    rows = np.linspace(0, len(corpus) - 1, min(queries, len(corpus))).astype(int)  # (queries,)
    return compare(index, corpus, corpus[rows], k, ef_search)
