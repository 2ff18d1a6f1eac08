from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest

from components.core.texts import csv_bytes
from components.core.texts import csv_safe as safe_cell
from components.data.samples import DEFAULT_PRESET, load_preset
from components.models.encoder import embed
from components.vectors.clusters import (
    NOISE,
    class_tfidf,
    cluster_ids,
    cluster_sentences,
    cluster_words,
    clusters_table,
    inverse_purity,
    purity,
)


@pytest.fixture(scope="module")
def preset():
    return load_preset(DEFAULT_PRESET)


@pytest.fixture(scope="module")
def vectors(model, preset):
    return embed(model, preset.texts)  # (240, 384)


def test_class_tfidf_equals_a_hand_computation():
    """Class 0 = "apple banana apple", class 1 = "banana cherry".

    Counts: apple 2 / 0, banana 1 / 1, cherry 0 / 1; words per class 3 and 2, so A = int(2.5) = 2;
    f(apple) = 2, f(banana) = 2, f(cherry) = 1; idf = log(1 + 2/2), log(1 + 2/2), log(1 + 2/1).
    """
    table = class_tfidf(["apple banana apple", "banana cherry"])
    assert table.vocabulary == ["apple", "banana", "cherry"]
    expected = np.array(
        [
            [2 / 3 * math.log(2), 1 / 3 * math.log(2), 0.0],
            [0.0, 1 / 2 * math.log(2), 1 / 2 * math.log(3)],
        ]
    )
    np.testing.assert_allclose(table.scores, expected, atol=1e-12)


def test_class_tfidf_drops_english_stop_words_and_survives_an_empty_vocabulary():
    table = class_tfidf(["the cat and the hat", "a dog"])
    assert "the" not in table.vocabulary and "and" not in table.vocabulary
    assert {"cat", "hat", "dog"} <= set(table.vocabulary)
    empty = class_tfidf(["the and of", "a an"])
    assert empty.scores.shape == (2, 0) and empty.vocabulary == []


def test_cluster_words_names_each_cluster_by_its_distinctive_words():
    texts = [
        "The pasta boils in salted water.",
        "Boil the pasta until it is tender.",
        "The striker scored a penalty.",
        "A late penalty won the match.",
        "Noise sentence about nothing much.",
    ]
    words = cluster_words(texts, np.array([0, 0, 1, 1, NOISE]), top_n=2)
    assert set(words) == {0, 1}  # noise gets no c-TF-IDF words
    assert words[0][0][0] == "pasta" and words[1][0][0] == "penalty"
    assert all(score > 0 for ranked in words.values() for _, score in ranked)


def test_ties_are_broken_alphabetically():
    words = cluster_words(["zebra apple", "mango kiwi"], np.array([0, 1]), top_n=2)
    assert [w for w, _ in words[0]] == ["apple", "zebra"]
    assert [w for w, _ in words[1]] == ["kiwi", "mango"]


def test_kmeans_names_are_deterministic_with_a_seed(preset, vectors):
    first = cluster_sentences(preset.texts, vectors, "kmeans", n_clusters=8, seed=7)
    second = cluster_sentences(preset.texts, vectors, "kmeans", n_clusters=8, seed=7)
    np.testing.assert_array_equal(first.ids, second.ids)
    assert first.names == second.names and first.words == second.words
    assert first.n_clusters == 8 and not first.note


def test_ids_are_numbered_by_size(preset, vectors):
    ids = cluster_sentences(preset.texts, vectors, "kmeans", n_clusters=8).ids
    sizes = np.bincount(ids)
    assert (np.diff(sizes) <= 0).all()


def test_kmeans_finds_the_preset_topics(preset, vectors):
    """Eight topics, eight clusters: most clusters are one topic, and names say which."""
    clustering = cluster_sentences(preset.texts, vectors, "kmeans", n_clusters=8)
    assert purity(clustering.ids, preset.labels) > 0.75
    names = " ".join(clustering.names.values())
    for word in ("football", "song", "code"):
        assert word in names


