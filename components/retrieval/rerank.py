"""Re-ranking the top chunks of a dense search: MMR, BM25 + reciprocal-rank fusion, MaxSim late
interaction over token vectors, and a cross-encoder.

Every re-ranker takes the query, the candidate chunks (indices into the corpus, best first) and
returns the candidates in a new order with the score that decided it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np

from components.models.encoder import (
    ModelLoadError,
    TokenBatch,
    is_default_model,
    load_by_name,
    packaged_model_path,
    token_batch,
)
from components.runtime.thread_safety import model_lock, seeded
from components.vectors.similarity import normalize_rows

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder, SentenceTransformer


class Reranker(Enum):
    """The search lab's re-rankers; each value is the label the page shows (and links store)."""

    MMR = "MMR (diversity)"
    HYBRID_BM25 = "Hybrid: BM25 + RRF"
    LATE_INTERACTION = "Late interaction (MaxSim)"
    CROSS_ENCODER = "Cross-encoder"


RERANKERS: tuple[str, ...] = tuple(reranker.value for reranker in Reranker)  # the labels, in order
RRF_K = 60  # the constant of Cormack et al. (2009): 1 / (60 + rank)
LOCAL_CROSS_ENCODER = "local: MiniLM with an untrained scoring head"
_WORD = re.compile(r"\w\w+", re.UNICODE)
STOPWORDS = frozenset(
    "a an and are as at be but by for from has have he her his i in is it its of on or our she "
    "that the their them there these they this to was we were what when where which who why will "
    "with you your how do does did can not no".split()
)


@dataclass(frozen=True)
class Reranked:
    order: np.ndarray  # (m,) corpus indices, best first
    scores: np.ndarray  # (m,) the re-ranker's score of each, in that order


# ---------------------------------------------------------------- MMR
def mmr(
    query_vec: np.ndarray,
    corpus_vecs: np.ndarray,
    candidates: Sequence[int],
    k: int,
    lambda_: float = 0.5,
) -> Reranked:
    """Maximal marginal relevance (Carbonell & Goldstein, 1998).

    Picks, one at a time, the candidate d maximising
    `lambda_ * cos(q, d) - (1 - lambda_) * max_{s already picked} cos(d, s)`:
    lambda_ = 1 is plain relevance, lower values push near-duplicates (overlapping chunks) down.
    Ties go to the earlier candidate.

    Args:
        query_vec: (dim,).
        corpus_vecs: (n, dim).
        candidates: corpus indices to choose from.
        k: how many to pick (at most len(candidates)).

    Returns:
        The picked indices and their MMR score at the moment they were picked.
    """
    candidates = np.asarray(list(candidates), dtype=np.int64)
    vectors = normalize_rows(np.asarray(corpus_vecs, dtype=np.float32)[candidates])  # (m, dim)
    query = normalize_rows(np.atleast_2d(np.asarray(query_vec, dtype=np.float32)))[0]  # (dim,)
    relevance = vectors @ query  # (m,)
    pairwise = vectors @ vectors.T  # (m, m)
    k = min(int(k), len(candidates))
    picked: list[int] = []
    scores: list[float] = []
    redundancy = np.full(len(candidates), -np.inf)  # max cosine to anything picked so far
    for _ in range(k):
        penalty = np.where(np.isfinite(redundancy), redundancy, 0.0)
        value = lambda_ * relevance - (1.0 - lambda_) * penalty
        value[picked] = -np.inf
        best = int(np.argmax(value))
        picked.append(best)
        scores.append(float(value[best]))
        redundancy = np.maximum(redundancy, pairwise[best])
    return Reranked(candidates[picked], np.asarray(scores, dtype=np.float32))


# ---------------------------------------------------------------- BM25 and fusion
def words(text: str) -> list[str]:
    """BM25 terms: lower-case words of 2+ letters/digits, English stop words removed."""
    return [word for word in _WORD.findall(text.lower()) if word not in STOPWORDS]


class Bm25:
    """Okapi BM25 (Lucene variant) over the chunks, computed by bm25s.

    score(q, d) = sum over query terms t in d of
    ln(1 + (N - df_t + 0.5) / (df_t + 0.5)) * tf / (tf + k1 * (1 - b + b * |d| / avg|d|)).
    """

    def __init__(self, texts: Sequence[str], k1: float = 1.5, b: float = 0.75) -> None:
        import bm25s  # ~0.3 s: only when a BM25 index is built (page_state imports this module)

        self.size = len(texts)
        self.retriever = bm25s.BM25(k1=k1, b=b, method="lucene")
        self.retriever.index([words(text) for text in texts], show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        """(n,) BM25 score of every chunk; 0 everywhere when no query word occurs in the corpus."""
        vocabulary = self.retriever.vocab_dict
        terms = [term for term in words(query) if term in vocabulary]
        if not terms:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(terms), dtype=np.float32)


def ranking(scores: np.ndarray) -> np.ndarray:
    """Indices from best to worst score; ties keep index order."""
    return np.argsort(-np.asarray(scores), kind="stable")


