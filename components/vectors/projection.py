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
    UMAP is always seeded and single-threaded (umap-learn runs its threads only without a seed):
    the same sentences give the same map, which share links rely on. Unseeded parallel UMAP on
    10,000 points measured no gain on 2 cores (issue 22, docs/benchmarks.md).
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
        self.error: BaseException | None = None  # what `progress` raised, re-raised after the fit

    def write(self, text: str) -> None:
        """Never raises: tqdm calls it holding its process-wide lock and does not release that
        lock on an exception (every later tqdm, e.g. each `model.encode`, would then wait
        forever). A raising `progress` is kept in `error`; the layout runs to its end."""
        match = re.search(r"(\d+) (\d+)\s*$", text)
        if self.error is None and match and int(match.group(2)):
            done, total = int(match.group(1)), int(match.group(2))
            share = self.start + (1.0 - self.start) * done / total
            try:
                self.progress(min(share, 0.999), f"Laying out the map: epoch {done} of {total}")
            except BaseException as error:  # noqa: BLE001 - re-raised after the fit
                self.error = error

    def flush(self) -> None:
        pass


def _sklearn_pca(**options):
    """sklearn's PCA, imported on first use: sklearn and the scipy it loads take ~1 s of a cold
    server's first page, which draws its map from disk."""
    from sklearn.decomposition import PCA

    return PCA(**options)


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
    pca = _sklearn_pca(n_components=min(2, n), random_state=0).fit(chunk_vecs)
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
    with np.errstate(invalid="ignore", divide="ignore"):  # identical points: 0/0 variance ratio
        coords = _sklearn_pca(n_components=usable).fit_transform(vectors.astype(np.float64))
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
        pca = _sklearn_pca(n_components=PRE_DIMS, random_state=random_state)
        data = pca.fit_transform(vectors).astype(np.float32)  # (n, PRE_DIMS)
    tqdm_kwds, epochs = None, None
    if progress is not None:
        epochs = _EpochReport(progress, STAGE_SHARES["layout"])
        tqdm_kwds = {
            "disable": False,
            "file": epochs,
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
    if epochs is not None and epochs.error is not None:
        raise epochs.error
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


# ---------------------------------------------------------------- How far to trust a map

HONESTY_BLOCK = 256  # rows per block: memory stays O(block x n), never the full n x n


@dataclass(frozen=True)
class Honesty:
    """How much of the space's neighbourhoods a map kept.

    Attributes:
        trustworthiness: Venna & Kaski's trustworthiness in [0, 1], equal to
            `sklearn.manifold.trustworthiness(vectors, coords, n_neighbors=trust_k)` (its default
            metric, Euclidean in the space: for unit vectors the same ranking as cosine). 1 = no
            point has a map neighbour that is far away in the space. NaN with no points.
        kept: (n,) share of each point's `k` nearest neighbours in the space (cosine) that are also
            among its `k` nearest on the map (Euclidean).
        k: neighbours per point used for `kept` (the asked k, at most n - 1).
        trust_k: neighbours per point used for `trustworthiness` (the asked k, below n / 2 as the
            formula requires; 0 when n <= 2).
    """

    trustworthiness: float
    kept: np.ndarray  # (n,)
    k: int
    trust_k: int

    @property
    def mean_kept(self) -> float:
        return float(self.kept.mean()) if self.kept.size else float("nan")


def honesty(vectors: np.ndarray, coords: np.ndarray, k: int = 10, *, threads: int = 1) -> Honesty:
    """Trustworthiness and per-point kept share of a map of the vectors.

    Neighbours are ranked by distance, ties by index (lower first), so duplicates and tied map
    positions give the same answer every time. Memory is O(256 x n): no n x n matrix is built.

    Small inputs: `k` is clamped to n - 1 for `kept` and to the largest integer below n / 2 for the
    trustworthiness (sklearn refuses larger ones: the formula's normaliser needs it). With one or
    two points no map can misplace a neighbour, so both figures are 1.0; with none, the
    trustworthiness is NaN and `kept` is empty.

    Args:
        vectors: (n, dim) points in the space.
        coords: (n, c) the same points on the map.
        k: neighbours per point.
        threads: blocks of rows judged at once, on that many threads (the same figures).

    Returns:
        An `Honesty`.
    """
    space = np.asarray(vectors, dtype=np.float64)  # (n, dim)
    flat = np.asarray(coords, dtype=np.float64)  # (n, c)
    n = space.shape[0]
    if flat.shape[0] != n:
        raise ValueError(f"{n} vectors but {flat.shape[0]} map points")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    kept_k = min(int(k), n - 1)
    trust_k = min(int(k), (n - 1) // 2)  # largest integer below n / 2
    if n == 0:
        return Honesty(float("nan"), np.zeros(0), 0, 0)
    if kept_k < 1:
        return Honesty(1.0, np.ones(n), 0, 0)

    squared = (space * space).sum(axis=1)  # (n,)
    norms = np.sqrt(squared)
    norms[norms == 0] = 1.0
    kept = np.empty(n)

    def block(start: int) -> float:
        """Fill `kept` for rows start..start+HONESTY_BLOCK; their trustworthiness penalty."""
        rows = np.arange(start, min(start + HONESTY_BLOCK, n))  # (b,)
        here = np.arange(rows.size)
        gram = space[rows] @ space.T  # (b, n): one product serves cosine and distance
        cosine = gram / norms[rows, None] / norms[None, :]
        cosine[here, rows] = -np.inf
        map_distance = np.zeros((rows.size, n))  # (b, n) squared Euclidean on the map
        for axis in range(flat.shape[1]):
            map_distance += (flat[rows, None, axis] - flat[None, :, axis]) ** 2
        map_distance[here, rows] = np.inf
        space_near = _nearest(-cosine, kept_k)  # (b, kept_k)
        map_near = _nearest(map_distance, max(kept_k, trust_k))  # (b, >= k)
        common = (space_near[:, :, None] == map_near[:, None, :kept_k]).any(axis=2)  # (b, kept_k)
        kept[rows] = common.sum(axis=1) / kept_k
        if not trust_k:
            return 0.0
        # Squared Euclidean in the space as sklearn computes it (|x|^2 + |y|^2 - 2 x.y).
        distance = squared[rows, None] + squared[None, :] - 2.0 * gram
        distance[here, rows] = np.inf  # (b, n)
        return _rank_penalty(distance, map_near[:, :trust_k], trust_k)

    starts = range(0, n, HONESTY_BLOCK)
    if threads > 1 and len(starts) > 1:  # numpy releases the GIL in these array operations
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(int(threads), len(starts))) as pool:
            penalty = float(sum(pool.map(block, starts)))
    else:
        penalty = float(sum(block(start) for start in starts))
    trust = 1.0
    if trust_k:
        trust = 1.0 - penalty * 2.0 / (n * trust_k * (2.0 * n - 3.0 * trust_k - 1.0))
    return Honesty(float(trust), kept, kept_k, trust_k)


def _nearest(distance: np.ndarray, k: int) -> np.ndarray:
    """(b, n) distances -> (b, k) indices of the k smallest per row, ties by lower index."""
    if k >= distance.shape[1]:
        return np.argsort(distance, axis=1, kind="stable")[:, :k]
    nearest = np.argpartition(distance, k - 1, axis=1)[:, :k]  # (b, k), unordered
    kth = np.take_along_axis(distance, nearest, axis=1).max(axis=1, keepdims=True)  # (b, 1)
    tied = (distance <= kth).sum(axis=1) > k  # rows where a tie straddles the k-th place
    if tied.any():  # the partition picked any of the tied points: redo those rows by index
        nearest[tied] = np.argsort(distance[tied], axis=1, kind="stable")[:, :k]
    chosen = np.take_along_axis(distance, nearest, axis=1)
    order = np.lexsort((nearest, chosen), axis=1)  # by distance, then by index
    return np.take_along_axis(nearest, order, axis=1)


def _rank_penalty(distance: np.ndarray, map_near: np.ndarray, k: int) -> float:
    """Sum over rows of max(0, r(i, j) - k) for the map neighbours j (ranks in the space from 1)."""
    chosen = np.take_along_axis(distance, map_near, axis=1)  # (b, k)
    closer = (distance[:, None, :] < chosen[:, :, None]).sum(axis=2)  # (b, k)
    columns = np.arange(distance.shape[1])
    tied_before = (
        (distance[:, None, :] == chosen[:, :, None])
        & (columns[None, None, :] < map_near[:, :, None])
    ).sum(axis=2)  # (b, k): equal distance, lower index: ranked first
    ranks = closer + tied_before + 1
    return float(np.maximum(ranks - k, 0).sum())


def honesty_reading(result: Honesty) -> str:
    """One line for learners: what the two figures say about the map."""
    if result.trust_k == 0:
        return "With one or two sentences a map cannot misplace a neighbour: nothing to judge yet."
    trust = result.trustworthiness
    verdict = (
        "few map neighbours are strangers in the space"
        if trust >= 0.9
        else "every sentence's nearest neighbours stay near it, but points a little farther "
        "out on the map can come from far away in the space"
        if result.mean_kept >= 0.95
        else "some map neighbours are far apart in the space"
        if trust >= 0.75
        else "many map neighbours are far apart in the space: read closeness on this map with care"
    )
    return (
        f"Trustworthiness {trust:.2f}: {verdict}. On average {result.mean_kept:.0%} of a "
        f"sentence's {result.k} nearest neighbours (cosine) are also its {result.k} nearest on "
        "the map"
        + ("." if result.mean_kept >= 0.995 else "; the rest were pushed away by the squeeze.")
    )


def explained_variance(vectors: np.ndarray, n_components: int = 2) -> np.ndarray:
    """Share of the vectors' total variance along each of the first PCA axes.

    Equal to `sklearn.decomposition.PCA(n_components).explained_variance_ratio_`; axes that n
    points cannot span (n_components > n - 1) get 0.

    Args:
        vectors: (n, dim).
        n_components: how many axes.

    Returns:
        (n_components,) shares in [0, 1], largest first; their sum is what a PCA map of that many
        axes keeps of the spread.
    """
    vectors = np.asarray(vectors, dtype=np.float64)  # (n, dim)
    shares = np.zeros(n_components)
    usable = min(n_components, vectors.shape[0] - 1, vectors.shape[1])
    if usable < 1:
        return shares
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = _sklearn_pca(n_components=usable).fit(vectors).explained_variance_ratio_
    shares[:usable] = np.nan_to_num(ratio)  # identical points: no variance to explain
    return shares


@dataclass(frozen=True)
class Alignment:
    coords: np.ndarray  # (n, c) the map turned, mirrored, shifted and scaled onto the reference
    disparity: float  # scipy.spatial.procrustes' disparity: 0 = same shape, up to 1


def align(reference: np.ndarray, coords: np.ndarray) -> Alignment:
    """Procrustes: rotate (or mirror), shift and uniformly scale a map onto a reference map.

    Only a similarity transform is used (one scale for every axis), so the aligned map keeps every
    ratio of distances, every neighbour and therefore its honesty figures; only where it sits and
    which way it faces change. It lands with the reference's centre and overall spread, so two
    maps of the same sentences (PCA, UMAP, t-SNE) can be read side by side. `disparity` equals
    `scipy.spatial.procrustes(reference, coords)[2]`.

    Args:
        reference: (n, c) the map to line up with.
        coords: (n, c) the map to move.

    Returns:
        An `Alignment`. A map without spread (n < 2, or every point in one place) is only
        shifted onto the reference centre; its disparity is NaN.
    """
    from scipy.linalg import orthogonal_procrustes

    target = np.asarray(reference, dtype=np.float64)  # (n, c)
    moving = np.asarray(coords, dtype=np.float64)  # (n, c)
    if target.shape != moving.shape:
        raise ValueError(f"maps of shapes {target.shape} and {moving.shape} cannot be aligned")
    if target.shape[0] == 0:
        return Alignment(moving.copy(), float("nan"))
    target_centre, moving_centre = target.mean(axis=0), moving.mean(axis=0)
    target_centred, moving_centred = target - target_centre, moving - moving_centre
    target_size, moving_size = np.linalg.norm(target_centred), np.linalg.norm(moving_centred)
    if target_size == 0 or moving_size == 0:
        return Alignment(moving_centred + target_centre, float("nan"))
    target_unit, moving_unit = target_centred / target_size, moving_centred / moving_size
    rotation, scale = orthogonal_procrustes(moving_unit, target_unit)
    turned = moving_unit @ rotation  # (n, c), total spread 1 like the reference's unit copy
    disparity = float(((target_unit - turned * scale) ** 2).sum())  # scipy's best-fit scale
    # Drawn with the reference's spread (not the best-fit scale, which shrinks a map that fits
    # badly): both maps fill the same area.
    return Alignment(turned * target_size + target_centre, disparity)
