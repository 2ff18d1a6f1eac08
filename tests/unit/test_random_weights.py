"""A BERT's random weights drawn in numpy (components/models/random_weights.py) against torch itself."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from components.models.onnx_files import packaged_model_path, read_pipeline
from components.models.random_weights import (
    TorchGenerator,
    bert_random_state,
    is_replayable,
    read_config,
)

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def config() -> dict:
    return read_config(read_pipeline(packaged_model_path()).transformer_dir)


@pytest.mark.parametrize("count", [16, 17, 31, 384, 1000])
def test_uniform_and_normal_draws_equal_torchs(count):
    ours = TorchGenerator(3)
    torch.manual_seed(3)
    np.testing.assert_array_equal(ours.uniform(count), torch.empty(count).uniform_().numpy())
    np.testing.assert_allclose(
        ours.normal(count, 0.5, 2.0), torch.empty(count).normal_(0.5, 2.0).numpy(), atol=1e-6
    )
    ours.skip_normal(count)
    torch.empty(count).normal_()
    np.testing.assert_array_equal(ours.uniform(5), torch.empty(5).uniform_().numpy())


@pytest.mark.parametrize("seed", [0, 7])
def test_bert_random_state_equals_from_config_under_the_seed(config, seed):
    """Every tensor of `AutoModel.from_config` under `torch.manual_seed(seed)`, as
    `untrained_copy` builds it (same names, shapes, dtype; values within 1e-6)."""
    from transformers import AutoConfig, AutoModel

    transformer_dir = str(read_pipeline(packaged_model_path()).transformer_dir)
    hf_config = copy.deepcopy(AutoConfig.from_pretrained(transformer_dir, local_files_only=True))
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        reference = AutoModel.from_config(hf_config).state_dict()
    ours = bert_random_state(config, seed)
    assert set(ours) == set(reference)
    for name, tensor in reference.items():
        expected = tensor.numpy()
        assert ours[name].dtype == expected.dtype and ours[name].shape == expected.shape, name
        np.testing.assert_allclose(ours[name], expected, atol=1e-6, rtol=0, err_msg=name)
    assert not ours["embeddings.word_embeddings.weight"][config["pad_token_id"]].any()


def test_other_architectures_are_refused(config):
    assert is_replayable(config)
    for changed in (
        {"model_type": "roberta"},
        {"position_embedding_type": "relative_key"},
        {"architectures": ["BertForMaskedLM"]},
        {"hidden_size": None},
    ):
        other = {**config, **changed}
        assert not is_replayable(other)
        with pytest.raises(ValueError):
            bert_random_state(other, 0)
