"""Maps and views of many sentences, cached and queued: projections (also as background jobs
with progress), how far to trust a map, clusters, the geometry lessons, the background
preparation of large inputs, and the similarity heatmap's matrix and blocks.

Every result is cached per (model, texts, settings); the packaged model's maps of the default
preset are read from disk (`components.data.result_cache`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from components.core import limits
from components.data import result_cache
from components.explore.scale import Prepared, prepare
from components.models.encoder import embed, is_fast, unnormalized_embed
from components.runtime.background import BackgroundJob, replace_or_reuse
from components.runtime.native_threads import one_thread, threads_in_effect
from components.services.caches import (
    BLOCKS,
    CLUSTERINGS,
    FIGURES,
    GEOMETRY,
    HONESTY,
    PROJECTIONS,
    RAW_VECTORS,
    SENTENCE_VECTORS,
    digest,
    queued,
)
from components.services.encoding import TEXTS_PER_ENTRY, token_counts
from components.services.models import ActiveModel
from components.services.on_disk import disk_fingerprint, keep_on_disk
from components.services.queue import background_turn, heavy, session_alive, session_jobs
from components.services.startup import warm_up_large_umap
from components.vectors.clusters import Clustering, ClusterMethod, cluster_sentences
from components.vectors.geometry import (
    TRUNCATION_DIMS,
    metric_agreement,
    quantisation_overlap,
    truncation_overlap,
)
from components.vectors.heatmap_blocks import BlockSummary, block_similarity
from components.vectors.projection import (
    LARGE_N,
    Honesty,
    ProjectionResult,
    align,
    honesty,
    project,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go

HONESTY_SAMPLE = 5_000  # a map's honesty is judged on at most this many points


# ---------------------------------------------------------------- projections
def reproducible_projection(
    vectors: np.ndarray, method: str, n_components: int, **kwargs
) -> ProjectionResult:
    """`project` on one thread whatever the job was given: the same sentences give the same map
    (share links restore a page), which a seeded UMAP does only on the same thread count."""
    if method == "umap":
        import umap  # noqa: F401 - numba loaded before its threads are set to one

    with one_thread():
        return project(vectors, method, n_components, **kwargs)


def projection(
    active: ActiveModel,
    texts: tuple[str, ...],
    method: str,
    n_components: int,
    params: tuple[tuple[str, float], ...],
    vectors: np.ndarray,
) -> ProjectionResult:
    """`project` cached per (model, texts, method, params); the vectors follow from the first two.

    The packaged model's maps are looked up on disk first (the default preset's default map is
    shipped); the default preset's other maps are written there.
    """
    key = (active.key, digest(texts), method, n_components, params)
    result = PROJECTIONS.get(key)
    if result is not None:
        return result
    fingerprint = disk_fingerprint(active)
    if fingerprint is not None:
        result = result_cache.load_projection(
            fingerprint, texts, method, n_components, dict(params)
        )
        if result is not None:
            PROJECTIONS.put(key, result)
            return result
    with heavy("map", f"Projecting {len(texts):,} points"):
        result = PROJECTIONS.get_or_compute(
            key,
            lambda: reproducible_projection(vectors, method, n_components, **dict(params)),
        )
    if fingerprint is not None and keep_on_disk(texts):
        result_cache.save_projection(fingerprint, texts, method, n_components, dict(params), result)
    return result


def map_seconds(n: int) -> float:
    """The time cap of a map of n points: `limits.MAP_SECONDS` for the largest input, in
    proportion below it, never under the cap of other jobs (100,000 points took 134 s here on
    2 loaded cores, bench/bench_projection.py)."""
    return max(float(limits.JOB_SECONDS), limits.MAP_SECONDS * n / limits.SENTENCES)


def projection_job(
    active: ActiveModel,
    texts: Sequence[str],
    method: str,
    n_components: int,
    params: tuple[tuple[str, float], ...],
    vectors: np.ndarray,
    *,
    restart: bool = False,
) -> BackgroundJob[ProjectionResult]:
    """This session's background job projecting many sentences, with progress by stage and epoch.

    Shares its cache with `projection` (per model, texts, method and settings: a map any session
    made comes back at once). A new setting cancels the projection still running for the old one.
    """
    key = (active.key, digest(texts), method, n_components, params)
    alive = session_alive()
    label = f"Projecting {len(texts):,} points"

    def work(job: BackgroundJob[ProjectionResult]) -> ProjectionResult:
        result = PROJECTIONS.get(key)
        if result is None:
            with background_turn(job, "map", label, alive, map_seconds(len(texts))) as queued_job:

                def progress(share: float, text: str) -> None:
                    queued_job.check()  # the time cap, a closed tab
                    job.report(share, text)

                result = PROJECTIONS.get_or_compute(
                    key,
                    lambda: reproducible_projection(
                        vectors,
                        method,
                        n_components,
                        progress=progress,
                        **dict(params),
                    ),
                )
        return result

    return replace_or_reuse(
        session_jobs(),
        "projection",
        str(key),
        lambda: BackgroundJob(str(key), work, label),
        restart=restart,
    )


# ---------------------------------------------------------------- how far to trust a map
def map_honesty(
    active: ActiveModel,
    texts: tuple[str, ...],
    method: str,
    n_components: int,
    params: tuple[tuple[str, float], ...],
    k: int,
    vectors: np.ndarray,
) -> Honesty:
    """How far to trust the `projection` with these arguments (trustworthiness, kept shares).

    Past HONESTY_SAMPLE points, judged on that many drawn at random (the same ones every time):
    every pair of 100,000 points would take many minutes.
    """
    coords = projection(active, texts, method, n_components, params, vectors).coords
    key = (active.key, digest(texts), method, n_components, params, k)
    if len(texts) > HONESTY_SAMPLE:
        rows = np.sort(np.random.default_rng(0).choice(len(texts), HONESTY_SAMPLE, replace=False))
        vectors, coords = vectors[rows], coords[rows]
    return queued(
        HONESTY,
        key,
        "map",
        f"Checking the map of {len(texts):,} points",
        lambda: honesty(vectors, coords, k, threads=threads_in_effect()),
    )


@dataclass(frozen=True)
class MapView:
    """One 2D map of the sentences, turned onto the PCA map, and how far to trust it."""

    method_used: str  # "pca", "umap", "tsne" (or what a small n fell back to)
    coords: np.ndarray  # (n, 2): PCA as computed; the others aligned onto it (Procrustes)
    honesty: Honesty  # alignment moves no neighbour: the same figures as the raw map
    note: str  # why the method or a parameter differs from what was asked


def map_view(
    active: ActiveModel,
    texts: tuple[str, ...],
    method: str,
    params: tuple[tuple[str, float], ...],
    k: int,
    vectors: np.ndarray,
) -> MapView:
    """A 2D map, aligned onto the PCA map of the same sentences, with its honesty figures."""
    result = projection(active, texts, method, 2, params, vectors)
    coords = result.coords
    if method != "pca":
        coords = align(projection(active, texts, "pca", 2, (), vectors).coords, coords).coords
    figures = map_honesty(active, texts, method, 2, params, k, vectors)
    return MapView(result.method_used, coords, figures, result.note)


# ---------------------------------------------------------------- clusters and geometry
def clustering(
    active: ActiveModel,
    texts: tuple[str, ...],
    method: ClusterMethod,
    n_clusters: int,
    min_cluster_size: int,
    seed: int,
    vectors: np.ndarray,
) -> Clustering:
    """Clusters of the sentence vectors, named by c-TF-IDF, per (model, texts, settings)."""
    key = (active.key, digest(texts), method, n_clusters, min_cluster_size, seed)
    return queued(
        CLUSTERINGS,
        key,
        "clusters",
        f"Clustering {len(texts):,} sentences",
        lambda: cluster_sentences(
            list(texts),
            vectors,
            method,
            n_clusters=n_clusters,
            min_cluster_size=min_cluster_size,
            seed=seed,
        ),
    )


def unnormalized_vectors(active: ActiveModel, texts: tuple[str, ...]) -> np.ndarray:
    """The model's vectors before its final Normalize module (n, dim), with their lengths."""
    return queued(
        RAW_VECTORS,
        (active.key, digest(texts)),
        "encode sentences",
        f"Encoding {len(texts):,} sentences without normalising",
        lambda: unnormalized_embed(active.model, texts),
    )


