"""The logic that moved out of the pages (issue 15): document and upload caps, pasted rows, loss
settings and summaries, the training plan, query checks and the readings' numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from components.content.lab_notes import loss_softmax_bars
from components.core import limits
from components.core.texts import InputError
from components.data.documents import Document, from_text, read_uploads, within_budget
from components.data.triplets import COLUMNS, append_pasted
from components.pooling.pooling_readings import quality_reading, untrained_head_note
from components.retrieval.search_report import query_problem
from components.training.training_setup import TrainConfig, plan_training
from components.vectors.array_pooling import check_shapes
from components.vectors.find import found_table
from components.vectors.losses import (
    LossSettings,
    batch_losses,
    batch_means,
    cosine_margin_from_cosines,
    info_nce_softmax,
    landscapes,
    softmax_by_tau,
    triplet_from_cosines,
)
from components.vectors.predictions import score_class_guess

RNG = np.random.default_rng(0)


def test_within_budget_caps_documents_and_characters():
    many = [Document(f"d{i}", "x" * 10, "pasted") for i in range(limits.DOCUMENTS + 2)]
    kept, messages = within_budget(many)
    assert len(kept) == limits.DOCUMENTS and len(messages) == 1
    big = [
        Document("a", "a" * (limits.DOCUMENTS_CHARS - 5), "pasted"),
        Document("b", "b" * 20, "pasted"),
        Document("c", "c" * 3, "pasted"),
    ]
    kept, messages = within_budget(big)
    assert [len(d.text) for d in kept] == [limits.DOCUMENTS_CHARS - 5, 5]
    assert sum(len(d.text) for d in kept) == limits.DOCUMENTS_CHARS and len(messages) == 1
    assert within_budget(big[1:]) == (big[1:], [])


def test_read_uploads_keeps_the_good_files_and_says_why_others_were_left_out():
    def read(data: bytes, name: str):
        if not data:
            raise InputError(f"`{name}` is empty")
        return from_text(data.decode(), name)

    files = [("empty.txt", b"")] + [(f"{i}.txt", b"text") for i in range(limits.UPLOADS + 1)]
    kept, messages = read_uploads(files, read)
    assert [loaded.document.name for loaded in kept] == [
        f"{i}.txt" for i in range(limits.UPLOADS - 1)
    ]
    assert [m.level for m in messages] == ["error", "warning", "warning"]
    assert "empty" in messages[0].text and "at most" in messages[1].text


def test_append_pasted_adds_rows_up_to_the_table_limit():
    current = pd.DataFrame([["a", "p", "n"]], columns=list(COLUMNS))
    table, message = append_pasted(current, "b\tq\tm\nc\tr\to")
    assert table.values.tolist() == [["a", "p", "n"], ["b", "q", "m"], ["c", "r", "o"]]
    assert message.level == "info"
    full = pd.DataFrame([["a", "p", "n"]] * (limits.TABLE_ROWS - 1), columns=list(COLUMNS))
    table, message = append_pasted(full, "b\tq\tm\nc\tr\to")
    assert len(table) == limits.TABLE_ROWS and message.level == "warning"
    table, message = append_pasted(current, "x" * (limits.PASTE_CHARS + 1))
    assert table is None and message.level == "error"


def test_landscapes_are_the_formulas_on_the_grid():
    grid = np.linspace(-1, 1, 5)
    settings = LossSettings(margin=0.3, alpha=0.2, tau=0.1, use_negatives=True)
    (_, margin), (_, triplet), (_, nce) = landscapes(grid, settings)
    ap, an = np.meshgrid(grid, grid)
    np.testing.assert_allclose(margin, cosine_margin_from_cosines(ap, an, 0.3))
    np.testing.assert_allclose(triplet, triplet_from_cosines(ap, an, 0.2))
    np.testing.assert_allclose(nce[2, 4], np.log1p(np.exp((grid[2] - grid[4]) / 0.1)))


def test_batch_means_and_softmax_by_tau():
    a, p, n = (RNG.normal(size=(4, 8)) for _ in range(3))
    losses = batch_losses(a, p, n, margin=0.5, alpha=0.2, tau=0.05)
    means = batch_means(losses)
    assert means["Triplet (batch mean)"] == f"{losses.triplet.mean():.4f}"
    assert sum(map(int, means["easy / semi-hard / hard"].split(" / "))) == 4
    softmaxes = softmax_by_tau(a, p, n, 0.3, anchor=1)
    assert list(softmaxes) == [1.0, 0.3, 0.2, 0.05, 0.01]
    np.testing.assert_allclose(softmaxes[0.3], info_nce_softmax(a, p, n, 0.3, 1))
    assert "bars 5–8 its negatives" in loss_softmax_bars(4, True)


def test_plan_training_splits_caps_and_warns():
    plan = plan_training(10, 2, TrainConfig(batch_size=4, epochs=1))
    assert len(plan.training) == 8 and len(plan.held_out) == 2 and not plan.messages
    assert not set(plan.training) & set(plan.held_out)
    assert plan.summary.startswith("8 triplets to train on, 2 held out: 1 epoch × 2 steps.")
    capped = plan_training(limits.TRAIN_TRIPLETS + 10, 0, TrainConfig())
    assert len(capped.training) == limits.TRAIN_TRIPLETS and capped.messages[0].level == "warning"
    lonely = plan_training(1, 0, TrainConfig(loss="info_nce", use_negatives=False))
    assert [m.level for m in lonely.messages] == ["info"]


def test_query_problem():
    assert query_problem("short", 3, 254, 100) is None
    assert "characters" in query_problem("x" * 101, 3, 254, 100)
    assert "300 tokens" in query_problem("long", 300, 254, 1000)


def test_guess_metrics_and_details_name_the_rows():
    score = score_class_guess([0, 2], ["hard", "easy", "semi-hard", "hard"], {"hard"})
    assert score.metrics("p", "r") == {"Precision (p)": "0.50", "Recall (r)": "0.50"}
    assert score.details([10, 11, 12, 13], "hard").endswith(
        "Missed rows: 13. Marked but not hard: 12."
    )
    assert score_class_guess([], ["easy"]).metrics("p", "r")["Precision (p)"] == "—"


def test_readings_follow_the_numbers():
    scores = {
        "cls": (0.7, 0.9),
        "mean": (0.8, 1.0),
        "max": (0.85, 1.0),
        "mean_sqrt_len": (0.8, 1.0),
        "attention": (0.8, 1.0),
    }
    assert "**max** ranks best" in quality_reading(scores, 66, 26, True)
    assert "span only 0.1000 around uniform (1/3 = 0.333" in untrained_head_note(
        np.array([0.3, 0.3, 0.4])
    )


def test_found_table_and_the_one_shape_check():
    table = found_table([2, 0], ["a", "b", "c"], ["x", "y", "z"], {2: 0.5})
    assert table["row"].tolist() == [3, 1] and table["text"].tolist() == ["c", "a"]
    assert table["cosine to query"].iloc[0] == 0.5 and np.isnan(table["cosine to query"].iloc[1])
    assert "cosine to query" not in found_table([0], ["a"], ["x"]).columns
    check_shapes((2, 3, 4), (2, 3))
    with pytest.raises(ValueError, match="expected token_embeddings"):
        check_shapes((2, 3), (2, 3))
