"""Tables of the search lab: results, rank changes after re-ranking, book vs chunk vectors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from components.core.texts import Message
from components.data.chunking import Chunk
from components.data.corpus import Corpus
from components.data.documents import LESSON_QUERIES, sample_title, section_at
from components.models.model_policy import shown
from components.retrieval.rerank import Reranker
from components.vectors.search import top_k

if TYPE_CHECKING:
    from components.retrieval.rerank import Reranked


# What each re-ranker does: (its formula in LaTeX or "", a caption).
RERANKER_NOTES: dict[Reranker, tuple[str, str]] = {
    Reranker.MMR: (
        r"\text{MMR} = \arg\max_{c} \; \lambda \cos(q, c) - (1 - \lambda) \max_{s \in S} \cos(c, s)",
        "**MMR** picks one chunk at a time by λ·cos(query, chunk) − (1−λ)·max cos(chunk, "
        "already picked): relevant *and* different from what is already shown.",
    ),
    Reranker.HYBRID_BM25: (
        r"\text{RRF}(c) = \frac{1}{60 + \text{rank}_{\text{dense}}(c)} + \frac{1}{60 + \text{rank}_{\text{BM25}}(c)}",
        "**Hybrid**: BM25 (exact word matches, Lucene formula, via bm25s) ranks every chunk "
        "too; reciprocal-rank fusion adds 1/(60 + rank) from each ranking. Words the model "
        "blurs (names, numbers, rare terms) get a second chance.",
    ),
    Reranker.LATE_INTERACTION: (
        "",
        "**Late interaction** (ColBERT-style MaxSim, with our own model's token vectors): "
        "each query token finds its best-matching token in the chunk; the score is the "
        "average of those best cosines. It keeps word-level detail that one pooled vector "
        "averages away.",
    ),
    Reranker.CROSS_ENCODER: (
        "",
        "A **cross-encoder** reads query and chunk *together* and outputs one relevance score: "
        "more accurate than comparing two separate vectors, but it must run once per candidate, "
        "so it only re-ranks a short list.",
    ),
}


def query_problem(text: str, n_tokens: int, fits: int, max_chars: int) -> str | None:
    """Why a question cannot be searched (too many characters, or more tokens than the `fits`
    the model reads), or None when it can."""
    advice = "A query is one sentence or two: shorten it (a long passage belongs in the documents)."
    if len(text) > max_chars:
        return f"Your question has {len(text):,} characters; the limit is {max_chars:,}. {advice}"
    if n_tokens > fits:
        return f"Your question has {n_tokens} tokens; the model reads only {fits}. {advice}"
    return None


def chunking_summary(
    corpus: Corpus, n_documents: int, window: int, fits: int
) -> tuple[dict[str, str], list[Message]]:
    """The chunk counts shown as metrics, and a warning when the window is over what the model
    reads (`fits` tokens besides the specials): the ends of longer chunks are silently lost."""
    counts = corpus.token_counts  # (chunks,)
    too_long = int((counts > fits).sum())
    messages = []
    if window > fits:
        messages.append(
            Message(
                "warning",
                f"A window of {window} tokens is larger than the model "
                f"reads ({fits} + 2 special tokens): {too_long} of {len(corpus)} "
                "chunks are longer than that, and the model will silently drop "
                f"their ends. Use at most {fits}.",
            )
        )
    metrics = {
        "Documents": f"{n_documents}",
        "Chunks": f"{len(corpus):,}",
        "Tokens per chunk (mean / max)": f"{counts.mean():.0f} / {counts.max()}",
        "Chunks over the model window": f"{too_long}",
    }
    return metrics, messages


@dataclass(frozen=True)
class Query:
    """A question, encoded, with its cosine to every chunk of the corpus."""

    text: str
    vector: np.ndarray  # (dim,) unit length
    cosines: np.ndarray  # (chunks,) its cosine with every chunk


def document_words(names: Sequence[str], texts: Sequence[str]) -> str:
    """`**name**: 5,012 words · **other**: 6,100 words` for the documents in use."""
    return " · ".join(
        f"**{shown(name)}**: {len(text.split()):,} words"
        for name, text in zip(names, texts, strict=True)
    )


def chunk_rows(chunks: Sequence[Chunk]) -> pd.DataFrame:
    """One row per chunk of a document: its number, tokens, character span and a preview."""
    return pd.DataFrame(
        {
            "chunk": range(1, len(chunks) + 1),
            "tokens": [chunk.n_tokens for chunk in chunks],
            "characters": [f"{chunk.start:,}–{chunk.end:,}" for chunk in chunks],
            "text": [preview(chunk.text, 200) for chunk in chunks],
        }
    )


def result_contexts(hits: np.ndarray, scores: np.ndarray, corpus: Corpus) -> list[tuple[str, str]]:
    """For each hit, best first: a title (rank, document, cosine) and the HTML of its document
    around it, the chunk highlighted (`components.retrieval.highlight.context_html`)."""
    from components.retrieval.highlight import context_html

    contexts = []
    for rank, (hit, score) in enumerate(zip(hits, scores, strict=True), start=1):
        chunk, document = corpus.chunks[hit], corpus.documents[corpus.owners[hit]]
        contexts.append(
            (
                f"{rank}. {corpus.document_name(hit)} · cosine {score:.3f}",
                context_html(document.text, chunk.start, chunk.end),
            )
        )
    return contexts


def preview(text: str, width: int = 140) -> str:
    """The text on one line, cut at `width` characters (with …)."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def result_rows(hits: np.ndarray, scores: np.ndarray, corpus: Corpus) -> pd.DataFrame:
    """One row per hit, best first: rank, cosine, document, its chunk number there, a preview."""
    return pd.DataFrame(
        {
            "rank": range(1, len(hits) + 1),
            "cosine": scores,
            "document": [corpus.document_name(i) for i in hits],
            "chunk": [corpus.number_in_document(i) for i in hits],
            "text": [preview(corpus.chunks[i].text) for i in hits],
        }
    )


