"""The on-disk cache of vectors and maps: keys, atomic writes, and the shipped default preset."""

from __future__ import annotations

import numpy as np
import pytest

from components.data import result_cache
from components.data.samples import DEFAULT_PRESET, load_preset
from components.models.encoder import DEFAULT_MODEL
from components.models.onnx_files import CACHE_ENV
from components.vectors.projection import ProjectionResult, project


@pytest.fixture()
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    return tmp_path


def test_the_key_changes_with_everything_it_depends_on():
    key = result_cache.entry_key("vectors", "m@1", ["a", "b"])
    assert key == result_cache.entry_key("vectors", "m@1", ["a", "b"])  # stable
    others = [
        result_cache.entry_key("vectors", "m@2", ["a", "b"]),  # other weights
        result_cache.entry_key("vectors", "m@1", ["a", "b "]),  # one character
        result_cache.entry_key("vectors", "m@1", ["b", "a"]),  # order
        result_cache.entry_key("vectors", "m@1", ["ab"]),  # list boundaries
        result_cache.entry_key("vectors", "m@1", ["a", "b"], n=1),  # a parameter
        result_cache.entry_key("map", "m@1", ["a", "b"]),  # kind
    ]
    assert len({key, *others}) == len(others) + 1
    assert result_cache.entry_key("v", "m", ["ab", "c"]) != result_cache.entry_key(
        "v", "m", ["a", "bc"]
    )


def test_fingerprint_holds_the_weights_hash():
    fingerprint = result_cache.packaged_fingerprint(DEFAULT_MODEL)
    assert fingerprint.startswith(f"{DEFAULT_MODEL}@53aa51172d142c89")
    assert len(fingerprint.split("@")[1]) == 64


def test_vectors_round_trip_atomically(cache_dir):
    texts = ["one", "two", "three"]
    vectors = np.random.default_rng(0).normal(size=(3, 384)).astype(np.float32)
    assert result_cache.load_vectors("m@1", texts) is None
    path = result_cache.save_vectors("m@1", texts, vectors)
    assert path is not None and path.parent == cache_dir / "results"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left
    np.testing.assert_array_equal(result_cache.load_vectors("m@1", texts), vectors)
    assert result_cache.load_vectors("m@1", texts[:2]) is None
    assert result_cache.load_vectors("m@2", texts) is None


def test_projection_round_trip(cache_dir):
    texts = ["a", "b", "c", "d"]
    result = ProjectionResult(np.arange(8.0).reshape(4, 2), "pca", "UMAP needs at least 5.")
    result_cache.save_projection("m@1", texts, "umap", 2, {"n_neighbors": 15}, result)
    loaded = result_cache.load_projection("m@1", texts, "umap", 2, {"n_neighbors": 15})
    np.testing.assert_array_equal(loaded.coords, result.coords)
    assert (loaded.method_used, loaded.note) == ("pca", "UMAP needs at least 5.")
    assert result_cache.load_projection("m@1", texts, "umap", 2, {"n_neighbors": 16}) is None
    assert result_cache.load_projection("m@1", texts, "umap", 3, {"n_neighbors": 15}) is None


def test_a_damaged_or_pickled_file_is_a_miss(cache_dir):
    texts = ["x"]
    path = result_cache.save_vectors("m@1", texts, np.ones((1, 4), np.float32))
    path.write_bytes(b"garbage")
    assert result_cache.load_vectors("m@1", texts) is None
    with open(path, "wb") as stream:  # an archive holding a pickled object is refused
        np.savez(stream, vectors=np.array([object()], dtype=object))
    assert result_cache.load_vectors("m@1", texts) is None


def test_an_unwritable_cache_is_not_an_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(CACHE_ENV, str(blocker))
    assert result_cache.save_vectors("m@1", ["a"], np.ones((1, 2), np.float32)) is None


def test_shipped_default_preset_equals_a_fresh_computation(model, cache_dir):
    """The shipped vectors are what sentence-transformers computes; the shipped map is what
    `project` computes from them (so a cold server shows the same numbers as a warm one)."""
    fingerprint = result_cache.packaged_fingerprint(DEFAULT_MODEL)
    texts = load_preset(DEFAULT_PRESET).texts
    vectors = result_cache.load_vectors(fingerprint, texts)
    assert vectors is not None, "run `python -m components.services.on_disk` to ship the entries"
    np.testing.assert_allclose(
        vectors, model.encode(texts, normalize_embeddings=True), atol=1e-5, rtol=0
    )
    method, n_components, params = result_cache.DEFAULT_MAP
    shipped = result_cache.load_projection(fingerprint, texts, method, n_components, params)
    fresh = project(vectors, method, n_components, **params)
    assert (shipped.method_used, shipped.note) == (fresh.method_used, fresh.note)
    np.testing.assert_allclose(shipped.coords, fresh.coords, atol=1e-4)


def test_shipped_fresh_head_is_the_torch_heads_initial_weights():
    from components.pooling.attention_head import shipped_fresh_head
    from components.pooling.head_training import AttentionPoolingHead

    head = AttentionPoolingHead(384)
    shipped = shipped_fresh_head(384, 64, 0)
    assert shipped is not None
    np.testing.assert_array_equal(shipped.dense_weight, head.dense.weight.detach().numpy())
    np.testing.assert_array_equal(shipped.dense_bias, head.dense.bias.detach().numpy())
    np.testing.assert_array_equal(shipped.score_weight, head.score.weight.detach().numpy())
    assert shipped_fresh_head(384, 64, 1) is None


def test_the_shipped_heatmap_order_is_the_clustering_of_the_shipped_vectors():
    from components.vectors.similarity import cluster_order, cosine_similarity_matrix

    texts = load_preset(DEFAULT_PRESET).texts
    fingerprint = result_cache.packaged_fingerprint(DEFAULT_MODEL)
    vectors = result_cache.load_vectors(fingerprint, texts)
    assert vectors is not None
    shipped = result_cache.load_order(fingerprint, texts)
    assert shipped == cluster_order(cosine_similarity_matrix(vectors))


def test_an_order_that_is_not_a_permutation_of_the_texts_is_a_miss(cache_dir):
    texts = ["a", "b", "c"]
    result_cache.save_order("m@1", texts, [0, 1, 2])
    assert result_cache.load_order("m@1", texts) == [0, 1, 2]
    result_cache.save_order("m@1", texts, [0, 0, 2])
    assert result_cache.load_order("m@1", texts) is None
    assert result_cache.load_order("m@1", ["a", "b"]) is None  # other texts: another key