@dataclass(frozen=True)
class GeometryLessons:
    raw_lengths: np.ndarray  # (n,) length of each vector before Normalize
    metrics: (
        pd.DataFrame
    )  # `geometry.metric_agreement` on the raw vectors (first limits.RAW_SENTENCES)
    truncation: pd.DataFrame  # `geometry.truncation_overlap` at `TRUNCATION_DIMS`
    quantisation: pd.DataFrame  # `geometry.quantisation_overlap`


def geometry_lessons(
    active: ActiveModel, texts: tuple[str, ...], k: int, vectors: np.ndarray
) -> GeometryLessons:
    """The three geometry lessons' tables for these sentences (one n x n pass each, in blocks);
    the metric lesson re-encodes only the first `limits.RAW_SENTENCES` sentences without Normalize."""
    raw = unnormalized_vectors(active, texts[: limits.RAW_SENTENCES])
    return queued(
        GEOMETRY,
        (active.key, digest(texts), k),
        "geometry",
        f"Geometry lessons on {len(texts):,} sentences",
        lambda: GeometryLessons(
            raw_lengths=np.linalg.norm(raw, axis=1),
            metrics=metric_agreement(raw, k),
            truncation=truncation_overlap(vectors, TRUNCATION_DIMS, k),
            quantisation=quantisation_overlap(vectors, k),
        ),
    )


