"""Fine-tuning a private copy of the model on a few triplets, with the library's own losses.

The shared cached model is never trained: `CopyRegistry.fresh_copy` (components/training/training_setup.py,
which holds everything of fine-tuning that needs no torch) deep-copies it (and caps how
many copies live in this process, counting each from its creation). `fine_tune` is the training
loop of sentence-transformers' `SentenceTransformer.old_fit` (same batches, collate, AdamW parameter groups, gradient clipping,
constant learning rate), written out so it can report every step; tests/unit/test_finetune.py
proves it gives the same weights as `old_fit`. Triplet and InfoNCE use the library's
`TripletLoss(COSINE)` and `MultipleNegativesRankingLoss`; cosine-margin, which the library does not
have, is `CosineMarginLoss` below, built like the library's losses on `components.vectors.losses`.
"""

from __future__ import annotations

import io
import tempfile
import time
import zipfile
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

import torch
from sentence_transformers import InputExample, SentenceTransformer
from sentence_transformers.base.losses.merged_forward import embed_columns
from sentence_transformers.sentence_transformer.losses import (
    MultipleNegativesRankingLoss,
    TripletDistanceMetric,
    TripletLoss,
)
from torch import Tensor, nn
from torch.utils.data import DataLoader

from components.data.triplets import Triplets
from components.models.encoder import embed
from components.runtime.thread_safety import seeded
from components.training.training_report import TrainingResult
from components.training.training_setup import (  # noqa: F401 - re-exported: `finetune.TrainConfig` ...
    REGISTRY,
    CopyLimitError,
    CopyRegistry,
    StepCallback,
    TrainConfig,
    TrainHistory,
)
from components.vectors.losses import LossName, cosine_margin_loss

NO_DECAY = ("bias", "LayerNorm.bias", "LayerNorm.weight")  # as in old_fit


class CosineMarginLoss(nn.Module):
    def __init__(self, model: SentenceTransformer, margin: float = 0.5) -> None:
        """Cosine-margin loss as a sentence-transformers loss module.

        Given (anchor, positive, negative) triplets, pulls each positive above the margin m and
        pushes each negative below it, each on its own:

        ``loss = mean_i( max(0, m - cos(a_i, p_i)) + max(0, cos(a_i, n_i) - m) )``

        The per-triplet values are `components.vectors.losses.cosine_margin_loss`.

        Args:
            model: the SentenceTransformer being trained.
            margin: m, in [-1, 1].

        References:
            - Hadsell, Chopra & LeCun (2006), "Dimensionality Reduction by Learning an
              Invariant Mapping", CVPR.

        Requirements:
            1. (anchor, positive, negative) triplets, no labels.
        """
        super().__init__()
        self.model = model
        self.margin = margin

    def forward(self, sentence_features: Iterable[dict[str, Tensor]], labels: Tensor) -> Tensor:
        embeddings = embed_columns(self.model, sentence_features)
        return self.compute_loss_from_embeddings(embeddings, labels)

    def compute_loss_from_embeddings(self, embeddings: list[Tensor], labels: Tensor) -> Tensor:
        anchor, positive, negative = embeddings  # each (batch, dim)
        return cosine_margin_loss(anchor, positive, negative, self.margin).mean()

    def get_config_dict(self) -> dict[str, Any]:
        return {"margin": self.margin}


def make_loss(
    model: SentenceTransformer,
    name: LossName,
    *,
    margin: float = 0.5,
    alpha: float = 0.2,
    tau: float = 0.05,
    use_negatives: bool = True,
) -> nn.Module:
    """The training loss module for `name`, with the page's hyper-parameters."""
    if name == "triplet":
        return TripletLoss(model, TripletDistanceMetric.COSINE, triplet_margin=alpha)
    if name == "info_nce":
        loss = MultipleNegativesRankingLoss(model, scale=1.0 / tau)
        if not use_negatives:
            return _DropNegatives(loss)
        return loss
    if name == "cosine_margin":
        return CosineMarginLoss(model, margin)
    raise ValueError(f"unknown loss {name!r}")


class _DropNegatives(nn.Module):
    """Give an (anchor, positive) loss only the first two columns of triplet batches."""

    def __init__(self, loss: nn.Module) -> None:
        super().__init__()
        self.loss = loss

    def forward(self, sentence_features: Iterable[dict[str, Tensor]], labels: Tensor) -> Tensor:
        return self.loss(list(sentence_features)[:2], labels)


def triplet_loader(
    anchors: list[str], positives: list[str], negatives: list[str], batch_size: int, seed: int
) -> DataLoader:
    """Shuffled batches of InputExamples, reproducible by seed (the same loader old_fit takes)."""
    examples = [
        InputExample(texts=[anchor, positive, negative])
        for anchor, positive, negative in zip(anchors, positives, negatives, strict=True)
    ]
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(examples, batch_size=batch_size, shuffle=True, generator=generator)


