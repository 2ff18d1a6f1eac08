from __future__ import annotations

import threading

import numpy as np
import pytest
from sklearn.decomposition import PCA

from components.data.samples import DEFAULT_PRESET, load_preset
from components.models.encoder import embed
from components.vectors.projection import LARGE_N, project, umap_epochs


@pytest.fixture(scope="module")
def vectors(model):
    return embed(model, load_preset(DEFAULT_PRESET).texts)  # (240, 384)


def random_vectors(n: int) -> np.ndarray:
    return np.random.default_rng(n).normal(size=(n, 384)).astype(np.float32)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
@pytest.mark.parametrize("method", ["umap", "pca", "tsne"])
@pytest.mark.parametrize("n_components", [2, 3])
def test_small_n_always_gives_finite_coordinates(n, method, n_components):
    result = project(random_vectors(n), method, n_components)
    assert result.coords.shape == (n, n_components)
    assert np.isfinite(result.coords).all()


def test_one_point_explains_why_there_is_no_map():
    result = project(random_vectors(1), "umap")
    assert result.method_used == "none" and "at least one more" in result.note


@pytest.mark.parametrize("method", ["umap", "tsne"])
def test_too_few_points_fall_back_to_pca_and_say_so(method):
    result = project(random_vectors(3), method)
    assert result.method_used == "pca" and "PCA is shown" in result.note


def test_two_points_have_one_direction():
    result = project(random_vectors(2), "pca", 2)
    assert np.allclose(result.coords[:, 1], 0) and "1 direction" in result.note


def test_five_points_run_umap_with_clamped_neighbours():
    result = project(random_vectors(5), "umap", n_neighbors=15)
    assert result.method_used == "umap" and "n_neighbors lowered to 4" in result.note


def test_no_points_is_fine():
    assert project(np.zeros((0, 384)), "pca").coords.shape == (0, 2)


def test_unknown_method_is_refused():
    with pytest.raises(ValueError):
        project(random_vectors(10), "lda")


def test_pca_equals_sklearn(vectors):
    result = project(vectors, "pca", 3)
    np.testing.assert_allclose(
        np.abs(result.coords), np.abs(PCA(3).fit_transform(vectors.astype(np.float64))), atol=1e-5
    )
    assert result.note == ""


@pytest.mark.parametrize("method", ["umap", "tsne", "pca"])
def test_real_sentences_project_with_the_method_asked(vectors, method):
    result = project(vectors, method, 2)
    assert result.method_used == method and result.coords.shape == (240, 2)
    assert np.isfinite(result.coords).all() and result.coords.std() > 0


def test_umap_on_500_points_is_reproducible():
    data = random_vectors(500)
    first, second = project(data, "umap", 3), project(data, "umap", 3)
    assert first.coords.shape == (500, 3)
    np.testing.assert_allclose(first.coords, second.coords)


def test_umap_keeps_topics_together(vectors):
    """Neighbours on the UMAP map mostly share their topic label (a real, falsifiable claim)."""
    labels = np.array(load_preset(DEFAULT_PRESET).labels)
    coords = project(vectors, "umap", 2).coords
    distances = np.linalg.norm(coords[:, None] - coords[None], axis=-1)
    np.fill_diagonal(distances, np.inf)
    nearest = distances.argmin(axis=1)
    assert (labels[nearest] == labels).mean() > 0.7


def clustered_vectors(n: int, topics: int = 12, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(topics, 384))
    vectors = centres[rng.integers(0, topics, n)] + 0.5 * rng.normal(size=(n, 384))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_umap_epochs_fall_with_n_within_bounds():
    assert umap_epochs(LARGE_N - 1) is None  # umap's own choice below the fast road
    assert umap_epochs(LARGE_N) == umap_epochs(10_000) == 150
    counts = [umap_epochs(n) for n in (10_000, 20_000, 50_000, 100_000)]
    assert counts == sorted(counts, reverse=True) and counts[-1] == 80


def test_large_n_reports_each_stage_and_the_epochs():
    reports: list[tuple[float, str]] = []
    vectors = clustered_vectors(LARGE_N + 100)
    result = project(vectors, "umap", progress=lambda share, text: reports.append((share, text)))
    assert result.method_used == "umap" and result.coords.shape == (LARGE_N + 100, 2)
    assert np.isfinite(result.coords).all()
    shares = [share for share, _ in reports]
    assert shares == sorted(shares) and shares[-1] == 1.0
    texts = " | ".join(text for _, text in reports)
    assert "with PCA" in texts and "nearest neighbours" in texts
    assert f"epoch {umap_epochs(LARGE_N + 100)} of {umap_epochs(LARGE_N + 100)}" in texts


def test_a_progress_callback_that_raises_stops_the_layout():
    class Stop(Exception):
        pass

    def stop_in_layout(share: float, text: str) -> None:
        if text.startswith("Laying out"):
            raise Stop

    from tqdm import tqdm

    from components.runtime.thread_safety import ForgivingLock

    tqdm.set_lock(ForgivingLock())  # a fresh lock: this test checks that the layout frees it
    with pytest.raises(Stop):
        project(clustered_vectors(LARGE_N), "umap", progress=stop_in_layout)
    # tqdm's process-wide lock is free afterwards (another thread can take it): a raise inside
    # tqdm's write once left it held, and every later encode in every session waited forever.

    taken: list[bool] = []

    def take_and_release() -> None:
        lock = tqdm.get_lock()
        taken.append(lock.acquire(timeout=5))
        if taken[-1]:
            lock.release()

    other = threading.Thread(target=take_and_release)
    other.start()
    other.join()
    assert taken == [True]


def test_small_n_reports_only_the_end():
    reports: list[tuple[float, str]] = []
    project(random_vectors(50), "pca", progress=lambda share, text: reports.append((share, text)))
    assert reports == [(1.0, "Done")]