def rank_change(before: int, after: int) -> str:
    """▲ 2 (moved up two places), ▼ 1, or = (unchanged)."""
    change = before - after
    return f"▲ {change}" if change > 0 else f"▼ {-change}" if change else "="


def rank_change_rows(
    result: Reranked, candidates: Sequence[int], cosines: np.ndarray, corpus: Corpus
) -> pd.DataFrame:
    """The re-ranked candidates with their dense rank, the change, both scores and a preview.

    Args:
        result: the re-ranker's order and scores.
        candidates: the dense top-N handed to the re-ranker, best first.
        cosines: (chunks,) the query's cosine with every chunk.
    """
    dense_rank = {int(index): rank for rank, index in enumerate(candidates, start=1)}
    rows = []
    for new_rank, (index, score) in enumerate(zip(result.order, result.scores, strict=True), 1):
        before = dense_rank[int(index)]
        rows.append(
            {
                "new rank": new_rank,
                "dense rank": before,
                "change": rank_change(before, new_rank),
                "re-rank score": float(score),
                "cosine": float(cosines[index]),
                "document": corpus.document_name(int(index)),
                "text": preview(corpus.chunks[int(index)].text),
            }
        )
    columns = ["new rank", "dense rank", "change", "re-rank score", "cosine", "document", "text"]
    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class LessonQuestion:
    question: str
    book: str  # the title of the document that answers it ("" = unknown)
    section: str  # the heading of the section that answers it ("" = unknown)


def lesson_questions(names: Sequence[str], own_question: str | None) -> list[LessonQuestion]:
    """The lesson's questions about the loaded shipped texts, the user's own question first."""
    questions = [
        LessonQuestion(question, sample_title(filename), section)
        for question, filename, section in LESSON_QUERIES
        if sample_title(filename) in names
    ]
    if own_question and own_question.strip() not in [q.question for q in questions]:
        questions.insert(0, LessonQuestion(own_question, "", ""))
    return questions


def _verdict(found: str, expected: str) -> str:
    return ("✅" if found == expected else "❌") if expected else "?"


def lesson_rows(
    questions: Sequence[LessonQuestion],
    question_vectors: np.ndarray,
    books: np.ndarray,
    chunk_vectors: np.ndarray,
    corpus: Corpus,
) -> pd.DataFrame:
    """For each question: the best book by book vector, the best passage by chunk vector.

    Args:
        question_vectors: (questions, dim) unit vectors.
        books: (documents, dim) unit book vectors.
        chunk_vectors: (chunks, dim) unit chunk vectors.
    """
    rows = []
    for question, vector in zip(questions, question_vectors, strict=True):
        book = corpus.names[int(top_k(vector, books, 1, normalized=True)[0][0])]
        hit = int(top_k(vector, chunk_vectors, 1, normalized=True)[0][0])
        chunk = corpus.chunks[hit]
        text = corpus.documents[int(corpus.owners[hit])].text
        section = section_at(text, (chunk.start + chunk.end) // 2)
        rows.append(
            {
                "question": question.question,
                "book vectors → book": book,
                "right book?": _verdict(book, question.book),
                "chunk vectors → passage": preview(chunk.text, 90),
                "in section": section or "—",
                "right passage?": _verdict(section, question.section),
            }
        )
    return pd.DataFrame(rows)
