"""The glossary: every term points at a real page and section, and search finds what it should."""

from __future__ import annotations

import re

import pytest

from components.content.glossary import TERMS, search_terms
from tests.conftest import ROOT

REFERENCE_TERMS = [
    "Tokenizer",
    "Transformer encoder",
    "Pooling",
    "Attention pooling",
    "Mean pooling",
    "CLS pooling",
    "Contrastive learning",
    "Positive",
    "Negative",
    "Anchor",
    "Cosine similarity",
    "Back-propagation",
    "Chunking",
    "Overlap",
    "Book vector",
    "RAG",
    "Re-ranking",
    "GELU",
    "Softmax",
    "Cosine-margin loss",
    "Triplet loss",
    "InfoNCE",
    "Temperature",
    "Context window",
    "Vector database",
    "Semantic search",
]


def test_the_reference_text_terms_are_all_there():
    names = {term.term for term in TERMS}
    assert set(REFERENCE_TERMS) <= names
    assert len(names) == len(TERMS)  # no term twice


@pytest.mark.parametrize("term", TERMS, ids=lambda term: term.term)
def test_every_term_is_one_line_and_points_at_a_real_section(term):
    assert "\n" not in term.definition and 20 <= len(term.definition) <= 180
    script = (ROOT / term.page).read_text(encoding="utf-8")
    number = re.match(r"(\d) · ", term.section)
    assert number, term.section  # a numbered section: the page has a header with that number,
    header = re.search(
        rf'st\.header\(\s*"{number.group(1)} · [^"]*",\s*anchor="([a-z0-9-]+)"', script
    )
    assert header, (term.term, term.section)  # and the anchor the glossary's link opens it at
    assert header.group(1) == term.anchor, (term.term, term.section)


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("temperature", "Temperature"),
        ("TAU", "Temperature"),
        ("τ", "Temperature"),
        ("umap", "UMAP"),
        ("hard negative", "Hard negative"),
        ("colbert", "Late interaction"),
        ("pooling", "Pooling"),
    ],
)
def test_search_puts_the_named_term_first(query, first):
    assert search_terms(query)[0].term == first


def test_search_needs_every_word_and_ignores_case_and_accents():
    assert search_terms("bank loan") == [t for t in TERMS if t.term == "Contextual token vector"]
    assert search_terms("SOFTMAX") == search_terms("softmax")
    assert search_terms("reykjavík zebra") == []
    assert len(search_terms("")) == len(TERMS) == len(search_terms("   "))
    assert [t.term for t in search_terms("")] == sorted((t.term for t in TERMS), key=str.casefold)