def test_hdbscan_leaves_noise_and_names_it(preset, vectors):
    clustering = cluster_sentences(preset.texts, vectors, "hdbscan", min_cluster_size=5)
    assert (clustering.ids == NOISE).any() and clustering.names[NOISE] == "unclustered"
    assert clustering.n_clusters >= 3
    again = cluster_sentences(preset.texts, vectors, "hdbscan", min_cluster_size=5)
    np.testing.assert_array_equal(clustering.ids, again.ids)
    assert purity(clustering.ids, preset.labels) > 0.8


@pytest.mark.parametrize("method", ["kmeans", "hdbscan"])
@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_tiny_inputs(method, n):
    vectors = np.random.default_rng(n).normal(size=(n, 16))
    ids, note = cluster_ids(vectors, method, n_clusters=8, min_cluster_size=5)
    assert ids.shape == (n,)
    if n and method == "kmeans":
        assert f"k lowered to {n}" in note and len(set(ids.tolist())) <= n
    if n and method == "hdbscan":
        assert (ids == NOISE).all() and "all are noise" in note


def test_unknown_method_is_refused():
    with pytest.raises(ValueError):
        cluster_ids(np.eye(4), "dbscan")


def test_purity_on_known_cases():
    labels = ["a", "a", "b", "b"]
    assert purity([0, 0, 1, 1], labels) == 1.0
    assert purity([0, 0, 0, 0], labels) == 0.5
    assert purity([0, 1, 2, 3], labels) == 1.0  # trivially pure: one sentence per cluster
    assert inverse_purity([0, 1, 2, 3], labels) == 0.5  # ...which inverse purity exposes
    assert inverse_purity([0, 0, 0, 0], labels) == 1.0
    assert purity([0, 0, 1, 1, 1], ["a", "b", "b", "b", "c"]) == pytest.approx(3 / 5)
    assert purity([0, 0, NOISE, NOISE], ["a", "b", "b", "b"]) == 0.5  # noise left out: 1 of 2
    assert math.isnan(purity([NOISE, NOISE], ["a", "b"]))


def test_csv_export_neutralises_formulas_and_keeps_the_text(preset, vectors):
    texts = ['=HYPERLINK("http://x")', "+1 and -1", "-minus", "@user", "naïve café ✓", "plain"]
    clustering = cluster_sentences(texts, vectors[: len(texts)], "kmeans", n_clusters=2)
    data = csv_bytes(clustering_table := clusters_table(texts, clustering, ["=lbl"] * 6))
    back = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    assert list(back.columns) == ["text", "cluster", "cluster_name", "label"]
    assert back["text"].tolist() == [
        '\'=HYPERLINK("http://x")',
        "'+1 and -1",
        "'-minus",
        "'@user",
        "naïve café ✓",
        "plain",
    ]
    assert (back["label"] == "'=lbl").all()
    assert back["cluster"].tolist() == [str(c) for c in clustering_table["cluster"]]


def test_safe_cell_leaves_numbers_alone():
    assert safe_cell(-1) == -1 and safe_cell("\tx") == "'\tx" and safe_cell("a=b") == "a=b"
    table = pd.DataFrame({"cluster": [-1, 2], "text": ["-x", "y"]})
    assert csv_bytes(table).decode().splitlines() == ["cluster,text", "-1,'-x", "2,y"]


def test_identical_vectors_cap_k_at_the_distinct_ones_without_a_library_warning():
    import warnings

    base = np.random.default_rng(0).normal(size=(3, 16))
    vectors = np.repeat(base, [4, 3, 1], axis=0)  # 8 sentences, 3 different vectors
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # sklearn's ConvergenceWarning would fail here
        ids, note = cluster_ids(vectors, "kmeans", n_clusters=8)
    assert "Only 3 of the 8 sentences have different vectors" in note and "k lowered to 3" in note
    assert sorted(np.bincount(ids).tolist()) == [1, 3, 4]  # each distinct vector its own cluster
    _, one = cluster_ids(vectors[:1], "hdbscan")
    assert one.startswith("1 sentence is fewer")
