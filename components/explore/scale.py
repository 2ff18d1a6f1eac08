"""Explore at scale: its limits, what a large corpus costs in memory, and the work that prepares
one (token counts, vectors, a neighbour index, heatmap blocks) with progress and cancel.

`prepare` is the background work of a session that brought thousands of sentences: the page starts
it on a thread (`components.jobs.Job`) and keeps drawing while it runs. It takes the encoder as a
function of a slice of texts, so that `components/services/maps.py` can pass its cached, locked one:
slices already encoded (by this session before a cancel, or by another session) are not encoded
again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from components.core import limits
from components.vectors.heatmap_blocks import BlockSummary, block_similarity
from components.vectors.neighbours import NeighbourSearch

SLICE = 128  # sentences per cached slice of vectors (the unit of progress and of resuming)

# Bytes per sentence besides its vectors and index: the text and its token count, the projection,
# the heatmap blocks and the UMAP work arrays (PCA copy, neighbour graph) at their peak. Measured
# with bench/bench_scale.py: a 100,000-sentence session grew the process by 762 MB (RSS), of which
# 307 MB vectors (twice) and 51 MB index: ~4,000 bytes a sentence for the rest.
BYTES_PER_SENTENCE = 4_000
INDEX_BYTES_PER_DIM = 1  # the neighbour index keeps each coordinate in 8 bits ...
INDEX_BYTES_PER_SENTENCE = 130  # ... plus its graph links (HNSW, M=16)


Progress = Callable[[float, str], None]  # (share done 0..1, what is happening)


def public_mode() -> bool:
    """True on a public server (`components.models.model_policy.public_mode`)."""
    from components.models.model_policy import public_mode as rule

    return rule()


def session_memory_mb(n: int, dimension: int) -> float:
    """Estimated memory (MB) one Explore session needs for n sentences of `dimension`.

    Vectors (float32) twice: the session's array and the shared cache of encoded slices; the
    neighbour index past `limits.INDEX_SENTENCES`; a fixed share per sentence for the rest (see above).
    """
    vectors = 2 * n * dimension * 4
    indexed = n > limits.INDEX_SENTENCES
    index = n * (dimension * INDEX_BYTES_PER_DIM + INDEX_BYTES_PER_SENTENCE) if indexed else 0
    return (vectors + index + n * BYTES_PER_SENTENCE) / 1e6


def largest_fitting(budget_mb: float, dimension: int) -> int:
    """The most sentences whose `session_memory_mb` stays within `budget_mb` (for messages)."""
    low, high = 0, limits.SENTENCES
    while low < high:
        middle = (low + high + 1) // 2
        if session_memory_mb(middle, dimension) <= budget_mb:
            low = middle
        else:
            high = middle - 1
    return low


LIMITS_TEXT = (
    f"Up to {limits.SENTENCES:,} sentences: paste up to {limits.EXPLORE_CHARS:,} characters, upload "
    f"a file of up to {limits.UPLOAD_MB} MB, or generate a corpus. From {limits.BACKGROUND_SENTENCES:,} "
    "sentences on, they are encoded and mapped in the background (the page stays usable; cancel "
    f"any time, finished parts are kept). Past {limits.HEATMAP_SENTENCES} the heatmap groups them into blocks; "
    f"past {limits.INDEX_SENTENCES:,}, neighbours come from an approximate index; t-SNE takes up "
    f"to {limits.TSNE_SENTENCES:,}."
)  # what Explore says about its limits


def memory_note(n: int, dimension: int) -> str:
    """What n sentences of `dimension` cost this session, in words (from `session_memory_mb`)."""
    return (
        f"These {n:,} sentences take about **{session_memory_mb(n, dimension):,.0f} MB** of the "
        "server's memory while this session uses them (vectors, neighbour index, heatmap blocks, "
        "map)."
    )


def memory_refusal(n: int, dimension: int, public: bool) -> str:
    """Why a session of n sentences of `dimension` is refused, or "" when it fits.

    Only in public mode (a shared server), and only from `limits.BACKGROUND_SENTENCES` sentences on: the
    estimate `session_memory_mb` against `limits.SESSION_MB`, with the most that would fit.
    """
    if n < limits.BACKGROUND_SENTENCES or not public:
        return ""
    needed = session_memory_mb(n, dimension)
    if needed <= limits.SESSION_MB:
        return ""
    most = largest_fitting(limits.SESSION_MB, dimension)
    return (
        f"Sorry: {n:,} sentences would need about **{needed:,.0f} MB** of memory on this shared "
        f"server, and one visitor may use {limits.SESSION_MB:,} MB (about {most:,} sentences). "
        "Use fewer sentences, or run the lab on your own machine (`make run`), where Explore "
        f"takes up to {limits.SENTENCES:,}."
    )


@dataclass
class Prepared:
    """Everything Explore needs from a large corpus before it draws (the map is separate: it
    depends on the user's method and settings)."""

    vectors: np.ndarray  # (n, dim) unit length
    token_counts: list[int]  # tokens of each sentence, before truncation
    neighbours: NeighbourSearch  # exact up to limits.INDEX_SENTENCES sentences, an index past it
    blocks: BlockSummary | None  # heatmap blocks past limits.HEATMAP_SENTENCES sentences, else None
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each stage


def prepare(
    texts: Sequence[str],
    encode: Callable[[tuple[str, ...]], np.ndarray] | None,
    count_tokens: Callable[[list[str]], list[int]] | None,
    report: Progress,
    *,
    slice_size: int = SLICE,
    exact_max: int | None = None,
    vectors: np.ndarray | None = None,
) -> Prepared:
    """Count tokens, encode slice by slice (similar lengths together), then build the neighbour
    search and the heatmap blocks.

    Args:
        texts: the n sentences.
        encode: a tuple of at most `slice_size` texts -> their (len, dim) unit vectors.
        count_tokens: texts -> tokens of each.
        report: told the share done and the stage; it may raise to cancel (see `jobs.Job`).
        exact_max: neighbours are searched exactly up to this many (default `limits.INDEX_SENTENCES`).
        vectors: (n, dim) unit vectors made elsewhere (an import): no tokens, no encoding.

    The encoding takes the share 0.02 to 0.90 of the progress, slice by slice.
    """
    n = len(texts)
    seconds: dict[str, float] = {}
    if vectors is None:
        vectors, counts = _encode(texts, encode, count_tokens, report, slice_size, seconds)
    else:
        counts = []
    vectors = np.asarray(vectors, dtype=np.float32)

    started = time.perf_counter()
    exact_max = limits.INDEX_SENTENCES if exact_max is None else exact_max
    if n > exact_max:
        report(0.90, f"Building the neighbour index of {n:,} vectors")
    neighbours = NeighbourSearch(
        vectors, exact_max, progress=lambda share: report(0.90 + 0.07 * share, "")
    )
    seconds["index"] = time.perf_counter() - started

    blocks = None
    started = time.perf_counter()
    if n > limits.HEATMAP_SENTENCES:
        report(0.97, "Grouping the sentences into heatmap blocks")
        blocks = block_similarity(vectors)
    seconds["blocks"] = time.perf_counter() - started
    report(1.0, f"Prepared {n:,} sentences")
    return Prepared(vectors, counts, neighbours, blocks, seconds)


def _encode(
    texts: Sequence[str],
    encode: Callable[[tuple[str, ...]], np.ndarray] | None,
    count_tokens: Callable[[list[str]], list[int]] | None,
    report: Progress,
    slice_size: int,
    seconds: dict[str, float],
) -> tuple[np.ndarray, list[int]]:
    """Token counts, then the (n, dim) vectors slice by slice (the 0.02 to 0.90 of progress)."""
    if encode is None or count_tokens is None:
        raise ValueError("prepare needs `encode` and `count_tokens`, or `vectors`")
    n = len(texts)
    started = time.perf_counter()
    report(0.0, f"Counting the tokens of {n:,} sentences")
    counts = count_tokens(list(texts))
    seconds["tokens"] = time.perf_counter() - started

    started = time.perf_counter()
    # Slices of sentences of similar length pad less (as model.encode sorts its batches); the
    # order only depends on the texts, so the same texts give the same (cached) slices.
    order = np.argsort(np.asarray(counts, dtype=np.int64), kind="stable")  # (n,) shortest first
    vectors = np.zeros((0, 0), dtype=np.float32)
    for start in range(0, n, slice_size):
        report(0.02 + 0.88 * start / n, f"Encoded {start:,} of {n:,} sentences")
        rows = order[start : start + slice_size]
        part = encode(tuple(texts[row] for row in rows))  # (rows, dim)
        if start == 0:
            vectors = np.empty((n, part.shape[1]), dtype=np.float32)  # (n, dim)
        vectors[rows] = part
    seconds["encode"] = time.perf_counter() - started
    return vectors, counts