# ---------------------------------------------------------------- large inputs, in the background
def preparation(
    active: ActiveModel,
    texts: list[str],
    vectors: np.ndarray | None = None,
    *,
    restart: bool = False,
) -> BackgroundJob[Prepared]:
    """This session's background job preparing `texts` (tokens, vectors, neighbour search,
    heatmap blocks; only the last two for `vectors` the user brought); see `scale.prepare`.

    Started on the first call for these texts and model; later calls return the same job (a
    stopped one until `restart`). Each slice not yet in the vector cache is one job in the queue,
    so sessions take turns slice by slice, and a resumed or repeated preparation only encodes
    what no session has encoded yet.
    """
    key = f"{active.key}|{digest(texts)}"
    alive = session_alive()
    label = f"Encoding {len(texts):,} sentences"

    def work(job: BackgroundJob[Prepared]) -> Prepared:
        if len(texts) >= LARGE_N:
            warm_up_large_umap()  # compiles the large-map code while the sentences are encoded
        if vectors is not None:
            return prepare(texts, None, None, job.report, vectors=vectors)
        if is_fast(active.model):
            active.model.prepare()  # the ONNX session (normally open long before)

        def encode(part: tuple[str, ...]) -> np.ndarray:
            cache_key = (active.key, digest(part))
            part_vectors = SENTENCE_VECTORS.get(cache_key)
            if part_vectors is None:
                with background_turn(job, "encode sentences", label, alive):
                    part_vectors = SENTENCE_VECTORS.get_or_compute(
                        cache_key, lambda: embed(active.model, list(part))
                    )
            return part_vectors

        return prepare(
            texts,
            encode,
            lambda some: token_counts(active, tuple(some)),
            job.report,
            slice_size=TEXTS_PER_ENTRY,
        )

    return replace_or_reuse(
        session_jobs(),
        "prepare",
        key,
        lambda: BackgroundJob(key, work, f"Preparing {len(texts):,} sentences"),
        restart=restart,
    )


# ---------------------------------------------------------------- the similarity heatmap
def heatmap_blocks(
    active: ActiveModel, texts: tuple[str, ...], vectors: np.ndarray
) -> BlockSummary:
    """`block_similarity` of the vectors, cached per (model, texts)."""
    return BLOCKS.get_or_compute((active.key, digest(texts)), lambda: block_similarity(vectors))


@dataclass(frozen=True)
class SimilarityMatrixView:
    figure: go.Figure  # `charts.similarity_heatmap` of the rows below
    shown: np.ndarray  # (rows,) which texts the heatmap shows, in its order
    similarity: np.ndarray  # (rows, rows) their cosines, in that order


def heatmap_order(active: ActiveModel, texts: Sequence[str], similarity: np.ndarray) -> list[int]:
    """`similarity.cluster_order` of the texts' cosines (n, n); for the default preset under the
    packaged model, read from disk (a cold server's first Explore: scipy's import and the
    clustering took ~0.4 s of it)."""
    from components.vectors.similarity import cluster_order

    fingerprint = disk_fingerprint(active)
    on_disk = fingerprint is not None and keep_on_disk(texts)
    if on_disk:
        kept = result_cache.load_order(fingerprint, texts)
        if kept is not None:
            return kept
    order = cluster_order(similarity)
    if on_disk:
        result_cache.save_order(fingerprint, texts, order)
    return order


def similarity_matrix_view(
    active: ActiveModel,
    texts: Sequence[str],
    vectors: np.ndarray,
    *,
    rows: int,
    clustered: bool,
    show_values: bool,
) -> SimilarityMatrixView:
    """The cosine matrix of the first `rows` texts (in cluster order when `clustered`) and its
    heatmap figure, built once per (model, texts, view): a rerun with nothing changed only sends
    it again.

    Building it (the cosines, the clustering, one hover string per row) took ~50 ms of every
    Explore rerun. Plotly copies a figure before sending it, so sessions can share it.
    """
    from components.charts import charts
    from components.vectors.similarity import cosine_similarity_matrix

    def build() -> SimilarityMatrixView:
        shown = np.arange(rows)
        similarity = cosine_similarity_matrix(vectors[shown])  # (rows, rows): never n x n
        if clustered:
            order = heatmap_order(active, texts[:rows], similarity)
            shown, similarity = shown[order], similarity[np.ix_(order, order)]
        figure = charts.similarity_heatmap(
            similarity,
            [texts[i] for i in shown],
            show_values=show_values,
            numbers=(shown + 1).tolist(),
        )
        return SimilarityMatrixView(figure, shown, similarity)

    key = (active.key, digest(texts), rows, clustered, show_values)
    view = FIGURES.get(key)
    if view is None:
        view = build()
        nbytes = len(view.figure.to_json()) + view.similarity.nbytes
        FIGURES.put(key, view, nbytes=nbytes)
    return view
