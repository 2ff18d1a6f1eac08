"""The search page's corpus (chunks and their documents) and its tables, without Streamlit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from components.core.texts import InputError
from components.data.chunking import Chunk, chunk_text
from components.data.corpus import Corpus, build_corpus, unique_names
from components.data.documents import Document, from_sample, sample_names
from components.models.encoder import get_tokenizer
from components.retrieval.rerank import Reranked
from components.retrieval.search_report import (
    lesson_questions,
    lesson_rows,
    preview,
    rank_change,
    rank_change_rows,
    result_rows,
)

FIRST = "# First\n\nAlpha text about bread.\n\n## Salt\n\nSalt tightens the dough."
SECOND = "# Second\n\nA lighthouse on a rock.\n\n## Lens\n\nThe Fresnel lens bends light."


def by_paragraph(text: str) -> list[Chunk]:
    """A toy chunker: one chunk per non-empty paragraph, with its offsets."""
    chunks, position = [], 0
    for paragraph in text.split("\n\n"):
        start = text.index(paragraph, position)
        position = start + len(paragraph)
        if paragraph.strip():
            chunks.append(Chunk(paragraph, start, position, len(paragraph.split())))
    return chunks


@pytest.fixture
def corpus() -> Corpus:
    documents = [Document("notes", FIRST, "pasted"), Document("notes", SECOND, "upload")]
    return build_corpus(documents, by_paragraph)


def test_unique_names_number_repeated_names_only():
    assert unique_names(["a", "b", "a"]) == ["a (1)", "b", "a (3)"]
    assert unique_names(["x"]) == ["x"]


def test_build_corpus_keeps_which_chunk_is_whose(corpus):
    assert corpus.names == ["notes (1)", "notes (2)"]
    assert len(corpus) == 8 and corpus.owners.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    assert [c.text for c in corpus.chunks_of(1)][-1] == "The Fresnel lens bends light."
    assert corpus.document_name(5) == "notes (2)" and corpus.number_in_document(5) == 2
    assert corpus.token_counts.tolist() == [len(c.text.split()) for c in corpus.chunks]
    for chunk, owner in zip(corpus.chunks, corpus.owners, strict=True):
        assert corpus.documents[owner].text[chunk.start : chunk.end] == chunk.text


def test_fingerprint_follows_settings_and_text(corpus):
    assert corpus.fingerprint("model", 254, 32) == corpus.fingerprint("model", 254, 32)
    assert corpus.fingerprint("model", 254, 32) != corpus.fingerprint("model", 254, 16)
    other = build_corpus([Document("notes", FIRST + " more", "pasted")], by_paragraph)
    assert other.fingerprint("model", 254, 32) != corpus.fingerprint("model", 254, 32)


def test_build_corpus_reports_refusals_and_empty_documents(model):
    tokenizer = get_tokenizer(model)
    documents = [
        Document("spaces", "   \n  ", "pasted"),
        Document("text", "A short text.", "pasted"),
    ]
    corpus = build_corpus(documents, lambda text: chunk_text(text, tokenizer, 254, 32))
    assert len(corpus) == 1 and corpus.owners.tolist() == [1]
    assert "spaces has no tokens to chunk" in corpus.messages[0].text
    with pytest.raises(InputError, match="text: The overlap"):
        build_corpus(documents[1:], lambda text: chunk_text(text, tokenizer, 30, 30))


def test_build_corpus_on_the_samples_equals_chunk_text(model):
    tokenizer = get_tokenizer(model)
    documents = [from_sample(name).document for name in sample_names()]
    corpus = build_corpus(documents, lambda text: chunk_text(text, tokenizer, 254, 32))
    expected = sum(len(chunk_text(d.text, tokenizer, 254, 32)) for d in documents)
    assert len(corpus) == expected and set(corpus.owners.tolist()) == {0, 1}


def test_preview_and_rank_change():
    assert preview("a  b\nc") == "a b c"
    assert preview("word " * 100, 20) == "word word word word…" and len(preview("x" * 50, 20)) == 20
    assert [rank_change(3, 1), rank_change(1, 2), rank_change(4, 4)] == ["▲ 2", "▼ 1", "="]


def test_result_and_rank_change_rows(corpus):
    hits, scores = np.array([5, 1]), np.array([0.9, 0.4], dtype=np.float32)
    rows = result_rows(hits, scores, corpus)
    assert rows["rank"].tolist() == [1, 2] and rows["chunk"].tolist() == [2, 2]
    assert rows["document"].tolist() == ["notes (2)", "notes (1)"]
    cosines = np.linspace(0.1, 0.8, len(corpus))
    candidates = [7, 6, 5]
    result = Reranked(np.array([5, 7, 6]), np.array([3.0, 2.0, 1.0]))
    table = rank_change_rows(result, candidates, cosines, corpus)
    assert table["dense rank"].tolist() == [3, 1, 2]
    assert table["change"].tolist() == ["▲ 2", "▼ 1", "▼ 1"]
    np.testing.assert_allclose(table["cosine"], cosines[[5, 7, 6]])
    assert table["re-rank score"].tolist() == [3.0, 2.0, 1.0]
    empty = rank_change_rows(Reranked(np.zeros(0, int), np.zeros(0)), [], cosines, corpus)
    assert isinstance(empty, pd.DataFrame) and "new rank" in empty.columns and empty.empty


def test_lesson_questions_put_your_own_first_once():
    names = ["Cooking notes"]  # a title that is no sample: only your own question
    assert [q.question for q in lesson_questions(names, "Why?")] == ["Why?"]
    assert lesson_questions(names, None) == []
    titles = [from_sample(name).document.name for name in sample_names()]
    lesson = lesson_questions(titles, None)
    assert len(lesson) == 6 and all(q.book in titles and q.section for q in lesson)
    again = lesson_questions(titles, lesson[0].question)
    assert len(again) == 6  # a lesson question typed again is not listed twice


def test_lesson_rows_judge_book_and_passage(corpus):
    from components.retrieval.search_report import LessonQuestion

    questions = [
        LessonQuestion("salt?", "notes (1)", "Salt"),
        LessonQuestion("lens?", "notes (1)", "Lens"),  # the book is wrong on purpose
        LessonQuestion("mine", "", ""),
    ]
    chunk_vectors = np.eye(len(corpus), dtype=np.float32)
    books = np.stack([chunk_vectors[:4].mean(0), chunk_vectors[4:].mean(0)])
    books /= np.linalg.norm(books, axis=1, keepdims=True)
    question_vectors = chunk_vectors[[3, 7, 3]]  # the salt paragraph, the lens paragraph, salt
    rows = lesson_rows(questions, question_vectors, books, chunk_vectors, corpus)
    assert rows["book vectors → book"].tolist() == ["notes (1)", "notes (2)", "notes (1)"]
    assert rows["right book?"].tolist() == ["✅", "❌", "?"]
    assert rows["in section"].tolist() == ["Salt", "Lens", "Salt"]
    assert rows["right passage?"].tolist() == ["✅", "✅", "?"]
