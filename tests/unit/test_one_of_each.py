"""The single definitions the pages share: token batches, triplets, loss ids, mode comparison."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from components.core.texts import first_lines
from components.data.samples import load_scored_pairs, load_triplets
from components.data.triplets import Triplets, training_split
from components.models.encoder import (
    get_tokenizer,
    is_inspectable,
    model_info,
    token_batch,
    token_embeddings,
    tokenize,
    trained_pooling,
)
from components.pooling.evaluation import PoolingBenchmark, pooling_quality
from components.pooling.head_training import AttentionPoolingHead, triplet_thirds
from components.pooling.pooling import (
    MODES,
    HeadRecord,
    compare_modes,
    pool,
    token_shares,
)
from components.pooling.tokens import (
    occurrence_label,
    token_points,
    token_view,
    view_messages,
    word_count,
)
from components.retrieval.highlight import CHUNK_COLOURS, OVERLAP_COLOUR, chunk_legend_html
from components.retrieval.rerank import content_vectors
from components.runtime.thread_safety import GuardedTokenizer
from components.training.finetune import make_loss
from components.vectors.losses import (
    LOSS_IDS,
    LOSS_NAMES,
    batch_losses,
    classify,
    cosine_margin_loss,
    info_nce_loss,
    pairwise_cosine,
    triplet_loss,
)
from components.vectors.similarity import cosine_similarity_matrix

SENTENCES = ["A cat sat on the mat.", "Quantumness!", "Stocks fell sharply on Monday morning."]


@pytest.fixture(scope="module")
def batch(model):
    return token_batch(model, SENTENCES)


def test_token_batch_is_token_embeddings_with_the_pieces(model, batch):
    tokens, mask = token_embeddings(model, SENTENCES)
    np.testing.assert_array_equal(batch.embeddings, tokens.numpy())
    np.testing.assert_array_equal(batch.attention_mask, mask.numpy())
    for row, sentence in enumerate(SENTENCES):
        seen = tokenize(model, sentence)
        assert batch.pieces[row] == seen.tokens and batch.special[row] == seen.special
        assert len(batch.pieces[row]) == int(batch.attention_mask[row].sum())
    assert len(batch) == 3 and token_batch(model, []).embeddings.shape == (0, 0, 384)


def test_model_facts_come_from_the_encoder(model):
    tokenizer = get_tokenizer(model)  # the shared tokenizer behind its lock (issue 9)
    assert isinstance(tokenizer, GuardedTokenizer) and tokenizer._target is model.tokenizer
    assert is_inspectable(model)
    assert trained_pooling(model) == "mean" and trained_pooling([torch.nn.Identity()]) is None
    info = model_info(model, "sentence-transformers/all-MiniLM-L6-v2")
    assert info.short_name == "all-MiniLM-L6-v2"


def test_content_vectors_drop_specials_and_are_unit_length(batch):
    vectors = content_vectors(batch)
    for row, rows in enumerate(vectors):
        assert rows.shape == (sum(not s for s in batch.special[row]), 384)
        np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
        np.testing.assert_allclose(
            rows[0] * np.linalg.norm(batch.embeddings[row, 1]), batch.embeddings[row, 1], atol=1e-5
        )


def test_token_points_follow_the_pieces(model, batch):
    points = token_points(batch)
    assert len(points.pieces) == sum(len(model.tokenizer.tokenize(s)) for s in SENTENCES)
    assert "[CLS]" not in points.pieces and points.vectors.shape == (len(points.pieces), 384)
    np.testing.assert_array_equal(points.vectors[0], batch.embeddings[0, 1])  # "a", after [CLS]
    with_specials = token_points(batch, include_special=True)
    assert len(with_specials.pieces) == int(batch.attention_mask.sum())
    assert with_specials.owners.count(2) == len(batch.pieces[2])


def test_token_view_messages_and_word_count(model):
    tokenizer = get_tokenizer(model)
    view = token_view(tokenizer, "quantumness twice", 256)
    assert word_count(view) == 2 and view_messages(view) == []
    long = token_view(tokenizer, "word " * 300, 256)
    assert "silently ignores the other 46" in view_messages(long)[0].text
    assert (
        "Nothing but special tokens" in view_messages(token_view(tokenizer, "[CLS]", 256))[0].text
    )
    assert "Every piece is [UNK]" in view_messages(token_view(tokenizer, "🚀🔥", 256))[0].text


def test_occurrence_label_names_the_pieces():
    from components.pooling.tokens import WordInContext

    found = WordInContext(1, "Quantumness", ["quantum", "##ness"], np.zeros(3))
    assert (
        occurrence_label(found, ["x", "Quantumness!"])
        == "Quantumness (quantum ##ness) · Quantumness!"
    )


def test_compare_modes_is_pool_then_cosine(batch):
    head = AttentionPoolingHead(384)
    comparison = compare_modes(batch, 1, head)
    assert list(comparison.similarities) == list(MODES)
    for mode in MODES:
        pooled = pool(batch.embeddings, batch.attention_mask, mode, head)
        np.testing.assert_allclose(
            comparison.similarities[mode], cosine_similarity_matrix(pooled), atol=1e-6
        )
        off_diagonal = comparison.similarities[mode][~np.eye(3, dtype=bool)].mean()
        assert comparison.mean_cosines[mode] == pytest.approx(off_diagonal, abs=1e-5)
    length = int(batch.attention_mask[1].sum())
    assert comparison.shares.shape == (len(MODES), length)
    np.testing.assert_allclose(
        comparison.shares[MODES.index("max")],
        token_shares(batch.embeddings[1:2, :length], batch.attention_mask[1:2, :length], "max")[0],
    )
    with pytest.raises(ValueError, match="unknown pooling mode"):
        pool(batch.embeddings, batch.attention_mask, "median")
    with pytest.raises(ValueError, match="needs head"):
        token_shares(batch.embeddings, batch.attention_mask, "attention")


def test_pooling_benchmark_scores_like_pooling_quality(model):
    pairs, triplets = load_scored_pairs(), load_triplets()
    bench = PoolingBenchmark(
        pairs,
        triplets,
        token_batch(model, pairs.first + pairs.second),
        token_batch(model, triplets.stacked()),
    )
    expected = pooling_quality(
        bench.pair_tokens.embeddings,
        bench.pair_tokens.attention_mask,
        pairs.scores,
        bench.triplet_tokens.embeddings,
        bench.triplet_tokens.attention_mask,
        "cls",
    )
    assert bench.quality("cls") == expected
    assert bench.mean_pooling_spearman() == pytest.approx(bench.quality("mean")[0], abs=1e-12)
    assert bench.pair_cosines("mean").shape == (len(pairs.scores),)
    anchor, positive, negative = triplet_thirds(
        bench.triplet_tokens.embeddings, bench.triplet_tokens.attention_mask
    )
    assert anchor[0].shape[0] == positive[0].shape[0] == negative[0].shape[0] == len(triplets)
    torch.testing.assert_close(
        negative[1], torch.as_tensor(bench.triplet_tokens.attention_mask[2 * len(triplets) :])
    )
    record = HeadRecord("key", AttentionPoolingHead(384))
    assert not record.trained and HeadRecord("key", record.head, [0.5]).trained


def test_batch_losses_equal_the_single_losses_and_ids_are_one_list():
    generator = np.random.default_rng(0)
    a, p, n = (generator.normal(size=(6, 16)) for _ in range(3))
    batch = batch_losses(a, p, n, margin=0.3, alpha=0.2, tau=0.1, use_negatives=False)
    np.testing.assert_allclose(batch.cosine_margin, cosine_margin_loss(a, p, n, 0.3))
    np.testing.assert_allclose(batch.triplet, triplet_loss(a, p, n, 0.2))
    np.testing.assert_allclose(batch.info_nce, info_nce_loss(a, p, None, tau=0.1))
    np.testing.assert_allclose(batch.cos_ap, pairwise_cosine(a, p))
    assert batch.classes == classify(batch.cos_ap, batch.cos_an, 0.2)
    assert LOSS_IDS == tuple(LOSS_NAMES) == ("cosine_margin", "triplet", "info_nce")


def test_every_loss_id_makes_a_training_loss(model):
    for loss_id in LOSS_IDS:
        assert isinstance(make_loss(model, loss_id), torch.nn.Module)
    with pytest.raises(ValueError):
        make_loss(model, "hinge")


def test_one_triplets_class():
    triplets = Triplets(["a", "b"], ["p", "q"], ["n", "a"])
    assert triplets.rows == [0, 1] and triplets.stacked() == ["a", "b", "p", "q", "n", "a"]
    assert triplets.texts() == ["a", "p", "n", "b", "q"]
    vectors = np.arange(5)[:, None] * np.ones((5, 2))
    a, p, n = triplets.vectors(triplets.texts(), vectors)
    assert a[:, 0].tolist() == [0, 3] and p[:, 0].tolist() == [1, 4] and n[:, 0].tolist() == [2, 0]
    assert triplets.role_of() == {
        "a": "anchor",
        "b": "anchor",
        "p": "positive",
        "q": "positive",
        "n": "negative",
    }
    assert triplets.subset([1]).rows == [1]


def test_training_split_holds_out_and_caps():
    training, held_out, capped = training_split(10, 3, 64)
    assert len(held_out) == 3 and sorted(training + held_out) == list(range(10)) and not capped
    training, held_out, capped = training_split(100, 0, 64)
    assert training == list(range(64)) and held_out == [] and capped


def test_first_lines_caps_with_a_message():
    texts, messages = first_lines("a\n\nb\na\nc", 2)
    assert texts == ["a", "b"]
    assert [m.level for m in messages] == ["info", "warning"]  # the duplicate, the cap
    assert first_lines(" \n", 5) == ([], [])


def test_chunk_legend_names_the_colours():
    legend = chunk_legend_html()
    assert all(colour in legend for colour in (*CHUNK_COLOURS, OVERLAP_COLOUR))
