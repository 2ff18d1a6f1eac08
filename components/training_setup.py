"""What a fine-tuning run is given and may use: its limits, settings and step history, and the
registry that caps the private copies alive in the process. No torch here: the Loss lab shows its
controls without importing torch; `components.finetune` (torch) is imported when a run starts.
"""

from __future__ import annotations

import copy
import gc
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from components.losses import LossName

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MAX_COPIES = 3  # fine-tuned copies alive in this process at once (~90 MB each, more while training)
MAX_TRAIN_TRIPLETS = 64  # triplets one training run uses
MAX_EPOCHS = 10


class CopyLimitError(RuntimeError):
    """Too many fine-tuned copies are alive; the message is meant for the user."""


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
