"""What a fine-tuning run changed: cosines before and after, on the trained and held-out triplets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from components.data.triplets import Triplets
from components.vectors.losses import pairwise_cosine
from components.vectors.projection import project

if TYPE_CHECKING:
    from components.training.training_setup import TrainConfig, TrainHistory

STATS = ("gap before", "gap after", "wins before", "wins after")


@dataclass(frozen=True)
class TrainingResult:
    """One fine-tuning run of the Loss lab, as the page keeps it.

    Attributes:
        triplets: every triplet of the table at training time.
        held_out: one flag per triplet, True when it was kept out of training.
        texts: the distinct sentences of the triplets.
        before, after: (sentences, dim) vectors of `texts` from the base model and the trained copy.
    """

    base_name: str
    config: TrainConfig
    history: TrainHistory
    triplets: Triplets
    held_out: list[bool]
    texts: list[str]
    before: np.ndarray
    after: np.ndarray

    def cosines(self, stage: str) -> tuple[np.ndarray, np.ndarray]:
        """(cos(a,p), cos(a,n)) of every triplet, (triplets,) each, "before" or "after"."""
        a, p, n = self.triplets.vectors(
            self.texts, self.before if stage == "before" else self.after
        )
        return pairwise_cosine(a, p), pairwise_cosine(a, n)


def run_metrics(result: TrainingResult) -> tuple[dict[str, str], dict[str, str]]:
    """The run at a glance: loss, time, steps and the mean loss of the last epoch (label ->
    value), and the change of that mean since epoch 1 (label -> delta, with two epochs or more)."""
    from components.vectors.losses import LOSS_NAMES

    history, epochs = result.history, result.config.epochs
    means = history.epoch_means()
    values = {
        "Loss": LOSS_NAMES[result.config.loss],
        "Training time": f"{history.seconds:.1f} s",
        "Steps": f"{len(history.step_losses)} ({epochs} epoch{'s' if epochs != 1 else ''})",
        "Mean loss, last epoch": f"{means[-1]:.4f}",
    }
    deltas = {"Mean loss, last epoch": f"{means[-1] - means[0]:+.4f} vs epoch 1"}
    return values, deltas if len(means) > 1 else {}


@dataclass(frozen=True)
class HeldOutReport:
    """Did the gap between positive and negative widen on held-out triplets too?

    Attributes:
        table: rows "trained on" and "held out"; columns `STATS` as text.
        gap_train: change of the mean gap cos(a,p) - cos(a,n) on the trained triplets.
        gap_held: the same on the held-out ones (None when none were held out).
    """

    table: pd.DataFrame
    gap_train: float
    gap_held: float | None

    @property
    def generalised(self) -> bool:
        """The held-out gap widened by more than half as much as the trained one (and it widened)."""
        return self.gap_held is not None and self.gap_held > 0.5 * self.gap_train > 0

    def summary(self) -> str:
        """The finding in one or two sentences of Markdown."""
        if self.gap_held is None:
            return (
                f"Training widened the gap between positive and negative by **{self.gap_train:+.3f}**. "
                "Hold some triplets out to see whether that carries over to sentences the model "
                "never saw."
            )
        verdict = (
            "carried over to the held-out triplets: the model learned something general"
            if self.generalised
            else "mostly did **not** carry over to the held-out triplets: with this few examples "
            "the model memorises them (overfitting)"
        )
        return (
            f"Training widened the gap between positive and negative by **{self.gap_train:+.3f}** "
            f"on the triplets it saw and by **{self.gap_held:+.3f}** on the held-out ones: the "
            f"change {verdict}."
        )


def _group_stats(result: TrainingResult, mask: np.ndarray) -> dict[str, str]:
    if not mask.any():
        return dict.fromkeys(STATS, "—")
    stats = {}
    for stage in ("before", "after"):
        ap, an = (cosines[mask] for cosines in result.cosines(stage))
        stats[f"gap {stage}"] = f"{np.mean(ap - an):+.3f}"
        stats[f"wins {stage}"] = f"{int(np.sum(ap > an))} / {int(mask.sum())}"
    return stats


def _gap_change(result: TrainingResult, mask: np.ndarray) -> float:
    (ap_before, an_before), (ap_after, an_after) = result.cosines("before"), result.cosines("after")
    return float(
        np.mean(ap_after[mask] - an_after[mask]) - np.mean(ap_before[mask] - an_before[mask])
    )


def held_out_report(result: TrainingResult) -> HeldOutReport:
    """Gap and wins before and after training, for the trained and the held-out triplets."""
    held = np.asarray(result.held_out, dtype=bool)
    table = pd.DataFrame(
        {"trained on": _group_stats(result, ~held), "held out": _group_stats(result, held)}
    ).T
    gap_held = _gap_change(result, held) if held.any() else None
    return HeldOutReport(table, _gap_change(result, ~held), gap_held)


@dataclass(frozen=True)
class Movement:
    before: np.ndarray  # (sentences, 2) map coordinates under the base model
    after: np.ndarray  # (sentences, 2) under the trained copy
    roles: list[str]  # "anchor", "positive" or "negative" of each sentence


def movement(result: TrainingResult) -> Movement:
    """One PCA of the vectors before and after training, so both share the same axes."""
    coords = project(np.vstack([result.before, result.after]), "pca", 2).coords
    count = len(result.texts)
    roles = result.triplets.role_of()
    return Movement(coords[:count], coords[count:], [roles[text] for text in result.texts])
