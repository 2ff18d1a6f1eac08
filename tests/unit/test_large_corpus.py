from __future__ import annotations

import pytest

from components.data.large_corpus import (
    MAX_CORPUS,
    generate_corpus,
    seed_sentences,
    split_sentences,
)
from components.data.samples import load_preset


def test_splitting_keeps_initials_and_abbreviations_inside_a_sentence():
    text = "# Title\n\nWritten for the lab.\n\nJ. P. Morgan paid for it, e.g. the lamp. It shone! Did it?"
    assert split_sentences(text) == [
        "J. P. Morgan paid for it, e.g. the lamp.",
        "It shone!",
        "Did it?",
    ]


def test_seeds_come_from_every_shipped_text():
    seeds = dict(seed_sentences())
    assert len(seeds) > 1_000
    assert {"bread", "lighthouses", "physics", "everyday", "questions"} <= set(seeds.values())
    assert set(load_preset("Eight topics, 240 sentences").texts) <= set(seeds)


@pytest.mark.parametrize("n", [1, 500, 20_000, MAX_CORPUS])
def test_n_distinct_sentences_with_a_label_each(n):
    corpus = generate_corpus(n, seed=3)
    assert len(corpus.texts) == len(corpus.labels) == n
    assert len(set(corpus.texts)) == n
    assert all(text.strip() == text and len(text.split()) >= 3 for text in corpus.texts)


def test_the_same_seed_gives_the_same_corpus_and_another_seed_does_not():
    first, again, other = (
        generate_corpus(5_000, 1),
        generate_corpus(5_000, 1),
        generate_corpus(5_000, 2),
    )
    assert first == again
    assert first.texts != other.texts


def test_large_corpora_start_with_every_shipped_sentence_and_grow_on_topic():
    seeds = seed_sentences()
    corpus = generate_corpus(20_000)
    assert list(zip(corpus.texts, corpus.labels))[: len(seeds)] == list(seeds)
    grown = corpus.texts[len(seeds) :]
    seed_texts = {text for text, _ in seeds}
    assert not seed_texts & set(grown)
    # Every grown sentence reuses shipped words: at least one seed's opening words appear in it.
    heads = {" ".join(text.split()[:3]) for text in seed_texts}
    assert all(any(head in text for head in heads) for text in grown[:300])


@pytest.mark.parametrize("n", [0, MAX_CORPUS + 1])
def test_sizes_out_of_range_are_refused(n):
    with pytest.raises(ValueError):
        generate_corpus(n)
