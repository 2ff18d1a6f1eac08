"""The model card reads what a loaded model is made of."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tokenizers import Tokenizer, models
from transformers import PreTrainedTokenizerFast

from components.models.encoder import load_fast_model, packaged_model_path
from components.models.model_card import model_card, tokenizer_algorithm


@pytest.fixture(params=["sentence-transformers", "onnx"])
def either_model(request, model):
    """The packaged model as a SentenceTransformer and as the app's torch-free OnnxEncoder."""
    return model if request.param == "sentence-transformers" else load_fast_model()


def test_card_of_the_packaged_model_matches_its_files(either_model):
    card = model_card(either_model)
    folder = Path(packaged_model_path())
    tokenizer_file = json.loads((folder / "tokenizer.json").read_text())
    pooling_config = json.loads(next(folder.glob("1_Pooling/config.json")).read_text())
    assert card.dimension == 384 == pooling_config["word_embedding_dimension"]
    assert card.window == 256 == either_model.max_seq_length
    assert card.pooling == "mean" and pooling_config["pooling_mode_mean_tokens"]
    assert card.tokenizer == "WordPiece" == tokenizer_file["model"]["type"]
    assert card.vocabulary_size == 30522 == len(tokenizer_file["model"]["vocab"])
    assert card.normalized and card.architecture == "bert"
    assert card.modules == ("Transformer", "Pooling", "Normalize")


def test_card_reading_does_not_change_the_model(model):
    before = model.encode(["a sentence"], normalize_embeddings=True)
    model_card(model)
    assert (model.encode(["a sentence"], normalize_embeddings=True) == before).all()


def test_tokenizer_algorithm_names_sentencepiece_and_bpe():
    unigram = Tokenizer(models.Unigram([("<unk>", 0.0), ("▁quant", -1.0), ("um", -2.0)], 0))
    bpe = Tokenizer(models.BPE(vocab={"a": 0, "b": 1, "ab": 2}, merges=[("a", "b")]))
    assert tokenizer_algorithm(PreTrainedTokenizerFast(tokenizer_object=unigram)) == (
        "SentencePiece (Unigram)"
    )
    assert tokenizer_algorithm(PreTrainedTokenizerFast(tokenizer_object=bpe)) == "BPE"
