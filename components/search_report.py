"""Tables of the search lab: results, rank changes after re-ranking, book vs chunk vectors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from components.corpus import Corpus
from components.documents import LESSON_QUERIES, sample_title, section_at
from components.search import top_k

if TYPE_CHECKING:
    from components.rerank import Reranked


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
