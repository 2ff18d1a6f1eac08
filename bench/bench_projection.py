"""Projection: project() against umap.UMAP() defaults on 4,000 real sentence vectors, with the
trustworthiness of both, and project() on 20k-100k generated sentences (time, progress reports).

The 100,000 generated sentences are encoded once with the packaged model and kept in the temp
folder (`corpus_vectors`; ~5 min on 2 idle cores); smaller sets are its first n rows.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from bench.common import Row, print_rows

N_COMPARED = 4_000
LARGE_SIZES = (20_000, 100_000)
CORPUS_SIZE = 100_000
TRUST_SAMPLE = 5_000  # trustworthiness of a large map: on this many sampled points (n^2 memory)


def corpus_vectors(n: int) -> tuple[list[str], np.ndarray]:
    """The first n of the 100,000 generated sentences (seed 0) and their vectors (n, 384).

    All 100,000 are encoded on the first call and cached in the temp folder.
    """
    from components.data.large_corpus import generate_corpus

    texts = generate_corpus(CORPUS_SIZE, seed=0).texts
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    cached = Path(tempfile.gettempdir()) / f"sentence-lab-bench-{CORPUS_SIZE}-{digest}.npy"
    if not cached.exists():
        from components.models.encoder import embed, load_model

        model = load_model()
        started = time.perf_counter()
        vectors = embed(model, texts)
        elapsed = time.perf_counter() - started
        print(f"(encoded {CORPUS_SIZE:,} sentences once in {elapsed:.0f} s -> {cached})")
        np.save(cached, vectors)
    return texts[:n], np.load(cached, mmap_mode="r")[:n].astype(np.float32)


def umap_defaults(vectors: np.ndarray) -> np.ndarray:
    import umap

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return umap.UMAP().fit_transform(vectors)


def run() -> None:
    from sklearn.manifold import trustworthiness

    from components.vectors.projection import project, umap_epochs

    _, vectors = corpus_vectors(N_COMPARED)
    # Warm-up: both paths compile their numba code on a first fit, on data of the same size.
    project(vectors)
    umap_defaults(vectors)
    ours_runs, base_runs, ours_trust, base_trust = [], [], [], []
    for _ in range(2):  # interleaved, so load from other processes hits both sides alike
        started = time.perf_counter()
        coords = project(vectors).coords
        ours_runs.append(time.perf_counter() - started)
        ours_trust.append(trustworthiness(vectors, coords, n_neighbors=10))
        started = time.perf_counter()
        coords = umap_defaults(vectors)
        base_runs.append(time.perf_counter() - started)
        base_trust.append(trustworthiness(vectors, coords, n_neighbors=10))
    ours_s, base_s = min(ours_runs), min(base_runs)
    rows = [
        Row(
            f"project() UMAP on {N_COMPARED:,} sentence vectors: trust {np.mean(ours_trust):.3f} "
            f"vs {np.mean(base_trust):.3f}",
            ours_s,
            base_s,
            "umap.UMAP() defaults, same vectors",
            goal=0.2,
        ),
    ]

    reports: dict[int, list[tuple[float, float, str]]] = {}
    for n in LARGE_SIZES:
        _, large = corpus_vectors(n)
        seen: list[tuple[float, float, str]] = []
        started = time.perf_counter()
        coords = project(
            large, progress=lambda share, text: seen.append((time.perf_counter(), share, text))
        ).coords
        elapsed = time.perf_counter() - started
        sample = np.random.default_rng(0).choice(n, TRUST_SAMPLE, replace=False)
        trust = trustworthiness(large[sample], coords[sample], n_neighbors=10)
        started = time.perf_counter()
        project(large, "pca")
        pca_s = time.perf_counter() - started
        reports[n] = [(moment - seen[0][0], share, text) for moment, share, text in seen]
        rows.append(
            Row(
                f"project() UMAP on {n:,} vectors ({umap_epochs(n)} epochs): "
                f"trust {trust:.3f} on {TRUST_SAMPLE:,} sampled",
                elapsed,
                pca_s,
                "project() PCA, same vectors",
            )
        )
    print_rows("Projection", rows)
    print("(trust = sklearn trustworthiness, k=10, in the original 384-d space)")
    for n, seen in reports.items():
        stages = {}
        for moment, share, text in seen:
            stages.setdefault(text.split(":")[0], (moment, share))
        print(
            f"(progress at {n:,}: "
            + "; ".join(
                f"{stage} at {moment:.1f} s ({share:.0%})"
                for stage, (moment, share) in stages.items()
            )
            + f"; {len(seen)} reports)"
        )
