"""The pure parts the Explore page calls: the lesson's demo, pair quizzes, hit tables, figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sentence_transformers import util

from components.content import lab_notes as notes
from components.core.tables import hits_table
from components.data.imported_vectors import describe
from components.data.samples import PARAPHRASE, REFERENCE_DEMO_CLAIMS
from components.data.vector_io import ImportedVectors
from components.explore.reference_demo import ReferenceDemo, demo_sentences
from components.models.encoder import embed
from components.vectors.model_comparison import compare_models, comparison_choices
from components.vectors.predictions import pair_cosines, pair_names, score_pair_ranking
from components.vectors.similarity import vector_figures


def test_reference_demo_matches_sentence_transformers(model):
    sentences = demo_sentences()
    assert len(sentences) == 4 and sentences[-1] == PARAPHRASE
    demo = ReferenceDemo.measure(sentences, embed(model, sentences))
    expected = util.cos_sim(*[model.encode(sentences, convert_to_tensor=True)] * 2)[0, 1:4]
    np.testing.assert_allclose(demo.cosines, expected.numpy(), atol=1e-5)
    table = pd.DataFrame(demo.table())
    assert table["pair"].tolist() == [*REFERENCE_DEMO_CLAIMS, "physics ↔ its paraphrase"]
    assert table["sentence B"].tolist() == sentences[1:]
    assert (table["sentence A"] == sentences[0]).all()
    assert demo.cosines[2] > demo.cosines[0]  # the paraphrase beats the same-subject pair
    reading = notes.explore_reference("MiniLM", *demo.cosines)
    assert f"**{demo.cosines[0]:.3f}**" in reading and f"**{demo.cosines[2]:.3f}**" in reading


def test_pair_cosines_are_dot_products_of_unit_rows(model):
    texts = ["A cat sat on the mat.", "A kitten rested on the rug.", "Stocks fell sharply."]
    vectors = embed(model, texts)
    pairs = [(0, 1), (1, 2)]
    expected = util.cos_sim(vectors, vectors).numpy()
    np.testing.assert_allclose(
        pair_cosines(vectors, pairs), [expected[0, 1], expected[1, 2]], atol=1e-5
    )
    assert pair_names(texts, pairs)[1] == "A kitten rested on the rug. ↔ Stocks fell sharply."


def test_comparison_choices_never_offer_the_model_in_use():
    choices = comparison_choices("b", ["a", "b", "c", "a"], "a", "random")
    assert choices == ["a", "c", "random"]
    assert comparison_choices("a", [], "a", "random") == ["random"]


def test_comparison_heatmaps_clip_the_difference():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(6, 8)), rng.normal(size=(6, 5))
    result = compare_models(a, b, k=2)
    maps = result.heatmaps(("A", "B"))
    assert list(maps) == ["A", "B", "B − A"]
    np.testing.assert_allclose(maps["B − A"], np.clip(result.difference, -1, 1))


def test_vector_figures_and_hits_table():
    vectors = np.eye(3, dtype=np.float32)
    figures = vector_figures("Sentences", vectors, ("Longest", "4 tokens"))
    assert figures == {
        "Sentences": "3",
        "Vector size": "3 d",
        "Longest": "4 tokens",
        "Mean cosine (pairs)": "0.000",
    }
    assert vector_figures("Vectors", vectors[:1], ("x", "y"))["Mean cosine (pairs)"] == "—"
    table = hits_table(
        "neighbour", ["a", "b", "c"], ["x", "y", "z"], np.array([2, 0]), np.array([0.9, 0.1])
    )
    assert table == {"neighbour": ["c", "a"], "label": ["z", "x"], "cosine": [0.9, 0.1]}


@pytest.mark.parametrize(
    ("rows", "model_name", "words"),
    [
        (1, None, "1 vector of 4 dimensions, made by a model the files do not name"),
        (1_200, "org/name", "1,200 vectors of 4 dimensions, made by `org/name`"),
    ],
)
def test_describe_an_import(rows, model_name, words):
    imported = ImportedVectors(
        np.zeros((rows, 4), np.float32), pd.DataFrame(index=range(rows)), "v.npy", "sha", model_name
    )
    assert describe(imported) == f"Read **v.npy**: {words}."


def test_ranking_figures_sign_rho_or_say_there_is_none():
    assert score_pair_ranking([1, 2, 3], [0.9, 0.5, 0.1]).figures() == {
        "Spearman ρ, your order vs the model's": "+1.00"
    }
    assert score_pair_ranking([1, 1, 1], [0.9, 0.5, 0.1]).figures() == {
        "Spearman ρ, your order vs the model's": "—"
    }
