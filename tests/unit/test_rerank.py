from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from components.models.encoder import ModelLoadError, embed
from components.retrieval.rerank import (
    LOCAL_CROSS_ENCODER,
    Bm25,
    cross_encode,
    hybrid_bm25,
    late_interaction,
    load_cross_encoder,
    local_cross_encoder,
    maxsim,
    mmr,
    ranking,
    reciprocal_rank_fusion,
    token_vectors,
    words,
)
from components.vectors.search import top_k

CHUNKS = [
    "The Fresnel lens bends lighthouse light into a narrow horizontal beam.",
    "A Fresnel lens uses concentric prisms to bend the beam of a lighthouse.",
    "Keepers wound the clockwork that turned the lens every night.",
    "Fog signals warned ships when the light could not be seen.",
    "Sourdough starters hold wild yeasts and lactic acid bacteria.",
    "Salt tightens gluten and slows fermentation in bread dough.",
]
QUERY = "How does a lighthouse lens focus its beam?"


def naive_mmr(query, vectors, candidates, k, lambda_):
    picked = []
    while len(picked) < min(k, len(candidates)):
        best, best_value = None, -math.inf
        for c in candidates:
            if c in picked:
                continue
            redundancy = max((float(vectors[c] @ vectors[p]) for p in picked), default=0.0)
            value = lambda_ * float(vectors[c] @ query) - (1 - lambda_) * redundancy
            if value > best_value:
                best, best_value = c, value
        picked.append(best)
    return picked


@pytest.fixture(scope="module")
def vectors(model):
    return embed(model, CHUNKS), embed(model, [QUERY])[0]


@pytest.mark.parametrize("lambda_", [0.0, 0.3, 0.7, 1.0])
def test_mmr_equals_the_textbook_loop(vectors, lambda_):
    chunk_vecs, query_vec = vectors
    candidates = list(range(len(CHUNKS)))
    result = mmr(query_vec, chunk_vecs, candidates, 4, lambda_)
    assert result.order.tolist() == naive_mmr(query_vec, chunk_vecs, candidates, 4, lambda_)


def test_mmr_with_lambda_one_is_the_dense_order_and_lower_lambda_diversifies(vectors):
    chunk_vecs, query_vec = vectors
    dense, scores = top_k(query_vec, chunk_vecs, 6)
    plain = mmr(query_vec, chunk_vecs, dense, 6, 1.0)
    assert plain.order.tolist() == dense.tolist()
    np.testing.assert_allclose(plain.scores, scores, atol=1e-6)
    diverse = mmr(query_vec, chunk_vecs, dense, 2, 0.3)
    # The two near-duplicate lens sentences are not both kept at the top.
    assert set(diverse.order.tolist()) != {0, 1}


def lucene_bm25(query_terms, documents, k1=1.5, b=0.75):
    n = len(documents)
    average = sum(len(d) for d in documents) / n
    scores = []
    for document in documents:
        score = 0.0
        for term in set(query_terms):
            df = sum(term in d for d in documents)
            tf = document.count(term)
            if tf == 0:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            score += idf * tf / (tf + k1 * (1 - b + b * len(document) / average))
        scores.append(score)
    return np.array(scores)


def test_bm25_equals_the_lucene_formula():
    bm25 = Bm25(CHUNKS)
    query = "lighthouse lens beam fermentation"
    expected = lucene_bm25(words(query), [words(text) for text in CHUNKS])
    np.testing.assert_allclose(bm25.scores(query), expected, rtol=1e-5, atol=1e-6)
    assert bm25.scores("").tolist() == [0.0] * len(CHUNKS)
    assert bm25.scores("zzzz unknownword").tolist() == [0.0] * len(CHUNKS)


def test_reciprocal_rank_fusion_by_hand():
    fused = reciprocal_rank_fusion([[2, 0, 1], [0, 2]], k=60)
    expected = {2: 1 / 61 + 1 / 62, 0: 1 / 62 + 1 / 61, 1: 1 / 63}
    assert fused.order.tolist() == [2, 0, 1]  # 2 and 0 tie: first seen first
    np.testing.assert_allclose(fused.scores, [expected[i] for i in fused.order])


def test_hybrid_keeps_only_candidates(vectors):
    chunk_vecs, query_vec = vectors
    dense_scores = chunk_vecs @ query_vec
    candidates, _ = top_k(query_vec, chunk_vecs, 4)
    result = hybrid_bm25(QUERY, dense_scores, Bm25(CHUNKS), candidates, 3)
    assert len(result.order) == 3 and set(result.order) <= set(candidates.tolist())
    fused = reciprocal_rank_fusion([ranking(dense_scores), ranking(Bm25(CHUNKS).scores(QUERY))])
    assert result.order.tolist() == [i for i in fused.order if i in candidates][:3]


def test_token_vectors_equal_sentence_transformers_token_embeddings(model):
    texts = ["A short one.", "A Fresnel lens bends the beam of a lighthouse into a line."]
    ours = token_vectors(model, texts)
    for text, vectors in zip(texts, ours, strict=True):
        ids = model.tokenizer(text)["input_ids"]
        reference = model.encode(text, output_value="token_embeddings", convert_to_tensor=True)
        reference = torch.nn.functional.normalize(reference[1 : len(ids) - 1], dim=1)  # no CLS/SEP
        assert vectors.shape == (len(ids) - 2, 384)
        np.testing.assert_allclose(vectors, reference.numpy(), atol=1e-5)


def test_maxsim_equals_torch_and_orders_candidates(model):
    query_tokens = token_vectors(model, [QUERY])[0]
    chunk_tokens = token_vectors(model, CHUNKS)
    for tokens in chunk_tokens:
        q, d = torch.tensor(query_tokens), torch.tensor(tokens)
        expected = (q @ d.T).max(dim=1).values.mean().item()
        assert maxsim(query_tokens, tokens) == pytest.approx(expected, abs=1e-5)
    result = late_interaction(query_tokens, chunk_tokens, [10, 11, 12, 13, 14, 15])
    assert sorted(result.scores.tolist(), reverse=True) == result.scores.tolist()
    assert result.order[0] in (10, 11)  # a lens sentence
    assert maxsim(query_tokens, np.zeros((0, 384))) == 0.0


@pytest.fixture(scope="module")
def cross_encoder():
    return local_cross_encoder()


def test_local_cross_encoder_plumbing(cross_encoder):
    candidates = [7, 8, 9]
    texts = CHUNKS[:3]
    result = cross_encode(cross_encoder, QUERY, texts, candidates)
    expected = cross_encoder.predict([(QUERY, text) for text in texts])
    by_index = dict(zip(candidates, expected, strict=True))
    np.testing.assert_allclose(result.scores, [by_index[i] for i in result.order], atol=1e-6)
    assert sorted(result.scores.tolist(), reverse=True) == result.scores.tolist()
    # The untrained head is seeded: the same weights (and scores) every time it is built.
    again = cross_encode(local_cross_encoder(), QUERY, texts, candidates)
    np.testing.assert_allclose(again.scores, result.scores, atol=1e-6)
    assert len(cross_encode(cross_encoder, QUERY, [], []).order) == 0


def test_cross_encoder_by_name_offline_fails_fast_with_a_message(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError, match="unavailable"):
        load_cross_encoder("cross-encoder/no-such-model-for-this-test")
    with pytest.raises(ModelLoadError, match="bi-encoder"):
        load_cross_encoder("all-MiniLM-L6-v2")
    with pytest.raises(ModelLoadError, match="Type"):
        load_cross_encoder("  ")
    assert load_cross_encoder(LOCAL_CROSS_ENCODER).num_labels == 1
