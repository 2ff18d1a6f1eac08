from __future__ import annotations

import copy
import io
import zipfile

import numpy as np
import pytest
import torch
from sentence_transformers import SentenceTransformer

from components.data.samples import load_triplet_preset
from components.models.encoder import embed
from components.training.finetune import (
    CopyLimitError,
    CopyRegistry,
    CosineMarginLoss,
    TrainConfig,
    fine_tune,
    is_shareable,
    make_loss,
    model_zip,
    triplet_loader,
)
from components.vectors.losses import cosine_margin_loss

TABLE = load_triplet_preset("24 project triplets (some hard)").iloc[:6]
ANCHORS, POSITIVES, NEGATIVES = (TABLE[c].tolist() for c in ("anchor", "positive", "negative"))


def weights(model) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in model.parameters()])


@pytest.mark.parametrize(
    "config",
    [
        TrainConfig(loss="triplet", epochs=2, batch_size=4, alpha=0.3),
        TrainConfig(loss="info_nce", epochs=1, batch_size=3, tau=0.1),
        TrainConfig(loss="cosine_margin", epochs=1, batch_size=6, margin=0.4),
    ],
    ids=lambda config: config.loss,
)
def test_fine_tune_gives_the_weights_of_the_librarys_old_fit(model, config):
    """Our loop (which reports every step) against sentence-transformers' own training loop."""
    ours, theirs = copy.deepcopy(model), copy.deepcopy(model)
    steps = []
    history = fine_tune(
        ours, ANCHORS, POSITIVES, NEGATIVES, config, on_step=lambda *args: steps.append(args)
    )
    loader = triplet_loader(ANCHORS, POSITIVES, NEGATIVES, config.batch_size, config.seed)
    loss = make_loss(theirs, config.loss, margin=config.margin, alpha=config.alpha, tau=config.tau)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)  # same dropout masks
        theirs.old_fit(
            [(loader, loss)],
            epochs=config.epochs,
            scheduler="constantlr",
            optimizer_params={"lr": config.learning_rate},
            weight_decay=config.weight_decay,
            max_grad_norm=config.max_grad_norm,
            show_progress_bar=False,
        )
    theirs.eval()
    batches = -(-len(ANCHORS) // config.batch_size)
    assert len(history.step_losses) == len(steps) == batches * config.epochs
    assert steps[-1][:3] == (batches * config.epochs, batches * config.epochs, config.epochs)
    assert not torch.equal(weights(ours), weights(model))  # it did train ...
    torch.testing.assert_close(weights(ours), weights(theirs), atol=1e-6, rtol=0)  # ... the same
    np.testing.assert_allclose(embed(ours, ANCHORS), embed(theirs, ANCHORS), atol=1e-5)
    assert not ours.training


def test_training_lowers_the_loss_and_leaves_the_original_alone(model):
    before = weights(model).clone()
    trained = copy.deepcopy(model)
    config = TrainConfig(loss="triplet", epochs=3, batch_size=6, alpha=0.5, learning_rate=1e-4)
    history = fine_tune(trained, ANCHORS, POSITIVES, NEGATIVES, config)
    assert torch.equal(weights(model), before)
    assert len(history.epoch_means()) == 3 and history.seconds > 0

    def mean_margin(m):
        a, p, n = (embed(m, texts) for texts in (ANCHORS, POSITIVES, NEGATIVES))
        return float(np.mean(np.sum(a * p, 1) - np.sum(a * n, 1)))

    assert mean_margin(trained) > mean_margin(model) + 0.02


def test_cosine_margin_loss_module_equals_the_formula(model):
    loss = CosineMarginLoss(model, margin=0.3)
    a, p, n = (torch.from_numpy(embed(model, t)) for t in (ANCHORS, POSITIVES, NEGATIVES))
    value = loss.compute_loss_from_embeddings([a, p, n], torch.zeros(len(a)))
    cos_ap, cos_an = (a * p).sum(1), (a * n).sum(1)
    expected = (torch.relu(0.3 - cos_ap) + torch.relu(cos_an - 0.3)).mean()
    assert float(value) == pytest.approx(float(expected), abs=1e-6)
    assert float(value) == pytest.approx(float(cosine_margin_loss(a, p, n, 0.3).mean()))
    assert loss.get_config_dict() == {"margin": 0.3}


def test_info_nce_without_negatives_ignores_the_third_column(model):
    features = [model.preprocess(texts) for texts in (ANCHORS, POSITIVES, NEGATIVES)]
    labels = torch.zeros(len(ANCHORS))
    with torch.no_grad():
        pairs_only = make_loss(model, "info_nce", tau=0.05, use_negatives=False)(features, labels)
        reference = make_loss(model, "info_nce", tau=0.05)(features[:2], labels)
    assert float(pairs_only) == pytest.approx(float(reference), abs=1e-6)


def test_registry_caps_copies_and_frees_slots(model):
    registry = CopyRegistry(limit=2)
    first = registry.fresh_copy(model)
    second = registry.fresh_copy(model)
    assert first is not model and registry.live() == 2
    with pytest.raises(CopyLimitError, match="cap is 2"):
        registry.fresh_copy(model)
    # Replacing one's own copy is allowed (it frees its slot first).
    for _ in range(3):
        replacement = registry.fresh_copy(model, replacing=second)
        assert replacement is not second and registry.live() == 2
        second = replacement
    # The registry owns the copies (issue 9): a copy counts until it is released or evicted,
    # not until the garbage collector happens to find it.
    key = registry.key_of(first)
    del first
    assert registry.live() == 2
    registry.release(key)
    assert registry.live() == 1 and registry.get(key) is None
    registry.release(second)
    assert registry.live() == 0


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_copy_counts_from_creation_so_an_interrupted_training_cannot_bypass_the_cap(model):
    """The issue's bypass: a rerun during training left a copy nobody counted."""
    registry = CopyRegistry(limit=2)
    kept = registry.fresh_copy(model, owner="session A")  # trained and registered
    assert registry.key_of(kept) is not None
    training = registry.fresh_copy(model, owner="session A")  # trains again: the old one goes
    assert registry.key_of(kept) is None and registry.live() == 1
    del training  # a rerun interrupts the training: the page never registers it ...
    assert registry.live() == 1  # ... but it still counts, under its owner
    registry.fresh_copy(model, owner="session B")
    with pytest.raises(CopyLimitError):
        registry.fresh_copy(model, owner="session C")
    registry.release_owner("session A")  # Reset (or training again) releases it
    registry.fresh_copy(model, owner="session C")
    assert registry.live() == 2


def test_idle_copies_are_evicted_only_when_another_session_needs_the_room(model):
    clock = _Clock()
    registry = CopyRegistry(limit=2, idle_seconds=20 * 60, clock=clock)
    old = registry.key_of(registry.fresh_copy(model, owner="A"))
    clock.now = 60
    recent = registry.key_of(registry.fresh_copy(model, owner="B"))
    clock.now = 15 * 60
    assert registry.get(old) is not None  # used at 15 min: idle again from here
    with pytest.raises(CopyLimitError, match="20 minutes"):
        registry.fresh_copy(model, owner="C")
    clock.now = 22 * 60  # B idle 21 min, A idle 7 min
    registry.fresh_copy(model, owner="C")
    assert registry.get(recent) is None and registry.get(old) is not None
    assert registry.live() == 2


def test_only_weights_configs_and_vocabularies_are_shareable():
    for name in [
        "model.safetensors",
        "config.json",
        "1_Pooling/config.json",
        "tokenizer.json",
        "vocab.txt",
    ]:
        assert is_shareable(name), name
    for name in ["pytorch_model.bin", "modeling_custom.py", "README.md", "x/evil.pkl", "a.sh"]:
        assert not is_shareable(name), name


def test_model_zip_loads_back_as_the_same_model(model, tmp_path):
    data = model_zip(model)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert "modules.json" in names and "model.safetensors" in names
        assert all(is_shareable(name) for name in names) and "README.md" not in names
        archive.extractall(tmp_path)
    loaded = SentenceTransformer(str(tmp_path), device="cpu", local_files_only=True)
    np.testing.assert_allclose(embed(loaded, ANCHORS), embed(model, ANCHORS), atol=1e-6)
