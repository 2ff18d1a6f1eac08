"""Fine-tuning a private copy of the model on a few triplets, with the library's own losses.

The shared cached model is never trained: `CopyRegistry.fresh_copy` deep-copies it (and caps how
many copies live in this process). `fine_tune` is the training loop of sentence-transformers'
`SentenceTransformer.old_fit` (same batches, collate, AdamW parameter groups, gradient clipping,
constant learning rate), written out so it can report every step; tests/unit/test_finetune.py
proves it gives the same weights as `old_fit`. Triplet and InfoNCE use the library's
`TripletLoss(COSINE)` and `MultipleNegativesRankingLoss`; cosine-margin, which the library does not
have, is `CosineMarginLoss` below, built like the library's losses on `components.losses`.
"""

from __future__ import annotations

import copy
import gc
import io
import tempfile
import threading
import time
import weakref
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
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

from components.losses import LossName, cosine_margin_loss

MAX_COPIES = 3  # fine-tuned copies alive in this process at once (~90 MB each, more while training)
MAX_TRAIN_TRIPLETS = 64  # triplets one training run uses
MAX_EPOCHS = 10
NO_DECAY = ("bias", "LayerNorm.bias", "LayerNorm.weight")  # as in old_fit


class CopyLimitError(RuntimeError):
    """Too many fine-tuned copies are alive; the message is meant for the user."""


class CosineMarginLoss(nn.Module):
    def __init__(self, model: SentenceTransformer, margin: float = 0.5) -> None:
        """Cosine-margin loss as a sentence-transformers loss module.

        Given (anchor, positive, negative) triplets, pulls each positive above the margin m and
        pushes each negative below it, each on its own:

        ``loss = mean_i( max(0, m - cos(a_i, p_i)) + max(0, cos(a_i, n_i) - m) )``

        The per-triplet values are `components.losses.cosine_margin_loss`.

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


@dataclass(frozen=True)
class TrainConfig:
    loss: LossName = "triplet"
    epochs: int = 3
    batch_size: int = 8
    learning_rate: float = 5e-5
    weight_decay: float = 0.01  # old_fit's default
    max_grad_norm: float = 1.0  # old_fit's default
    margin: float = 0.5
    alpha: float = 0.2
    tau: float = 0.05
    use_negatives: bool = True  # InfoNCE: the explicit negatives join the softmax
    seed: int = 0


@dataclass
class TrainHistory:
    step_losses: list[float] = field(default_factory=list)  # one per optimiser step
    step_epochs: list[int] = field(default_factory=list)  # the (1-based) epoch of each step
    seconds: float = 0.0

    def epoch_means(self) -> list[float]:
        epochs = sorted(set(self.step_epochs))
        return [
            sum(
                loss
                for loss, e in zip(self.step_losses, self.step_epochs, strict=True)
                if e == epoch
            )
            / self.step_epochs.count(epoch)
            for epoch in epochs
        ]


StepCallback = Callable[[int, int, int, float], None]  # (step, total_steps, epoch, loss)


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
    with torch.random.fork_rng(devices=[]):  # seed locally: other sessions' randomness is untouched
        torch.manual_seed(config.seed)
        loader = triplet_loader(anchors, positives, negatives, config.batch_size, config.seed)
        loader.collate_fn = model.smart_batching_collate
        loss_model = make_loss(
            model, config.loss, margin=config.margin, alpha=config.alpha, tau=config.tau,
            use_negatives=config.use_negatives,
        )  # fmt: skip
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


class CopyRegistry:
    """Hands out deep copies of a model, at most `limit` alive in this process at once.

    A copy counts while anything holds it (weak references: a session that is gone frees its
    slot once garbage-collected).
    """

    def __init__(self, limit: int = MAX_COPIES) -> None:
        self.limit = limit
        self._live: weakref.WeakSet[SentenceTransformer] = weakref.WeakSet()
        self._lock = threading.Lock()

    def live(self) -> int:
        return len(self._live)

    def release(self, model: SentenceTransformer | None) -> None:
        """Stop counting `model` (its owner is replacing or dropping it)."""
        if model is not None:
            with self._lock:
                self._live.discard(model)

    def fresh_copy(
        self, model: SentenceTransformer, replacing: SentenceTransformer | None = None
    ) -> SentenceTransformer:
        """A deep copy of `model` to train; `replacing` (the caller's previous copy) frees its slot.

        Raises:
            CopyLimitError: `limit` copies are alive already.
        """
        with self._lock:
            if replacing is not None:
                self._live.discard(replacing)
            if len(self._live) >= self.limit:
                gc.collect()  # copies of closed sessions may only be waiting for the collector
            if len(self._live) >= self.limit:
                raise CopyLimitError(
                    f"{len(self._live)} fine-tuned copies are already in memory on this server "
                    f"(the cap is {self.limit}, to keep memory bounded). Try again in a few "
                    "minutes, when other sessions have ended or pressed Reset."
                )
            fresh = copy.deepcopy(model)
            self._live.add(fresh)
            return fresh


REGISTRY = CopyRegistry()


def model_zip(model: SentenceTransformer) -> bytes:
    """The model saved by `model.save`, as a zip file in memory (load it with SentenceTransformer)."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        model.save(folder)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for path in sorted(Path(folder).rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()
