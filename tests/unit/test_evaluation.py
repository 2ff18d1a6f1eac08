"""Spearman and triplet accuracy against sentence-transformers' evaluators; the data; the random model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr
from sentence_transformers.sentence_transformer.evaluation import (
    EmbeddingSimilarityEvaluator,
    TripletEvaluator,
)
from sentence_transformers.util import pairwise_cos_sim

from components.data.samples import load_scored_pairs, load_triplets
from components.models.encoder import embed, token_embeddings, untrained_copy
from components.pooling.evaluation import pooling_quality, spearman, triplet_accuracy
from components.pooling.pooling import pool
from components.vectors.losses import pairwise_cosine


def test_the_scored_pairs_file():
    pairs = load_scored_pairs()
    assert len(pairs.first) >= 60 and len(pairs.first) == len(pairs.second) == len(pairs.scores)
    assert pairs.scores.min() >= 0 and pairs.scores.max() <= 5
    assert all(text.strip() for text in pairs.first + pairs.second)
    assert len(set(zip(pairs.first, pairs.second, strict=True))) == len(pairs.first)
    assert (pairs.scores >= 4).sum() >= 20 and (pairs.scores <= 1.5).sum() >= 15  # a real spread


def test_the_triplet_presets():
    triplets = load_triplets()
    assert len(triplets) >= 22  # the lesson's 2 + at least 20 of ours
    assert triplets.anchors[0] == "How do I sort a list in Python?"
    assert all(t.strip() for t in triplets.anchors + triplets.positives + triplets.negatives)


def test_pairwise_cosine_equals_sentence_transformers():
    generator = np.random.default_rng(0)
    a, b = generator.normal(size=(7, 16)), generator.normal(size=(7, 16))
    np.testing.assert_allclose(
        pairwise_cosine(a, b), pairwise_cos_sim(torch.tensor(a), torch.tensor(b)).numpy(), atol=1e-6
    )
    assert pairwise_cosine(np.zeros((1, 3)), np.ones((1, 3)))[0] == 0


def test_spearman_equals_scipy_and_handles_constants():
    generator = np.random.default_rng(1)
    x, y = generator.normal(size=30), generator.normal(size=30)
    assert spearman(x, y) == pytest.approx(spearmanr(x, y).statistic, abs=1e-12)
    assert spearman(np.ones(5), np.arange(5)) == 0.0 and spearman([1.0], [2.0]) == 0.0


def test_mean_pooling_spearman_equals_the_embedding_similarity_evaluator(model):
    pairs = load_scored_pairs()
    tokens, mask = token_embeddings(model, pairs.first + pairs.second)
    pooled = pool(tokens, mask, "mean").numpy()
    n = len(pairs.first)
    ours = spearman(pairwise_cosine(pooled[:n], pooled[n:]), pairs.scores)
    evaluator = EmbeddingSimilarityEvaluator(
        pairs.first,
        pairs.second,
        pairs.scores.tolist(),
        similarity_fn_names=["cosine"],
        write_csv=False,
    )
    assert ours == pytest.approx(evaluator(model)["spearman_cosine"], abs=1e-5)
    assert ours > 0.7  # the data is coherent with a real model's judgement


def test_triplet_accuracy_equals_the_triplet_evaluator(model):
    triplets = load_triplets()
    vectors = [
        embed(model, texts) for texts in (triplets.anchors, triplets.positives, triplets.negatives)
    ]
    evaluator = TripletEvaluator(
        triplets.anchors,
        triplets.positives,
        triplets.negatives,
        similarity_fn_names=["cosine"],
        write_csv=False,
    )
    assert triplet_accuracy(*vectors) == pytest.approx(
        evaluator(model)["cosine_accuracy"], abs=1e-9
    )
    a = np.eye(3)
    assert triplet_accuracy(a, a, -a) == 1.0 and triplet_accuracy(a, -a, a) == 0.0


def test_untrained_copy_is_random_reproducible_and_leaves_the_model_alone(model):
    before = {name: value.clone() for name, value in model.state_dict().items()}
    texts = ["A cat sat on the mat.", "Stocks fell sharply."]
    untrained = untrained_copy(model, seed=0)
    again = untrained_copy(model, seed=0)
    other = untrained_copy(model, seed=1)
    assert untrained.tokenizer(texts)["input_ids"] == model.tokenizer(texts)["input_ids"]
    assert type(untrained[0].auto_model) is type(model[0].auto_model)
    random_vectors = embed(untrained, texts)
    np.testing.assert_allclose(random_vectors, embed(again, texts), atol=1e-6)
    assert np.abs(random_vectors - embed(other, texts)).max() > 1e-3
    assert np.abs(random_vectors - embed(model, texts)).max() > 1e-2
    assert all(torch.equal(before[name], value) for name, value in model.state_dict().items())
    # Random weights: every sentence points roughly the same way.
    assert float(random_vectors[0] @ random_vectors[1]) > 0.8


def test_pooling_quality_of_mean_equals_the_library_evaluators(model):
    pairs, triplets = load_scored_pairs(), load_triplets()
    pair_tokens, pair_mask = token_embeddings(model, pairs.first + pairs.second)
    triplet_tokens, triplet_mask = token_embeddings(
        model, triplets.anchors + triplets.positives + triplets.negatives
    )
    rho, accuracy = pooling_quality(
        pair_tokens, pair_mask, pairs.scores, triplet_tokens, triplet_mask, "mean"
    )
    similarity = EmbeddingSimilarityEvaluator(
        pairs.first,
        pairs.second,
        pairs.scores.tolist(),
        similarity_fn_names=["cosine"],
        write_csv=False,
    )
    triplet = TripletEvaluator(
        triplets.anchors,
        triplets.positives,
        triplets.negatives,
        similarity_fn_names=["cosine"],
        write_csv=False,
    )
    assert rho == pytest.approx(similarity(model)["spearman_cosine"], abs=1e-5)
    assert accuracy == pytest.approx(triplet(model)["cosine_accuracy"], abs=1e-9)
