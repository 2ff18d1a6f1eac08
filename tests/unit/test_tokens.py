"""Token pieces and chips (WordPiece and a SentencePiece tokenizer built here), token vectors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

from components.data.samples import load_preset
from components.models.encoder import token_embeddings
from components.pooling.tokens import (
    EXAMPLES,
    chips_html,
    find_word_vectors,
    token_view,
    tokenizer_style,
)
from components.vectors.similarity import cosine_similarity_matrix


@pytest.fixture(scope="module")
def sentencepiece_tokenizer() -> PreTrainedTokenizerFast:
    """A small Unigram tokenizer with SentencePiece's ▁ word marker, trained here (no download)."""
    tokenizer = Tokenizer(models.Unigram())
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    trainer = trainers.UnigramTrainer(
        vocab_size=300, special_tokens=["<s>", "</s>", "<unk>", "<pad>"], unk_token="<unk>"
    )
    corpus = load_preset("Eight topics, 240 sentences").texts
    tokenizer.train_from_iterator(corpus, trainer)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 1)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
    )


def test_wordpiece_pieces_specials_and_continuations(model):
    view = token_view(model.tokenizer, "quantumness rocks", 256)
    assert [p.text for p in view.pieces] == ["[CLS]", "quantum", "##ness", "rocks", "[SEP]"]
    assert [p.kind for p in view.pieces] == ["special", "start", "continuation", "start", "special"]
    assert [p.word for p in view.pieces] == [None, 0, 0, 1, None]
    assert view.pieces[1].id == model.tokenizer.convert_tokens_to_ids("quantum")
    assert view.style == tokenizer_style(model.tokenizer) == "WordPiece"
    assert not view.truncated and all(p.in_window for p in view.pieces)


def test_emoji_is_unknown_and_cjk_is_split_into_characters(model):
    view = token_view(model.tokenizer, EXAMPLES["Emoji"], 256)
    assert view.n_unknown >= 1 and any(p.text == "[UNK]" for p in view.pieces)
    cjk = token_view(model.tokenizer, "東京", 256)
    assert [p.text for p in cjk.pieces[1:-1]] == ["東", "京"]


def test_truncation_marks_what_the_model_never_sees(model):
    view = token_view(model.tokenizer, "word " * 300, 256)
    assert view.n_tokens == 302 and view.truncated
    seen = [p for p in view.pieces if p.in_window]
    # The model sees exactly what tokenize(truncation=True) gives: 255 pieces and its [SEP].
    truncated = model.tokenizer("word " * 300, truncation=True, max_length=256)["input_ids"]
    assert [p.id for p in seen] == truncated
    html = chips_html(view, beyond_shown=5)
    assert "✂ window of 256 tokens ends here" in html and "46 more pieces are cut off" in html
    assert "… 41 more" in html


def test_chips_escape_html(model):
    html = chips_html(token_view(model.tokenizer, "<script>alert(1)</script>", 256))
    assert "<script>" not in html and "&lt;" in html and "✂" not in html


def test_only_special_markers_are_all_special(model):
    view = token_view(model.tokenizer, "[CLS] [SEP]", 256)
    assert {p.kind for p in view.pieces} == {"special"}


def test_sentencepiece_tokenizer_shows_word_start_marks(sentencepiece_tokenizer):
    assert tokenizer_style(sentencepiece_tokenizer) == "SentencePiece"
    view = token_view(sentencepiece_tokenizer, "Quantumness explained", 256)
    texts = [p.text for p in view.pieces]
    assert texts[0] == "<s>" and texts[-1] == "</s>"
    starts = [p for p in view.pieces if p.kind == "start"]
    assert starts and all(p.text.startswith("▁") for p in starts)
    assert any(p.kind == "continuation" and not p.text.startswith("▁") for p in view.pieces)
    assert "▁" in chips_html(view)


def test_batched_token_embeddings_equal_model_encode_token_embeddings(model):
    texts = [*load_preset("Reference demo: physics and tacos").texts, "short", "word " * 300]
    tokens, mask = token_embeddings(model, texts, batch_size=2)
    reference = model.encode(texts, output_value="token_embeddings", batch_size=2)
    for row, expected in enumerate(reference):
        length = int(mask[row].sum())
        assert length == expected.shape[0]
        torch.testing.assert_close(tokens[row, :length], expected.cpu(), atol=1e-5, rtol=0)
        assert torch.all(tokens[row, length:] == 0)
    one_batch, one_mask = token_embeddings(model, texts, batch_size=len(texts))  # one batch
    assert torch.equal(mask, one_mask)
    real = mask.bool()
    torch.testing.assert_close(tokens[real], one_batch[real], atol=1e-5, rtol=0)


def test_empty_list_gives_empty_tensors(model):
    tokens, mask = token_embeddings(model, [])
    assert tokens.shape == (0, 0, 384) and mask.shape == (0, 0)


def test_word_in_context_vectors(model):
    sentences = [
        "We had a picnic on the bank of the river.",
        "The river bank was muddy after the storm.",
        "She asked the bank for a loan.",
        "No target word here.",
        "A BAT flew out of the cave, superconductivity aside.",
    ]
    tokens, _ = token_embeddings(model, sentences)
    found = find_word_vectors(
        model.tokenizer, 256, sentences, ["bank", "bat", "superconductivity"], tokens
    )
    assert [(f.sentence, f.word) for f in found] == [
        (0, "bank"),
        (1, "bank"),
        (2, "bank"),
        (4, "BAT"),
        (4, "superconductivity"),
    ]
    position = model.tokenizer.convert_ids_to_tokens(
        model.tokenizer(sentences[0])["input_ids"]
    ).index("bank")
    np.testing.assert_allclose(found[0].vector, tokens[0, position].numpy(), atol=1e-6)
    assert found[4].pieces[0] == "super" and len(found[4].pieces) > 1
    similarity = cosine_similarity_matrix(np.stack([f.vector for f in found[:3]]))
    # Two river banks are closer to each other than either is to the money bank.
    assert similarity[0, 1] > max(similarity[0, 2], similarity[1, 2])


def test_words_to_follow_are_distinct_and_capped():
    from components.core import limits
    from components.pooling.tokens import words_to_follow

    words, messages = words_to_follow("bank, " * 500)
    assert words == ["bank"] and messages == []
    words, _ = words_to_follow(" Bank ,bank, BAT,  river   bank ,,")
    assert words == ["Bank", "BAT", "river bank"]
    many = ", ".join(f"w{i}" for i in range(30)) + ", " + "x" * 100
    words, messages = words_to_follow(many)
    assert len(words) == limits.WORDS_TO_FOLLOW
    assert any("longer than" in m.text for m in messages)
    assert any(f"limit of {limits.WORDS_TO_FOLLOW}" in m.text for m in messages)


def test_repeated_words_are_followed_once(model):
    sentences = ["The river bank.", "The bank loan."]
    vectors, _ = token_embeddings(model, sentences)
    found = find_word_vectors(model.tokenizer, 256, sentences, ["bank"] * 500, vectors)
    assert len(found) == 2
