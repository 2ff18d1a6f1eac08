"""A cosine heatmap for many sentences: cluster blocks, and a drill-down into one pair of blocks.

Past a few hundred rows a heatmap of every pair is unreadable and huge (n^2 cells: 100,000
sentences would be 10^10). Instead the rows are grouped into at most `MAX_BLOCKS` clusters
(k-means on the unit vectors), and each cell shows the *mean cosine between the sentences of two
blocks*. It is computed exactly, without the n x n matrix: for unit rows, the sum of every
pairwise cosine between blocks A and B is the dot product of their row sums,

    sum_{i in A, j in B} v_i . v_j = (sum_{i in A} v_i) . (sum_{j in B} v_j)

(and within one block the n_A self-pairs, each 1, are taken out). Clicking into a block pair
shows the real cosines between (up to `PAIR_ROWS_MAX` of) their rows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from components.vectors.similarity import cluster_order, normalize_rows

MAX_BLOCKS = 60  # cells: 60 x 60 = 3,600, whatever n is
PAIR_ROWS_MAX = 120  # rows (and columns) of a drill-down: at most 120 x 120 cells
FIT_ROWS_MAX = 5_000  # k-means is fitted on this many rows at most (~80 a block), then all assigned
_ASSIGN_CHUNK = 16_384  # rows per chunk when assigning: a (chunk, blocks) matrix at a time


@dataclass(frozen=True)
class BlockSummary:
    assignment: np.ndarray  # (n,) block of each row; blocks are numbered in display order
    sizes: np.ndarray  # (blocks,) rows per block
    mean_cosine: np.ndarray  # (blocks, blocks) mean cosine between rows of two blocks
    representatives: np.ndarray  # (blocks,) the row nearest each block's centre

    @property
    def n_blocks(self) -> int:
        return int(self.sizes.shape[0])

    def rows(self, block: int) -> np.ndarray:
        """Row indices of one block, in input order."""
        return np.flatnonzero(self.assignment == block)


@dataclass(frozen=True)
class BlockPair:
    rows_a: np.ndarray  # (a,) row indices from the first block (at most PAIR_ROWS_MAX)
    rows_b: np.ndarray  # (b,) row indices from the second block
    similarity: np.ndarray  # (a, b) cosine of every shown pair
    total_a: int  # rows in the whole first block
    total_b: int


def block_mean_cosine(vectors: np.ndarray, assignment: np.ndarray, n_blocks: int) -> np.ndarray:
    """(blocks, blocks) mean cosine between the rows of every two blocks, from row sums only.

    Off the diagonal: the mean over all |A| x |B| pairs. On it: the mean over the |A| (|A| - 1)
    pairs of different rows (NaN for a block of one row, which has no such pair).

    Args:
        vectors: (n, dim) sentence vectors (normalised here).
        assignment: (n,) block of each row, 0 <= block < n_blocks.
    """
    return _block_means(normalize_rows(np.asarray(vectors, dtype=np.float32)), assignment, n_blocks)


def _block_means(unit: np.ndarray, assignment: np.ndarray, n_blocks: int) -> np.ndarray:
    """`block_mean_cosine` for rows that are unit length (or zero) already."""
    sums = np.zeros((n_blocks, unit.shape[1]))  # (blocks, dim), summed in float64
    for block in range(n_blocks):
        sums[block] = unit[assignment == block].sum(axis=0, dtype=np.float64)
    sizes = np.bincount(assignment, minlength=n_blocks).astype(np.float64)  # (blocks,)
    pair_sums = sums @ sums.T  # (blocks, blocks): sum of cosines over every pair
    with np.errstate(invalid="ignore", divide="ignore"):
        means = pair_sums / np.outer(sizes, sizes)
        self_norms = np.einsum("ij,ij->i", unit, unit)  # (n,) 1 for a non-zero row, 0 for a zero
        self_sums = np.bincount(assignment, weights=self_norms, minlength=n_blocks)
        within = (np.diag(pair_sums) - self_sums) / (sizes * (sizes - 1))
    np.fill_diagonal(means, np.where(sizes > 1, within, np.nan))
    return np.clip(means, -1.0, 1.0)


def _assign(unit: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """(n,) index of the most cosine-similar centre of each unit row, a chunk at a time."""
    best = np.empty(unit.shape[0], dtype=np.int64)
    for start in range(0, unit.shape[0], _ASSIGN_CHUNK):
        scores = unit[start : start + _ASSIGN_CHUNK] @ centres.T  # (chunk, blocks)
        best[start : start + _ASSIGN_CHUNK] = scores.argmax(axis=1)
    return best


def block_similarity(
    vectors: np.ndarray, max_blocks: int = MAX_BLOCKS, *, seed: int = 0
) -> BlockSummary:
    """Group rows into at most `max_blocks` clusters and average the cosine between blocks.

    Blocks come from k-means on the unit vectors (fitted on at most FIT_ROWS_MAX sampled rows,
    then every row goes to its nearest centre by cosine), and are ordered so that similar blocks
    sit next to each other. Empty clusters are dropped.

    Args:
        vectors: (n, dim), n >= 1.
    """
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning

    unit = normalize_rows(np.asarray(vectors, dtype=np.float32))  # (n, dim)
    n = unit.shape[0]
    if n == 0:
        raise ValueError("block_similarity needs at least one row")
    n_clusters = max(1, min(int(max_blocks), n))
    rng = np.random.default_rng(seed)
    sample = unit if n <= FIT_ROWS_MAX else unit[rng.choice(n, FIT_ROWS_MAX, replace=False)]
    kmeans = KMeans(n_clusters=n_clusters, n_init=1, max_iter=100, random_state=seed)
    # One thread: on a shared, loaded machine OpenMP's spinning threads made this 15x slower.
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)  # fewer distinct rows than clusters
        kmeans.fit(sample)
    centres = normalize_rows(kmeans.cluster_centers_.astype(np.float32))  # (clusters, dim)
    # Identical rows give identical centres; keep one, or ties would split identical rows.
    centres = centres[np.sort(np.unique(centres.round(6), axis=0, return_index=True)[1])]
    n_clusters = centres.shape[0]
    raw = _assign(unit, centres)  # (n,)
    used = np.flatnonzero(np.bincount(raw, minlength=n_clusters))  # drop empty clusters
    compact = np.full(n_clusters, -1)
    compact[used] = np.arange(used.size)
    raw = compact[raw]
    means = _block_means(unit, raw, used.size)
    order = np.asarray(cluster_order(np.nan_to_num(means, nan=1.0)))  # display order of blocks
    position = np.empty_like(order)
    position[order] = np.arange(order.size)
    assignment = position[raw]  # (n,) block numbers in display order
    means = means[np.ix_(order, order)]
    centres = centres[used][order]  # (blocks, dim)
    sizes = np.bincount(assignment, minlength=order.size)
    representatives = np.empty(order.size, dtype=np.int64)
    for block in range(order.size):
        members = np.flatnonzero(assignment == block)
        representatives[block] = members[np.argmax(unit[members] @ centres[block])]
    return BlockSummary(assignment, sizes, means, representatives)


def _spread_sample(rows: np.ndarray, unit: np.ndarray, cap: int) -> np.ndarray:
    """At most `cap` rows of a block, from the most typical (nearest its mean) to the least."""
    centre = unit[rows].mean(axis=0)  # (dim,)
    by_typicality = rows[np.argsort(-(unit[rows] @ centre), kind="stable")]
    if rows.size <= cap:
        return by_typicality
    picks = np.linspace(0, rows.size - 1, cap).round().astype(int)
    return by_typicality[picks]


def block_pair(
    vectors: np.ndarray,
    summary: BlockSummary,
    block_a: int,
    block_b: int,
    cap: int = PAIR_ROWS_MAX,
) -> BlockPair:
    """The real cosines between the rows of two blocks (one block twice for its inside).

    A block with more than `cap` rows is sampled evenly along its rows sorted from most to least
    typical, so the drill-down shows both its core and its edge.
    """
    for block in (block_a, block_b):
        if not 0 <= block < summary.n_blocks:
            raise ValueError(f"block {block} does not exist (0 to {summary.n_blocks - 1})")
    unit = normalize_rows(np.asarray(vectors, dtype=np.float32))  # (n, dim)
    all_a, all_b = summary.rows(block_a), summary.rows(block_b)
    rows_a, rows_b = _spread_sample(all_a, unit, cap), _spread_sample(all_b, unit, cap)
    similarity = np.clip(unit[rows_a] @ unit[rows_b].T, -1.0, 1.0)  # (a, b)
    return BlockPair(rows_a, rows_b, similarity, int(all_a.size), int(all_b.size))
