"""The Loss lab's report of a fine-tuning run: cosines before/after, held-out check, movement."""

from __future__ import annotations

import numpy as np
import pytest

from components.data.triplets import Triplets
from components.training.finetune import TrainConfig, TrainHistory
from components.training.training_report import TrainingResult, held_out_report, movement
from components.vectors.losses import pairwise_cosine

TRIPLETS = Triplets(["a1", "a2", "a3", "a4"], ["p1", "p2", "p3", "p4"], ["n1", "n2", "n3", "a1"])


def result(held_out: list[bool], seed: int = 0, shift: float = 0.5) -> TrainingResult:
    """Random vectors before; after, every positive moved towards its anchor by `shift`."""
    texts = TRIPLETS.texts()
    generator = np.random.default_rng(seed)
    before = generator.normal(size=(len(texts), 8))
    after = before.copy()
    row = {text: i for i, text in enumerate(texts)}
    for anchor, positive, trained in zip(
        TRIPLETS.anchors, TRIPLETS.positives, held_out, strict=True
    ):
        if not trained:
            after[row[positive]] += shift * (before[row[anchor]] - before[row[positive]])
    history = TrainHistory([1.0, 0.5], [1, 1], 0.1)
    return TrainingResult("base", TrainConfig(), history, TRIPLETS, held_out, texts, before, after)


def test_cosines_are_the_row_cosines_of_the_triplets():
    run = result([False] * 4)
    texts = TRIPLETS.texts()
    a, p, n = TRIPLETS.vectors(texts, run.after)
    cos_ap, cos_an = run.cosines("after")
    np.testing.assert_allclose(cos_ap, pairwise_cosine(a, p))
    np.testing.assert_allclose(cos_an, pairwise_cosine(a, n))
    np.testing.assert_allclose(cos_an, run.cosines("before")[1])  # only positives moved
    assert (cos_ap > run.cosines("before")[0]).all()


def test_held_out_report_numbers():
    held = [False, False, True, True]
    run = result(held)
    report = held_out_report(run)
    (ap_b, an_b), (ap_a, an_a) = run.cosines("before"), run.cosines("after")
    mask = ~np.asarray(held)
    assert report.gap_train == pytest.approx(
        np.mean((ap_a - an_a)[mask]) - np.mean((ap_b - an_b)[mask])
    )
    assert report.gap_held == pytest.approx(0.0)  # held-out positives did not move
    assert report.table.index.tolist() == ["trained on", "held out"]
    assert report.table.loc["trained on", "wins after"] == f"{int(np.sum((ap_a > an_a)[mask]))} / 2"
    assert report.table.loc["held out", "gap before"] == f"{np.mean((ap_b - an_b)[~mask]):+.3f}"
    assert report.gap_train > 0 and not report.generalised
    assert "did **not** carry over" in report.summary()


def test_report_without_held_out_triplets_says_so():
    report = held_out_report(result([False] * 4))
    assert report.gap_held is None and (report.table.loc["held out"] == "—").all()
    assert "Hold some triplets out" in report.summary()


def test_a_change_that_carries_over_is_called_general():
    run = result([False, False, True, True])
    # Pretend the held-out positives moved just as much: train and evaluate on the same shift.
    everywhere = result([False] * 4)
    general = TrainingResult(
        *[getattr(everywhere, f) for f in ("base_name", "config", "history", "triplets")],
        [False, False, True, True],
        run.texts,
        everywhere.before,
        everywhere.after,
    )
    report = held_out_report(general)
    assert report.gap_held > 0.5 * report.gap_train > 0 and report.generalised
    assert "learned something general" in report.summary()


def test_movement_shares_one_pca_and_names_roles():
    run = result([False] * 4)
    moved = movement(run)
    assert moved.before.shape == moved.after.shape == (len(run.texts), 2)
    roles = dict(zip(run.texts, moved.roles, strict=True))
    assert roles["a1"] == "anchor" and roles["p2"] == "positive" and roles["n1"] == "negative"
