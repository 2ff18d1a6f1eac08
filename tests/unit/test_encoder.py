from __future__ import annotations

import numpy as np
import pytest
import torch
from sentence_transformers import util

from components.models.encoder import (
    DEFAULT_MODEL,
    ModelLoadError,
    count_tokens,
    embed,
    load_model,
    model_info,
    token_embeddings,
    tokenize,
)

SENTENCES = [
    "Quantum entanglement defies classical intuition.",
    "Superconductors expel magnetic fields below a critical temperature.",
    "The taco truck arrives every Tuesday.",
    "<script>alert('x')</script>",
    "Ünïcödé, emoji 🚀 and 中文 text.",
    "short",
]


def test_default_model_is_all_minilm_from_the_packaged_copy(model):
    info = model_info(model, DEFAULT_MODEL)
    assert (info.dimension, info.max_tokens) == (384, 256)
    assert info.source == "packaged offline copy"


def test_embed_equals_model_encode_normalised(model):
    ours = embed(model, SENTENCES)
    reference = model.encode(SENTENCES, normalize_embeddings=True)
    assert ours.shape == (len(SENTENCES), 384) and ours.dtype == np.float32
    np.testing.assert_allclose(ours, reference, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_embed_unnormalised_equals_model_encode(model):
    np.testing.assert_allclose(
        embed(model, SENTENCES, normalize=False), model.encode(SENTENCES), atol=1e-5
    )


def test_embed_of_nothing_is_an_empty_matrix(model):
    assert embed(model, []).shape == (0, 384)


def test_reference_demo_real_cosines(model):
    """The lesson claims ~0.6-0.8 for physics/physics; this model really gives about 0.03."""
    vectors = embed(model, SENTENCES[:3])
    cos = util.cos_sim(vectors, vectors).numpy()
    assert cos[0, 1] == pytest.approx(0.030, abs=0.005)
    assert cos[0, 2] == pytest.approx(-0.044, abs=0.005)


def test_mean_pooled_token_vectors_equal_the_models_pooling_and_embed(model):
    tokens, mask = token_embeddings(model, SENTENCES)  # (batch, tokens, dim), (batch, tokens)
    assert isinstance(tokens, torch.Tensor) and tokens.shape[0] == len(SENTENCES)
    weights = mask.unsqueeze(-1).float()
    mean = (tokens * weights).sum(1) / weights.sum(1)  # (batch, dim)
    features = model.preprocess(SENTENCES)
    with torch.no_grad():
        pooled = model[1](model[0](features))["sentence_embedding"]  # before Normalize
    np.testing.assert_allclose(mean.numpy(), pooled.numpy(), atol=1e-5)
    unit = torch.nn.functional.normalize(mean, dim=-1).numpy()
    np.testing.assert_allclose(unit, embed(model, SENTENCES), atol=1e-5)


def test_tokenize_marks_special_pieces_and_truncation(model):
    short = tokenize(model, "quantumness")
    assert short.tokens == ["[CLS]", "quantum", "##ness", "[SEP]"]
    assert short.special == [True, False, False, True] and not short.truncated
    long = tokenize(model, "word " * 400)
    assert len(long.ids) == 256 and long.truncated and long.tokens[-1] == "[SEP]"


def test_count_tokens_counts_before_truncation(model):
    assert count_tokens(model, ["hello world", "word " * 400]) == [4, 402]


@pytest.mark.parametrize("name", ["", "   ", "/no/such/folder/anywhere", "not a valid/id!!"])
def test_bad_model_names_raise_a_user_message(name):
    with pytest.raises(ModelLoadError):
        load_model(name)


def test_unknown_hub_model_fails_with_a_message_not_a_traceback(monkeypatch):
    # Offline here; with internet the hub answers 404. Either way: a ModelLoadError, quickly.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError, match="cannot be reached|Cannot load"):
        load_model("sentence-transformers/this-model-does-not-exist-xyz")


def test_a_model_missing_from_the_cache_is_downloaded(monkeypatch):
    """Only "not in the local cache" (an OSError) falls through to a download."""
    from components.models import encoder

    calls = []

    def factory(name, *, local_files_only=False, **_):
        calls.append(local_files_only)
        if local_files_only:
            raise OSError("couldn't find them in the cached files")
        return "downloaded"

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(encoder, "_hub_reachable", lambda timeout=3.0: True)
    assert encoder.load_by_name(factory, "org/model", "model", public=False) == "downloaded"
    assert calls == [True, False]


def test_a_cached_model_that_fails_to_load_is_not_downloaded_again(monkeypatch):
    """Any other failure of the cached copy is a message, not a silent download."""
    from components.models import encoder

    calls = []

    def factory(name, *, local_files_only=False, **_):
        calls.append(local_files_only)
        if local_files_only:
            raise KeyError("a config key this version does not know")
        return "downloaded"

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(encoder, "_hub_reachable", lambda timeout=3.0: True)
    with pytest.raises(ModelLoadError, match="model cache but does not load"):
        encoder.load_by_name(factory, "org/model", "model", public=False)
    assert calls == [True]  # no download tried
