from __future__ import annotations

import numpy as np
import pytest

from components.data.samples import DEFAULT_PRESET, load_preset
from components.models.encoder import embed, load_fast_model, unnormalized_embed
from components.vectors.find import find_near, find_text
from components.vectors.geometry import (
    PRECISIONS,
    TRUNCATION_DIMS,
    binary_codes,
    hamming_neighbours,
    int8_codes,
    int8_decode,
    metric_agreement,
    metric_neighbours,
    neighbours,
    overlap_at_k,
    quantisation_overlap,
    scores,
    truncate,
    truncation_overlap,
)
from components.vectors.search import top_k

SENTENCES = load_preset(DEFAULT_PRESET).texts[::4]  # 60 sentences, every topic


@pytest.fixture(scope="module")
def preset():
    return load_preset(DEFAULT_PRESET)


@pytest.fixture(scope="module")
def unit_vectors(model):
    return embed(model, SENTENCES)  # (60, 384)


@pytest.fixture(scope="module")
def raw_vectors(model):
    return unnormalized_embed(model, SENTENCES)  # (60, 384), lengths ~4-7


# ---------------------------------------------------------------- Find


def test_find_text_ignores_case_and_blank_queries():
    texts = ["The River bank", "a bank loan", "Straße", "nothing"]
    np.testing.assert_array_equal(find_text(texts, "BANK"), [0, 1])
    np.testing.assert_array_equal(find_text(texts, "strasse"), [2])  # Unicode case folding
    assert find_text(texts, "   ").size == 0 and find_text(texts, "zebra").size == 0


def test_find_near_is_top_k_and_finds_the_topic(model, preset):
    vectors = embed(model, preset.texts)
    query = embed(model, ["a goal in the last minute of the match"])[0]
    indices, cosines = find_near(query, vectors, 10)
    expected = top_k(query, vectors, 10)
    np.testing.assert_array_equal(indices, expected[0])
    np.testing.assert_allclose(cosines, expected[1])
    assert (np.diff(cosines) <= 0).all()
    assert [preset.labels[i] for i in indices].count("football") >= 8


# ---------------------------------------------------------------- Vectors before Normalize


def test_unnormalized_vectors_normalise_to_embed(model, raw_vectors, unit_vectors):
    np.testing.assert_allclose(truncate(raw_vectors, 384), unit_vectors, atol=1e-5)
    lengths = np.linalg.norm(raw_vectors, axis=1)
    assert lengths.min() > 1.5 and lengths.max() / lengths.min() > 1.2  # unequal lengths
    assert unnormalized_embed(model, []).shape == (0, 384)


# ---------------------------------------------------------------- Metrics


def test_scores_by_hand():
    corpus = np.array([[3.0, 4.0], [1.0, 0.0]])
    query = np.array([[1.0, 0.0]])
    np.testing.assert_allclose(scores(corpus, query, "cosine"), [[0.6, 1.0]])
    np.testing.assert_allclose(scores(corpus, query, "dot"), [[3.0, 1.0]])
    np.testing.assert_allclose(scores(corpus, query, "euclidean"), [[-np.sqrt(20), 0.0]])
    with pytest.raises(ValueError):
        scores(corpus, query, "manhattan")


def test_neighbours_equal_top_k_without_self(unit_vectors):
    found = neighbours(unit_vectors, 5)
    for row in (0, 17, 59):
        indices, _ = top_k(unit_vectors[row], unit_vectors, 6)
        np.testing.assert_array_equal(found[row], [i for i in indices if i != row][:5])


def test_on_unit_vectors_every_metric_ranks_alike(unit_vectors):
    table = metric_agreement(unit_vectors, 10)
    assert (table["overlap@10"] > 1 - 1e-9).all() and (table["same nearest"] == 1.0).all()


def test_raw_lengths_change_dot_and_euclidean_neighbours(raw_vectors):
    table = metric_agreement(raw_vectors, 10).set_index(["metric", "vectors"])
    assert table.loc[("cosine", "raw lengths"), "overlap@10"] == 1.0
    assert table.loc[("dot product", "raw lengths"), "overlap@10"] < 0.97
    assert table.loc[("Euclidean distance", "raw lengths"), "overlap@10"] < 0.97
    for metric in ("cosine", "dot product", "Euclidean distance"):
        assert table.loc[(metric, "normalised"), "overlap@10"] == pytest.approx(1.0)


def test_dot_product_favours_long_vectors(raw_vectors):
    """Dot-product neighbours are longer on average than cosine ones: length leaks into the score."""
    lengths = np.linalg.norm(raw_vectors, axis=1)
    by_dot, by_cosine = neighbours(raw_vectors, 5, "dot"), neighbours(raw_vectors, 5, "cosine")
    assert lengths[by_dot].mean() > lengths[by_cosine].mean()


