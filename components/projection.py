"""Projecting sentence vectors to 2D or 3D with UMAP, PCA or t-SNE.

Any n >= 0 works: where a method cannot run on so few points it falls back (and says why in
`note`), and parameters that must be below n are clamped (also said in `note`).

From `LARGE_N` points on, UMAP takes a faster road with the same trustworthiness (measured in
bench/bench_projection.py against `umap.UMAP()` defaults): PCA first reduces the vectors to
`PRE_DIMS` dimensions (cheap, and it keeps the directions that matter for neighbours),
neighbours are approximate (nearest-neighbour descent instead of umap's exact path, which it takes
below 4,096 points), the layout starts from PCA instead of a spectral embedding, and it runs
fewer epochs (`umap_epochs`, fewer still for very large n). Progress is reported per stage and,
in the layout, per epoch.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from sklearn.decomposition import PCA

Method = Literal["umap", "pca", "tsne"]
METHOD_NAMES = {"umap": "UMAP", "pca": "PCA", "tsne": "t-SNE", "none": "none"}
UMAP_MIN_POINTS = 5  # below this UMAP fails (n=3 raises TypeError in umap-learn 0.5)
TSNE_MIN_POINTS = 5
LARGE_N = 2_000  # from here on UMAP takes the fast road (see the module docstring)
PRE_DIMS = 50  # PCA reduces the vectors to this many dimensions before UMAP on large n
# Share of the whole projection done when each UMAP stage starts (measured on 20k-100k points).
STAGE_SHARES = {"pca": 0.0, "neighbours": 0.05, "layout": 0.4}

Progress = Callable[[float, str], None]  # (share done 0..1, what is happening now)


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
    progress: Progress | None = None,
    **params: float,
) -> ProjectionResult:
    """Project (n, dim) vectors to (n, n_components) coordinates.

    Params by method: umap `n_neighbors` (15), `min_dist` (0.1); tsne `perplexity` (30).
    `progress`, when given, is told the share done and the stage (UMAP on large n reports each
    stage and every few epochs; other paths report only the end).
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
        result = _umap(vectors, n_components, random_state, progress, **params)
    elif method == "tsne":
        result = _tsne(vectors, n_components, random_state, **params)
    else:
        result = _pca(vectors, n_components)
    if progress is not None:
        progress(1.0, "Done")
    return result


def umap_epochs(n: int) -> int | None:
    """Layout epochs for n points: umap's own choice below LARGE_N (None), fewer above it.

    umap-learn runs 500 epochs up to 10,000 points and 200 past that. On sentence vectors, 150
    keep the trustworthiness of its defaults (4,000 points, bench/bench_projection.py); past
    10,000 the count falls with n to 80, which bounds the time: on 100,000 generated sentences
    80 epochs cost 0.01 of trustworthiness against 200 (0.892 at 60, 0.905 at 200, measured on
    5,000 sampled points) for less than half the layout time.
    """
    if n < LARGE_N:
        return None
    return 150 if n <= 10_000 else max(80, round(150 * 10_000 / n))


class _EpochReport:
    """A file-like sink for umap's tqdm epoch bar, turned into `progress` calls.

    umap passes `tqdm_kwds` to `tqdm(range(n_epochs), ...)`; with `bar_format="{n} {total}"`
    every refresh writes "<epochs done> <epochs>", parsed here.
    """

    def __init__(self, progress: Progress, start: float) -> None:
        self.progress, self.start = progress, start

    def write(self, text: str) -> None:
        match = re.search(r"(\d+) (\d+)\s*$", text)
        if match and int(match.group(2)):
            done, total = int(match.group(1)), int(match.group(2))
            share = self.start + (1.0 - self.start) * done / total
            self.progress(min(share, 0.999), f"Laying out the map: epoch {done} of {total}")

    def flush(self) -> None:
        pass


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
    progress: Progress | None = None,
    n_neighbors: float = 15,
    min_dist: float = 0.1,
) -> ProjectionResult:
    import umap  # heavy import (numba JIT): only when UMAP is asked for

    def report(stage: str, text: str) -> None:
        if progress is not None:
            progress(STAGE_SHARES[stage], text)

    n = vectors.shape[0]
    notes = []
    neighbors = int(n_neighbors)
    if neighbors > n - 1:
        neighbors = n - 1
        notes.append(f"n_neighbors lowered to {neighbors} (it must be below the {n} sentences).")
    neighbors = max(neighbors, 2)
    large = n >= LARGE_N
    data = vectors  # (n, dim)
    if large and vectors.shape[1] > PRE_DIMS:
        report("pca", f"Reducing {vectors.shape[1]} dimensions to {PRE_DIMS} with PCA")
        pca = PCA(n_components=PRE_DIMS, random_state=random_state)
        data = pca.fit_transform(vectors).astype(np.float32)  # (n, PRE_DIMS)
    tqdm_kwds = None
    if progress is not None:
        tqdm_kwds = {
            "disable": False,
            "file": _EpochReport(progress, STAGE_SHARES["layout"]),
            "bar_format": "{n} {total}",
            "mininterval": 0.5,
        }
    if large:
        init = "pca"
    else:  # spectral init needs a connected graph with more points than dimensions
        init = "random" if n < 20 else "spectral"
    reducer = umap.UMAP(
        n_components=n_components,
        n_neighbors=neighbors,
        min_dist=float(min_dist),
        metric="cosine",
        random_state=random_state,
        init=init,
        # Between ~2,000 and 4,095 points umap's exact path is 4x slower for the same quality.
        force_approximation_algorithm=large,
        n_epochs=umap_epochs(n),
        n_jobs=1,
        tqdm_kwds=tqdm_kwds,
    )
    report("neighbours", f"Finding the {neighbors} nearest neighbours of {n:,} points")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        coords = reducer.fit_transform(data)
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
