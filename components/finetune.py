"""Fine-tuning a private copy of the model on a few triplets, with the library's own losses.

The shared cached model is never trained: `CopyRegistry.fresh_copy` deep-copies it (and caps how
many copies live in this process, counting each from its creation). `fine_tune` is the training
loop of sentence-transformers' `SentenceTransformer.old_fit` (same batches, collate, AdamW parameter groups, gradient clipping,
constant learning rate), written out so it can report every step; tests/unit/test_finetune.py
proves it gives the same weights as `old_fit`. Triplet and InfoNCE use the library's
`TripletLoss(COSINE)` and `MultipleNegativesRankingLoss`; cosine-margin, which the library does not
have, is `CosineMarginLoss` below, built like the library's losses on `components.losses`.
"""

from __future__ import annotations

import copy
import io
import itertools
import tempfile
import threading
import time
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

from components import limits
from components.losses import LossName, cosine_margin_loss
from components.thread_safety import model_lock, seeded

MAX_COPIES = limits.FINE_TUNED_COPIES  # alive at once (~90 MB each, more while training)
MAX_TRAIN_TRIPLETS = limits.TRAIN_TRIPLETS  # triplets one training run uses
MAX_EPOCHS = limits.EPOCHS
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
    with seeded(config.seed):  # seed locally, under a lock: other sessions' randomness is untouched
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


@dataclass
class _Copy:
    model: SentenceTransformer
    owner: str | None
    created: float
    last_used: float


class CopyRegistry:
    """Owns the fine-tuned copies of this process: at most `limit` at once, counted from creation.

    The registry holds the only lasting reference to each copy; a session keeps its copy's key
    (`key_of`) and looks it up with `get`, which also marks it used. So a copy counts from the
    moment it is made (a rerun that interrupts training cannot leave an uncounted copy behind:
    it stays counted under its owner until the owner trains again, resets, or it is evicted), and
    dropping a copy really frees its memory. When the cap is reached, the least recently used
    copy idle for `idle_seconds` or more is evicted to make room; a session whose copy was
    evicted finds `get` returning None.

    Thread-safe; pure Python (no streamlit).
    """

    def __init__(
        self,
        limit: int = MAX_COPIES,
        idle_seconds: float = limits.COPY_IDLE_MINUTES * 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._copies: dict[str, _Copy] = {}
        self._keys = (f"copy-{number}" for number in itertools.count(1))
        self._lock = threading.Lock()

    def live(self) -> int:
        """Copies counted right now (training or trained)."""
        with self._lock:
            return len(self._copies)

    def key_of(self, model: SentenceTransformer) -> str | None:
        """The key of a copy this registry made (None for any other model)."""
        with self._lock:
            return next((k for k, c in self._copies.items() if c.model is model), None)

    def get(self, key: str | None) -> SentenceTransformer | None:
        """The copy under `key`, marked as used now; None once it was released or evicted."""
        with self._lock:
            entry = self._copies.get(key) if key is not None else None
            if entry is None:
                return None
            entry.last_used = self._clock()
            return entry.model

    def touch(self, model: SentenceTransformer) -> None:
        """Mark a copy as used now (a session used it)."""
        self.get(self.key_of(model))

    def idle_seconds_of(self, key: str) -> float | None:
        with self._lock:
            entry = self._copies.get(key)
            return None if entry is None else self._clock() - entry.last_used

    def release(self, copy_or_key: SentenceTransformer | str | None) -> None:
        """Stop counting a copy and drop the registry's reference (Reset, or a failed run)."""
        if copy_or_key is None:
            return
        with self._lock:
            self._release(copy_or_key)

    def _release(self, copy_or_key: SentenceTransformer | str) -> None:
        if isinstance(copy_or_key, str):
            self._copies.pop(copy_or_key, None)
            return
        for key in [k for k, c in self._copies.items() if c.model is copy_or_key]:
            del self._copies[key]

    def release_owner(self, owner: str) -> None:
        """Drop every copy of one owner (e.g. a session)."""
        with self._lock:
            for key in [k for k, c in self._copies.items() if c.owner == owner]:
                del self._copies[key]

    def _evict_idle(self, now: float) -> bool:
        """Evict the least recently used copy idle for `idle_seconds`; True if one went."""
        idle = [
            (entry.last_used, key)
            for key, entry in self._copies.items()
            if now - entry.last_used >= self.idle_seconds
        ]
        if not idle:
            return False
        del self._copies[min(idle)[1]]
        return True

    def fresh_copy(
        self,
        model: SentenceTransformer,
        replacing: SentenceTransformer | str | None = None,
        *,
        owner: str | None = None,
    ) -> SentenceTransformer:
        """A deep copy of `model` to train, counted from now on.

        Args:
            replacing: the caller's previous copy (or its key): released first.
            owner: e.g. a session id; the owner's previous copies are released first (one copy
                per owner at a time, so its old copy is not kept while the new one trains).

        Raises:
            CopyLimitError: `limit` copies are alive and none has been idle for `idle_seconds`.
        """
        with self._lock:
            if replacing is not None:
                self._release(replacing)
            if owner is not None:
                for key in [k for k, c in self._copies.items() if c.owner == owner]:
                    del self._copies[key]
            now = self._clock()
            while len(self._copies) >= self.limit and self._evict_idle(now):
                pass
            if len(self._copies) >= self.limit:
                waits = sorted(
                    self.idle_seconds - (now - c.last_used) for c in self._copies.values()
                )
                raise CopyLimitError(
                    f"{len(self._copies)} fine-tuned copies are already in memory on this server "
                    f"(the cap is {self.limit}, to keep memory bounded). A copy unused for "
                    f"{self.idle_seconds / 60:.0f} minutes makes room: try again in about "
                    f"{max(1, round(waits[0] / 60))} minute(s), or when another session presses "
                    "Reset."
                )
            with model_lock(model):  # the shared tokenizer must not change while it is copied
                fresh = copy.deepcopy(model)
            self._copies[next(self._keys)] = _Copy(fresh, owner, now, now)
            return fresh


REGISTRY = CopyRegistry()


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