def fine_tune(
    model: SentenceTransformer,
    anchors: list[str],
    positives: list[str],
    negatives: list[str],
    config: TrainConfig,
    on_step: StepCallback | None = None,
) -> TrainHistory:
    """Train `model` in place on the triplets (call it on a copy, never on the shared model).

    The loop is old_fit's: for each epoch, for each batch: loss, backward, clip the gradient norm,
    AdamW step (weight decay except biases and LayerNorm), constant learning rate. Dropout is on
    while training (model.train()); the model is put back in eval mode at the end.

    Returns:
        The loss of every step, with its epoch, and the wall time.
    """
    if not anchors:
        raise ValueError("no triplets to train on")
    started = time.perf_counter()
    history = TrainHistory()
    with seeded(config.seed):  # seed locally, under a lock: other sessions' randomness is untouched
        loader = triplet_loader(anchors, positives, negatives, config.batch_size, config.seed)
        loader.collate_fn = model.smart_batching_collate
        loss_model = make_loss(
            model,
            config.loss,
            margin=config.margin,
            alpha=config.alpha,
            tau=config.tau,
            use_negatives=config.use_negatives,
        )
        named = list(loss_model.named_parameters())
        optimizer = torch.optim.AdamW(
            [
                {
                    "params": [p for n, p in named if not any(nd in n for nd in NO_DECAY)],
                    "weight_decay": config.weight_decay,
                },
                {
                    "params": [p for n, p in named if any(nd in n for nd in NO_DECAY)],
                    "weight_decay": 0.0,
                },
            ],
            lr=config.learning_rate,
        )
        total = len(loader) * config.epochs
        step = 0
        try:
            for epoch in range(1, config.epochs + 1):
                loss_model.zero_grad()
                loss_model.train()
                for features, labels in loader:
                    loss_value = loss_model(features, labels)
                    loss_value.backward()
                    torch.nn.utils.clip_grad_norm_(loss_model.parameters(), config.max_grad_norm)
                    optimizer.step()
                    optimizer.zero_grad()
                    step += 1
                    history.step_losses.append(float(loss_value.detach()))
                    history.step_epochs.append(epoch)
                    if on_step is not None:
                        on_step(step, total, epoch, history.step_losses[-1])
        finally:
            model.eval()
    history.seconds = time.perf_counter() - started
    return history


# What a downloaded model may contain: weights as safetensors (never pickle: `pytorch_model.bin`
# can run code when loaded), JSON configs, and tokenizer vocabularies. No code (`*.py`), no model
# card (it is regenerated on load anyway).
SHAREABLE_SUFFIXES = (".safetensors", ".json")
SHAREABLE_NAMES = ("vocab.txt", "merges.txt", "spiece.model", "sentencepiece.bpe.model")


def is_shareable(relative_path: str) -> bool:
    """True for the files a fine-tuned model download may contain (see SHAREABLE_SUFFIXES)."""
    name = relative_path.rsplit("/", 1)[-1]
    return name.endswith(SHAREABLE_SUFFIXES) or name in SHAREABLE_NAMES


def model_zip(model: SentenceTransformer) -> bytes:
    """The model saved by `model.save`, as a zip in memory (load it with SentenceTransformer).

    Only safetensors weights, JSON configs and tokenizer vocabularies go in (`is_shareable`).

    Raises:
        RuntimeError: the saved model has no safetensors weights (it would not load back).
    """
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        model.save(folder, create_model_card=False, safe_serialization=True)
        files = [path for path in sorted(Path(folder).rglob("*")) if path.is_file()]
        names = [path.relative_to(folder).as_posix() for path in files]
        if not any(name.endswith(".safetensors") for name in names):
            raise RuntimeError("The model was not saved as safetensors; nothing to download.")
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for path, name in zip(files, names, strict=True):
                if is_shareable(name):
                    archive.write(path, name)
    return buffer.getvalue()


def fine_tune_and_compare(
    base_name: str,
    base: SentenceTransformer,
    trained: SentenceTransformer,
    triplets: Triplets,
    training: Triplets,
    held_out: Collection[int],
    config: TrainConfig,
    on_step: StepCallback | None = None,
) -> TrainingResult:
    """Fine-tune `trained` (a private copy of `base`) on `training`, and encode every sentence of
    `triplets` with both models: the run as the Loss lab keeps it.

    Args:
        base_name: the name `base` was loaded by (the result names it).
        held_out: indices into `triplets` kept out of training (the held-out check).
    """
    texts = triplets.texts()
    before = embed(base, texts)  # (sentences, dim)
    history = fine_tune(trained, *training.columns(), config, on_step=on_step)
    after = embed(trained, texts)  # (sentences, dim)
    flags = [i in set(held_out) for i in range(len(triplets))]
    whole = triplets.subset(range(len(triplets)))
    return TrainingResult(base_name, config, history, whole, flags, texts, before, after)