def test_metric_neighbours_table(raw_vectors):
    table = metric_neighbours(raw_vectors, 0, 5)
    assert len(table) == 15 and set(table["rank"]) == {1, 2, 3, 4, 5}
    cosine = table[table.metric == "cosine"]
    assert cosine["cosine rank"].tolist() == [1, 2, 3, 4, 5] and 0 not in set(table["index"])
    normalised = metric_neighbours(raw_vectors, 0, 5, normalised=True)
    assert (normalised["rank"] == normalised["cosine rank"]).all()


# ---------------------------------------------------------------- Fewer dimensions


def test_truncate_equals_the_library(model):
    expected = model.encode(SENTENCES[:12], truncate_dim=64, normalize_embeddings=True)
    np.testing.assert_allclose(truncate(embed(model, SENTENCES[:12]), 64), expected, atol=1e-5)


def test_overlap_grows_with_kept_dimensions(unit_vectors):
    table = truncation_overlap(unit_vectors, TRUNCATION_DIMS, k=10)
    assert table["dims"].tolist() == list(TRUNCATION_DIMS)
    overlap = table["overlap@10"].to_numpy()
    assert overlap[-1] == 1.0 and overlap[0] < 0.6 and overlap[-2] < 1.0
    assert (np.diff(overlap) > -0.05).all() and overlap[-2] > overlap[0]
    assert table["bytes per vector"].tolist() == [4 * d for d in TRUNCATION_DIMS]


# ---------------------------------------------------------------- Quantisation


def test_codes_equal_sentence_transformers(unit_vectors):
    from sentence_transformers.util.quantization import quantize_embeddings

    codes, ranges = int8_codes(unit_vectors)
    np.testing.assert_array_equal(codes, quantize_embeddings(unit_vectors, "int8"))
    np.testing.assert_array_equal(
        binary_codes(unit_vectors), quantize_embeddings(unit_vectors, "ubinary")
    )
    decoded = int8_decode(codes, ranges)
    step = (ranges[1] - ranges[0]) / 255
    assert (np.abs(decoded - unit_vectors) <= step / 2 + 1e-6).all()  # within half a bucket


def test_hamming_neighbours_by_bit_count():
    bits = binary_codes(np.random.default_rng(0).normal(size=(30, 20)))
    found = hamming_neighbours(bits, 20, 4)
    distances = np.bitwise_count(bits[:, None, :] ^ bits[None, :, :]).sum(axis=-1).astype(float)
    np.fill_diagonal(distances, np.inf)
    expected = np.argsort(distances, axis=1, kind="stable")[:, :4]
    np.testing.assert_array_equal(found, expected)


def test_quantisation_costs_neighbours_and_saves_bytes(unit_vectors):
    table = quantisation_overlap(unit_vectors, k=10).set_index("precision")
    assert list(table.index) == list(PRECISIONS)
    assert table["bytes per vector"].tolist() == [1536, 384, 384, 48]
    assert table.loc["float32", "bytes for all"] == 60 * 1536
    assert table.loc["int8 decoded", "bytes for all"] == 60 * 384 + 8 * 384
    overlap = table["overlap@10"]
    assert overlap["float32"] == 1.0
    assert overlap["int8 decoded"] > 0.95
    assert overlap["binary"] < overlap["int8 decoded"]
    assert overlap["int8 raw codes"] < overlap["int8 decoded"]


def test_overlap_at_k_by_hand():
    found = np.array([[1, 2, 3], [4, 5, 6]])
    reference = np.array([[3, 2, 9], [7, 8, 9]])
    np.testing.assert_allclose(overlap_at_k(found, reference), [2 / 3, 0.0])


@pytest.mark.parametrize("n", [0, 1, 2])
def test_tiny_inputs(n):
    vectors = np.random.default_rng(n).normal(size=(n, 16)).astype(np.float32)
    assert len(metric_agreement(vectors, 10)) == 6
    assert len(truncation_overlap(vectors, (4, 16), 10)) == 2
    assert len(quantisation_overlap(vectors, 10)) == 4


def test_unnormalized_vectors_of_the_onnx_encoder_equal_the_torch_model(raw_vectors):
    """The torch-free encoder gives the same pre-Normalize vectors (the server's default path)."""
    fast = load_fast_model()
    assert fast is not None
    assert np.abs(unnormalized_embed(fast, SENTENCES) - raw_vectors).max() < 1e-5