def reciprocal_rank_fusion(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> Reranked:
    """Fuse rankings (each a list of indices, best first) by sum of 1 / (k + rank), rank from 1.

    An item missing from a ranking gets nothing from it. Ties keep first-seen order.
    """
    fused: dict[int, float] = {}
    for order in rankings:
        for rank, index in enumerate(order, start=1):
            fused[int(index)] = fused.get(int(index), 0.0) + 1.0 / (k + rank)
    items = list(fused)
    values = np.asarray([fused[item] for item in items], dtype=np.float64)
    order = np.argsort(-values, kind="stable")
    return Reranked(np.asarray(items, dtype=np.int64)[order], values[order])


def hybrid_bm25(
    query: str, dense_scores: np.ndarray, bm25: Bm25, candidates: Sequence[int], k: int
) -> Reranked:
    """Dense cosine ranking and BM25 ranking of all chunks fused by RRF; the best k candidates.

    Args:
        dense_scores: (n,) cosine of the query with every chunk.
        candidates: the dense top chunks being re-ranked; the result keeps only these.
    """
    fused = reciprocal_rank_fusion([ranking(dense_scores), ranking(bm25.scores(query))])
    keep = np.isin(fused.order, np.asarray(list(candidates)))
    return Reranked(fused.order[keep][:k], fused.scores[keep][:k])


# ---------------------------------------------------------------- late interaction
def content_vectors(batch: TokenBatch) -> list[np.ndarray]:
    """Unit-length token vectors of each text of a batch, special tokens and padding removed.

    Returns:
        One (tokens_i, dim) float32 array per text (truncated at the model window, as the model
        reads it). A text with no content tokens gives a (0, dim) array.
    """
    result: list[np.ndarray] = []
    for row, special in enumerate(batch.special):
        keep = np.flatnonzero(~np.asarray(special, dtype=bool))
        vectors = batch.embeddings[row, keep].astype(np.float32)  # (tokens_i, dim)
        result.append(normalize_rows(vectors).astype(np.float32))
    return result


def token_vectors(
    model: SentenceTransformer, texts: Sequence[str], batch_size: int = 16
) -> list[np.ndarray]:
    """`content_vectors` of the texts: unit token vectors for late interaction."""
    return content_vectors(token_batch(model, texts, batch_size))


def maxsim(query_tokens: np.ndarray, chunk_tokens: np.ndarray) -> float:
    """ColBERT-style late interaction: each query token's best cosine in the chunk, averaged.

    Args:
        query_tokens: (m, dim) unit vectors.
        chunk_tokens: (t, dim) unit vectors.
    """
    if len(query_tokens) == 0 or len(chunk_tokens) == 0:
        return 0.0
    return float((query_tokens @ chunk_tokens.T).max(axis=1).mean())  # (m, t) -> (m,) -> ()


def late_interaction(
    query_tokens: np.ndarray, chunk_tokens: Sequence[np.ndarray], candidates: Sequence[int]
) -> Reranked:
    """Candidates ordered by MaxSim; `chunk_tokens[i]` belongs to `candidates[i]`."""
    scores = np.asarray([maxsim(query_tokens, tokens) for tokens in chunk_tokens])
    order = ranking(scores)
    return Reranked(np.asarray(list(candidates), dtype=np.int64)[order], scores[order])


# ---------------------------------------------------------------- cross-encoder
def local_cross_encoder(seed: int = 0) -> CrossEncoder:
    """A cross-encoder built offline from the packaged MiniLM weights with a fresh 1-label head.

    Its head is untrained (random, seeded), so its scores carry no meaning: it exists to show and
    test the plumbing (pair in, one score out) without internet.
    """
    from sentence_transformers import CrossEncoder

    with seeded(seed):
        model = CrossEncoder(
            packaged_model_path(), num_labels=1, device="cpu", local_files_only=True
        )
    model.eval()
    return model


def load_cross_encoder(name: str) -> CrossEncoder:
    """A cross-encoder by hub id or local folder; offline it fails fast with a user message.

    Raises:
        ModelLoadError: when it cannot be loaded (message meant for the user).
    """
    name = name.strip()
    if not name:
        raise ModelLoadError("Type a cross-encoder name, e.g. cross-encoder/ms-marco-MiniLM-L6-v2.")
    if name == LOCAL_CROSS_ENCODER:
        return local_cross_encoder()
    if is_default_model(name):
        raise ModelLoadError(
            f"`{name}` is a bi-encoder, not a cross-encoder. Choose the local demo cross-encoder "
            "or name a real one."
        )
    from sentence_transformers import CrossEncoder

    return load_by_name(CrossEncoder, name, "cross-encoder")


def cross_encode(
    model: CrossEncoder, query: str, texts: Sequence[str], candidates: Sequence[int]
) -> Reranked:
    """Candidates ordered by the cross-encoder's score of (query, chunk); `texts[i]` is
    the text of `candidates[i]`."""
    if not texts:
        return Reranked(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
    with model_lock(model):  # a cross-encoder is shared too; predict calls its tokenizer
        predicted = model.predict([(query, text) for text in texts], show_progress_bar=False)
    scores = np.asarray(predicted, dtype=np.float32).reshape(len(texts))
    order = ranking(scores)
    return Reranked(np.asarray(list(candidates), dtype=np.int64)[order], scores[order])
