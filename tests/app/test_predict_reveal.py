"""Predict, then reveal, on Explore and the Loss lab: hidden until Reveal, then scored."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from components.models.encoder import embed
from components.vectors.losses import classify, pairwise_cosine
from components.vectors.predictions import pick_pairs
from tests.app.conftest import open_page, texts_of

SENTENCES = [
    "How do I sort a list in Python?",
    "Python list sort methods?",
    "What is the GDP of Canada?",
    "The taco truck arrives every Tuesday.",
    "Signs you're low on iron",
    "Symptoms of iron-deficiency anaemia?",
]


def loss_tables(app) -> list:
    """The tables on the page with the per-triplet losses (the Loss lab's `loss_table_view`)."""
    columns = {"cos(a,p)", "cos(a,n)", "triplet"}
    return [frame.value for frame in app.dataframe if columns <= set(frame.value.columns)]


def test_explore_hides_the_heatmap_until_reveal_then_scores_the_ranking(model):
    app = open_page("pages/1_Explore.py")
    app.text_area(key="explore_text").input("\n".join(SENTENCES)).run()
    app.toggle(key="explore_predict").set_value(True).run()
    assert not app.exception
    assert not app.get("plotly_chart")  # nothing to peek at
    assert "press **Reveal**" in texts_of(app.info)
    vectors = embed(model, SENTENCES)
    pairs = pick_pairs(vectors, count=5, seed=len(SENTENCES))
    cosines = np.array([vectors[a] @ vectors[b] for a, b in pairs])
    guess = [5, 4, 3, 2, 1]
    for number, rank in enumerate(guess):
        app.number_input(key=f"explore_rank_{number}").set_value(rank)
    app.button(key="explore_predict_reveal").click().run()
    assert not app.exception
    assert app.get("plotly_chart")  # the heatmap is back
    expected = spearmanr(guess, -cosines).statistic
    shown = {metric.label: metric.value for metric in app.metric}
    assert shown["Spearman ρ, your order vs the model's"] == f"{expected:+.2f}"


def test_loss_lab_guess_is_scored_against_the_real_classes(model):
    app = open_page("pages/3_Loss_Lab.py")
    app.toggle(key="loss_predict").set_value(True).run()
    assert not app.exception
    assert not loss_tables(app)  # the per-triplet losses stay hidden until Reveal
    table = app.session_state["_loss_table_edited"]
    vectors = [
        embed(model, table[column].tolist()) for column in ("anchor", "positive", "negative")
    ]
    classes = classify(
        pairwise_cosine(vectors[0], vectors[1]), pairwise_cosine(vectors[0], vectors[2]), 0.2
    )
    hard = [i for i, name in enumerate(classes) if name == "hard"]
    assert hard  # the preset has hard triplets
    guess = [hard[0], classes.index("easy")]
    app.multiselect(key="loss_guess").set_value(guess).run()
    app.button(key="loss_predict_reveal").click().run()
    assert not app.exception
    shown = {metric.label: metric.value for metric in app.metric}
    assert shown["Precision (your guesses that are hard)"] == "0.50"
    assert shown["Recall (hard ones you found)"] == f"{1 / len(hard):.2f}"
    revealed = loss_tables(app)
    assert len(revealed) == 1 and len(revealed[0]) == len(table)  # one row per triplet
    assert pytest.approx(1 / len(hard), abs=0.005) == float(shown["Recall (hard ones you found)"])
