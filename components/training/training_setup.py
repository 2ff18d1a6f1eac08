"""What a fine-tuning run is given and may use: its limits, settings and step history, and the
registry that owns the private copies alive in the process. No torch here: the Loss lab shows its
controls without importing torch; `components.training.finetune` (torch) is imported when a run starts.
"""

from __future__ import annotations

import copy
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from components.core import limits
from components.core.texts import Message
from components.runtime.thread_safety import model_lock
from components.vectors.losses import LossName

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


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


@dataclass(frozen=True)
class TrainingPlan:
    """Which triplets a run trains on and holds out, and what the page says about it.

    Attributes:
        training, held_out: indices into the table's usable triplets.
        messages: notes: the cap cut the training set, InfoNCE has nothing to
            compare with.
        summary: one sentence: how many triplets, epochs and steps.
    """

    training: list[int]
    held_out: list[int]
    messages: list[Message]
    summary: str


def plan_training(n: int, held_out: int, config: TrainConfig) -> TrainingPlan:
    """Split `n` triplets (`held_out` of them kept out, at most `limits.TRAIN_TRIPLETS` trained on)
    and describe the run `config` would make of them."""
    from components.data.triplets import training_split

    training, kept_out, capped = training_split(n, held_out, limits.TRAIN_TRIPLETS)
    messages = []
    if capped:
        messages.append(
            Message(
                "warning",
                f"{n - len(kept_out)} training triplets is over the cap of "
                f"{limits.TRAIN_TRIPLETS} (to keep training under a minute): the first "
                f"{limits.TRAIN_TRIPLETS} are used.",
            )
        )
    if config.loss == "info_nce" and len(training) == 1 and not config.use_negatives:
        messages.append(
            Message(
                "info",
                "InfoNCE on one triplet without negatives has nothing to "
                "compare with: its loss is 0.",
            )
        )
    steps = -(-len(training) // config.batch_size)
    epochs = f"{config.epochs} epoch{'s' if config.epochs != 1 else ''}"
    summary = (
        f"{len(training)} triplets to train on, {len(kept_out)} held out: {epochs} × {steps} "
        f"step{'s' if steps != 1 else ''}. A step of 8 triplets takes about 0.3–1 s on 2 free "
        "CPU cores, longer when the server is busy."
    )
    return TrainingPlan(training, kept_out, messages, summary)


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
        limit: int = limits.FINE_TUNED_COPIES,
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
