"""Predict, then reveal: the scores equal scipy's and scikit-learn's, with ties and edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr
from sklearn.metrics import f1_score, precision_score, recall_score

from components.models.encoder import embed
from components.vectors.losses import classify, pairwise_cosine
from components.vectors.predictions import (
    pick_pairs,
    score_class_guess,
    score_pair_ranking,
)
from components.vectors.similarity import cosine_similarity_matrix


def test_the_same_order_scores_one_and_the_reverse_minus_one():
    cosines = [0.9, 0.1, 0.5, -0.2]
    assert score_pair_ranking([1, 3, 2, 4], cosines).rho == pytest.approx(1.0)
    assert score_pair_ranking([4, 2, 3, 1], cosines).rho == pytest.approx(-1.0)


def test_ties_use_mean_ranks_like_scipy():
    cosines = [0.8, 0.8, 0.3, 0.1, 0.5]
    student = [1, 2, 2, 5, 3]
    score = score_pair_ranking(student, cosines)
    assert score.model_ranks.tolist() == [1.5, 1.5, 4.0, 5.0, 3.0]
    assert score.student_ranks.tolist() == [1.0, 2.5, 2.5, 5.0, 4.0]
    expected = spearmanr(student, -np.asarray(cosines)).statistic
    assert score.rho == pytest.approx(expected)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 6), st.floats(-1, 1, allow_nan=False)), min_size=2, max_size=8
    )
)
def test_rho_equals_scipy_on_any_ranking(rows):
    ranks, cosines = zip(*rows, strict=True)
    score = score_pair_ranking(ranks, cosines)
    if len(set(ranks)) == 1 or len(set(cosines)) == 1:
        assert math.isnan(score.rho) and "same" in score.reading
    else:
        assert score.rho == pytest.approx(spearmanr(ranks, -np.asarray(cosines)).statistic)
        assert -1 - 1e-12 <= score.rho <= 1 + 1e-12


@pytest.mark.parametrize(
    ("ranks", "cosines"),
    [([1], [0.5]), ([1, 2], [0.5]), ([1, float("nan")], [0.1, 0.2]), ([[1, 2]], [[0.1, 0.2]])],
)
def test_bad_rankings_raise(ranks, cosines):
    with pytest.raises(ValueError):
        score_pair_ranking(ranks, cosines)


def test_pairs_spread_over_the_range_with_the_real_model(model):
    sentences = [
        "How do I sort a list in Python?",
        "Python list sort methods?",
        "What is the GDP of Canada?",
        "The taco truck arrives every Tuesday.",
        "Symptoms of iron-deficiency anaemia?",
        "Signs you're low on iron",
        "Best way to waterproof hiking boots",
        "Quantum entanglement defies classical intuition.",
        "Superconductors expel magnetic fields below a critical temperature.",
        "She asked the bank for a loan.",
    ]
    vectors = embed(model, sentences)
    pairs = pick_pairs(vectors, count=5, seed=3)
    assert len(pairs) == 5 == len(set(pairs))
    assert all(i < j for i, j in pairs)
    assert pick_pairs(vectors, count=5, seed=3) == pairs  # deterministic
    similarity = cosine_similarity_matrix(vectors)
    chosen = sorted(similarity[i, j] for i, j in pairs)
    off_diagonal = similarity[np.triu_indices(len(sentences), k=1)]
    assert chosen[0] == pytest.approx(off_diagonal.min(), abs=0.1)  # spans low …
    assert chosen[-1] == pytest.approx(off_diagonal.max(), abs=1e-6)  # … to the highest pair
    used = [index for pair in pairs for index in pair]
    assert len(set(used)) >= 7  # mostly different sentences


def test_pick_pairs_small_inputs():
    assert pick_pairs(np.zeros((1, 4))) == []
    assert pick_pairs(np.eye(2), count=5) == [(0, 1)]
    assert len(pick_pairs(np.eye(3), count=5)) == 3


def test_guess_score_against_scikit_learn_on_real_triplets(model):
    anchors = ["How do I sort a list in Python?", "I opened an account at the bank."]
    positives = ["Python list sort methods?", "I set up a new account with my bank."]
    negatives = ["What is the GDP of Canada?", "I sat on the river bank."]
    a, p, n = (embed(model, column) for column in (anchors, positives, negatives))
    classes = classify(pairwise_cosine(a, p), pairwise_cosine(a, n), 0.2)
    for guessed in ([0], [1], [0, 1], []):
        score = score_class_guess(guessed, classes, {"hard", "semi-hard"})
        truth = [name in ("hard", "semi-hard") for name in classes]
        marked = [index in guessed for index in range(len(classes))]
        for ours, theirs in (
            (score.precision, precision_score(truth, marked, zero_division=np.nan)),
            (score.recall, recall_score(truth, marked, zero_division=np.nan)),
        ):
            assert (math.isnan(ours) and math.isnan(theirs)) or ours == pytest.approx(theirs)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(["easy", "semi-hard", "hard"]), min_size=1, max_size=12).flatmap(
        lambda classes: st.tuples(
            st.just(classes), st.lists(st.integers(0, len(classes) - 1), max_size=12)
        )
    )
)
def test_guess_score_equals_scikit_learn(case):
    classes, guessed = case
    score = score_class_guess(guessed, classes)
    truth = [name == "hard" for name in classes]
    marked = [index in guessed for index in range(len(classes))]
    precision = precision_score(truth, marked, zero_division=np.nan)
    recall = recall_score(truth, marked, zero_division=np.nan)
    for ours, theirs in ((score.precision, precision), (score.recall, recall)):
        assert (math.isnan(ours) and math.isnan(theirs)) or ours == pytest.approx(theirs)
    if not (math.isnan(precision) or math.isnan(recall)):
        assert score.f1 == pytest.approx(f1_score(truth, marked, zero_division=0.0))
    assert set(score.hits) | set(score.missed) == {i for i, c in enumerate(classes) if c == "hard"}
    assert set(score.hits) | set(score.false_alarms) == set(guessed)


def test_guess_edge_cases_read_well():
    assert score_class_guess([], ["easy", "easy"]).reading == "Right: none of them is hard."
    nothing = score_class_guess([], ["hard", "easy"])
    assert (
        math.isnan(nothing.precision)
        and nothing.recall == 0
        and "You marked none" in nothing.reading
    )
    with pytest.raises(ValueError):
        score_class_guess([2], ["hard", "easy"])


def test_the_score_as_a_table_keeps_the_pairs_order():
    score = score_pair_ranking([2, 1, 3], [0.9, 0.5, 0.1])
    table = score.table(["a ↔ b", "c ↔ d", "e ↔ f"])
    assert table["pair"] == ["a ↔ b", "c ↔ d", "e ↔ f"]
    np.testing.assert_array_equal(table["your rank"], [2, 1, 3])
    np.testing.assert_array_equal(table["model's rank"], [1, 2, 3])
    np.testing.assert_array_equal(table["cosine"], [0.9, 0.5, 0.1])
