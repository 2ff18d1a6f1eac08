"""Projecting sentence vectors to 2D or 3D with UMAP, PCA or t-SNE.

Any n >= 0 works: where a method cannot run on so few points it falls back (and says why in
`note`), and parameters that must be below n are clamped (also said in `note`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
from sklearn.decomposition import PCA

Method = Literal["umap", "pca", "tsne"]
METHOD_NAMES = {"umap": "UMAP", "pca": "PCA", "tsne": "t-SNE", "none": "none"}
UMAP_MIN_POINTS = 5  # below this UMAP fails (n=3 raises TypeError in umap-learn 0.5)
TSNE_MIN_POINTS = 5


@dataclass(frozen=True)
class ProjectionResult:
    coords: np.ndarray  # (n, n_components)
    method_used: str  # "umap", "pca", "tsne" or "none"
    note: str  # why the method or a parameter differs from what was asked; "" when nothing does


def project(
    vectors: np.ndarray,
    method: Method = "umap",
    n_components: int = 2,
    *,
    random_state: int = 42,
    **params: float,
) -> ProjectionResult:
    """Project (n, dim) vectors to (n, n_components) coordinates.

    Params by method: umap `n_neighbors` (15), `min_dist` (0.1); tsne `perplexity` (30).
    """
    vectors = np.asarray(vectors, dtype=np.float32)  # (n, dim)
    n = vectors.shape[0]
    if method not in METHOD_NAMES or method == "none":
        raise ValueError(f"unknown projection method {method!r}")
    if n == 0:
        return ProjectionResult(np.zeros((0, n_components)), "none", "No sentences to project.")
    if n == 1:
        return ProjectionResult(
            np.zeros((1, n_components)),
            "none",
            "One sentence has nothing to be near or far from: add at least one more to see a map.",
        )
    if method == "umap" and n < UMAP_MIN_POINTS:
        result = _pca(vectors, n_components)
        return _with_note(
            result, f"UMAP needs at least {UMAP_MIN_POINTS} sentences; with {n}, PCA is shown."
        )
    if method == "tsne" and n < TSNE_MIN_POINTS:
        result = _pca(vectors, n_components)
        return _with_note(
            result, f"t-SNE needs at least {TSNE_MIN_POINTS} sentences; with {n}, PCA is shown."
        )
    if method == "umap":
        return _umap(vectors, n_components, random_state, **params)
    if method == "tsne":
        return _tsne(vectors, n_components, random_state, **params)
    return _pca(vectors, n_components)


def project_with_query(chunk_vecs: np.ndarray, query_vec: np.ndarray) -> np.ndarray:
    """PCA fitted on the chunks only; the query is placed with the same rotation.

    Fitting on the chunks alone keeps the map still while the query changes.

    Returns:
        (n + 1, 2) coordinates: the chunks, then the query as the last row.
    """
    chunk_vecs = np.asarray(chunk_vecs, dtype=np.float32)  # (n, dim)
    n = chunk_vecs.shape[0]
    if n < 2:
        return np.zeros((n + 1, 2))
    pca = PCA(n_components=min(2, n), random_state=0).fit(chunk_vecs)
    coords = pca.transform(np.vstack([chunk_vecs, query_vec[None, :]]))  # (n + 1, <=2)
    return _pad(coords, 2)


def _with_note(result: ProjectionResult, note: str) -> ProjectionResult:
    joined = " ".join(part for part in (note, result.note) if part)
    return ProjectionResult(result.coords, result.method_used, joined)


def _pad(coords: np.ndarray, n_components: int) -> np.ndarray:
    """Add zero columns when a method gave fewer dimensions than asked."""
    missing = n_components - coords.shape[1]
    if missing <= 0:
        return coords
    return np.hstack([coords, np.zeros((coords.shape[0], missing))])


def _pca(vectors: np.ndarray, n_components: int) -> ProjectionResult:
    n = vectors.shape[0]
    usable = min(n_components, n - 1, vectors.shape[1])  # n points span at most n-1 directions
    note = ""
    if usable < n_components:
        note = (
            f"{n} points span at most {n - 1} direction{'s' if n > 2 else ''}: "
            f"the other axis is flat (0)."
        )
    coords = PCA(n_components=usable).fit_transform(vectors.astype(np.float64))
    return ProjectionResult(_pad(coords, n_components), "pca", note)


def _umap(
    vectors: np.ndarray,
    n_components: int,
    random_state: int,
    n_neighbors: float = 15,
    min_dist: float = 0.1,
) -> ProjectionResult:
    import umap  # heavy import (numba JIT): only when UMAP is asked for

    n = vectors.shape[0]
    notes = []
    neighbors = int(n_neighbors)
    if neighbors > n - 1:
        neighbors = n - 1
        notes.append(f"n_neighbors lowered to {neighbors} (it must be below the {n} sentences).")
    neighbors = max(neighbors, 2)
    reducer = umap.UMAP(
        n_components=n_components,
        n_neighbors=neighbors,
        min_dist=float(min_dist),
        metric="cosine",
        random_state=random_state,
        # Spectral init needs a connected graph with more points than dimensions: random on tiny n.
        init="random" if n < 20 else "spectral",
        # Between ~2,000 and 4,095 points umap's exact path is 4x slower for the same quality.
        force_approximation_algorithm=n >= 2_000,
        n_epochs=200 if n >= 2_000 else None,
        n_jobs=1,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        coords = reducer.fit_transform(vectors)
    return ProjectionResult(np.asarray(coords, dtype=np.float64), "umap", " ".join(notes))


def _tsne(
    vectors: np.ndarray, n_components: int, random_state: int, perplexity: float = 30
) -> ProjectionResult:
    from sklearn.manifold import TSNE

    n = vectors.shape[0]
    note = ""
    limit = max(1.0, (n - 1) / 3)  # perplexity must be well below n
    if perplexity > limit:
        note = f"Perplexity lowered to {limit:.0f} (it must be below a third of the sentences)."
        perplexity = limit
    coords = TSNE(
        n_components=n_components,
        perplexity=float(perplexity),
        metric="cosine",
        init="pca",
        random_state=random_state,
        method="barnes_hut" if n_components < 4 else "exact",
    ).fit_transform(vectors)
    return ProjectionResult(np.asarray(coords, dtype=np.float64), "tsne", note)
