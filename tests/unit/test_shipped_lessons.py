"""The shipped lessons say what the real model does: every number they quote is recomputed here."""

from __future__ import annotations

import numpy as np
import pytest

from components.core.texts import parse_lines
from components.data import triplets as triplet_tables
from components.data.chunking import chunk_text
from components.data.samples import load_triplet_preset
from components.models.encoder import embed
from components.state.lessons import LESSON_DIR, lesson_from_json
from components.vectors.losses import info_nce_loss, info_nce_softmax, pairwise_cosine


def load(name: str):
    lesson, messages = lesson_from_json((LESSON_DIR / name).read_bytes())
    assert messages == []
    return lesson


def quoted(value: float) -> str:
    return f"{value:.3f}"


def test_same_subject_is_not_same_meaning(model):
    lesson = load("same_subject_is_not_same_meaning.json")
    state = lesson.lab.explore
    texts = parse_lines(state.sentences).texts
    assert len(texts) == 12 and lesson.start_page == "explore"
    vectors = embed(model, texts)
    similarity = vectors @ vectors.T
    for group in range(4):
        first = 3 * group
        same_subject, paraphrase = similarity[first, first + 1], similarity[first, first + 2]
        assert paraphrase > same_subject + 0.4  # the point of the lesson, in every group
        assert quoted(same_subject) in lesson.what_to_notice
        assert quoted(paraphrase) in lesson.what_to_notice


def test_what_temperature_does(model):
    lesson = load("what_temperature_does.json")
    state = lesson.lab.loss
    assert state.tau == 1.0 and state.focus == 7 and lesson.start_page == "loss"
    triplets = triplet_tables.clean_triplets(load_triplet_preset(state.preset))
    texts = triplets.texts()
    vectors = embed(model, texts)
    where = {text: i for i, text in enumerate(texts)}
    a, p, n = (
        vectors[[where[text] for text in column]]
        for column in (triplets.anchors, triplets.positives, triplets.negatives)
    )
    notice = lesson.what_to_notice
    assert triplets.anchors[7] == "My laptop battery drains very fast."
    assert triplets.anchors[0] == "How do I sort a list in Python?"
    assert pairwise_cosine(a, n)[7] > pairwise_cosine(a, p)[7]  # a hard triplet
    for tau in (1.0, 0.2, 0.05, 0.01):
        assert quoted(info_nce_loss(a, p, n, tau=tau).mean()) in notice
    assert quoted(info_nce_softmax(a, p, n, 1.0, 7)[7]) in notice
    assert "of 52 candidates" in notice and 2 * len(triplets) == 52
    weights = info_nce_softmax(a, p, n, 0.05, 7)
    assert int(np.argmax(weights)) == len(triplets) + 7  # its own negative wins
    assert quoted(weights.max()) in notice
    assert quoted(info_nce_loss(a, p, n, tau=0.05)[7]) in notice
    assert quoted(info_nce_loss(a, p, n, tau=0.01)[7]) in notice
    assert quoted(info_nce_loss(a, p, n, tau=0.05)[0]) == "0.000"


def test_why_chunk(model):
    lesson = load("why_chunk.json")
    state = lesson.lab.search
    assert state.samples == () and state.window == 512 and lesson.start_page == "search"
    tokenizer = model.tokenizer
    notice = lesson.what_to_notice
    n_tokens = len(tokenizer(state.paste, add_special_tokens=False)["input_ids"])
    assert f"({n_tokens} tokens)" in lesson.what_to_try
    start = state.paste.index("Water was always")
    assert (
        f"token {len(tokenizer(state.paste[:start], add_special_tokens=False)['input_ids'])}"
        in notice
    )
    query = embed(model, [state.query])[0]

    def search(window: int, overlap: int):
        chunks = chunk_text(state.paste, tokenizer, window, overlap)
        scores = embed(model, [chunk.text for chunk in chunks]) @ query
        return chunks, scores

    big, big_scores = search(512, 0)
    fitting, fitting_scores = search(254, 32)
    small, small_scores = search(64, 8)
    assert len(big) == 2 and len(fitting) == 3
    assert "flood water poured" in big[0].text  # the answer is in the first chunk …
    assert big_scores[0] == pytest.approx(fitting_scores[0], abs=1e-6)  # … which the model cuts
    assert quoted(big_scores[0]) in notice and quoted(big_scores[1]) in notice
    assert big_scores[1] > big_scores[0] and "well" not in big[1].text
    best = int(np.argmax(fitting_scores))
    assert "sealed the well" in fitting[best].text
    assert quoted(fitting_scores[best]) in notice
    assert quoted(small_scores.max()) in notice
