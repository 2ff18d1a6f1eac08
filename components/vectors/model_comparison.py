"""Two models side by side: the same sentences' similarities, maps and neighbours under each.

The two models may have different vector sizes (384 vs 768): everything compared here lives in
sentence space (n x n similarities, n points on a map, neighbour lists), never in vector space.
The maps are aligned with Procrustes (`components.vectors.projection.align`: translation, uniform scale,
rotation/reflection), so a sentence sits in the same place when both models agree about it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from components.vectors.projection import align, project
from components.vectors.search import top_k
from components.vectors.similarity import cosine_similarity_matrix, normalize_rows


@dataclass(frozen=True)
class NeighbourChange:
    """One sentence's k nearest neighbours under each model (indices, best first)."""

    sentence: int
    before: tuple[int, ...]  # model A
    after: tuple[int, ...]  # model B
    kept: tuple[int, ...]  # in both, in B's order
    lost: tuple[int, ...]  # only under A, in A's order
    gained: tuple[int, ...]  # only under B, in B's order

    @property
    def overlap(self) -> float:
        """Share of A's neighbours that B keeps (1 = the same neighbours)."""
        return len(self.kept) / len(self.before) if self.before else 1.0


@dataclass(frozen=True)
class ModelComparison:
    similarity_a: np.ndarray  # (n, n) cosine under model A
    similarity_b: np.ndarray  # (n, n) cosine under model B
    difference: np.ndarray  # (n, n) B - A
    coords_a: np.ndarray  # (n, 2) A's map
    coords_b: np.ndarray  # (n, 2) B's map, turned, shifted and scaled onto A's (Procrustes)
    disparity: float  # Procrustes disparity: 0 = same shape, 1 = nothing in common; nan: no spread
    k: int  # neighbours compared per sentence (clamped to n - 1)
    changes: list[NeighbourChange]  # one per sentence
    note: str  # what was clamped or could not be done, in words for the UI

    @property
    def mean_overlap(self) -> float:
        """Mean share of neighbours kept over all sentences (1 = nothing changed)."""
        return float(np.mean([change.overlap for change in self.changes])) if self.changes else 1.0

    def most_changed(self, count: int = 5) -> list[NeighbourChange]:
        """The sentences whose neighbours changed most (lowest overlap first, then input order)."""
        return sorted(self.changes, key=lambda change: (change.overlap, change.sentence))[:count]

    def summary(self) -> dict[str, str]:
        """Mean off-diagonal cosine under each model, the neighbours kept and the Procrustes
        disparity, formatted for a row of figures."""
        off = ~np.eye(
            len(self.similarity_a), dtype=bool
        )  # (n, n) every pair but a sentence with itself
        return {
            "Mean cosine, A": f"{self.similarity_a[off].mean():.3f}",
            "Mean cosine, B": f"{self.similarity_b[off].mean():.3f}",
            f"Top-{self.k} neighbours kept": f"{self.mean_overlap:.0%}",
            "Procrustes disparity": "—" if np.isnan(self.disparity) else f"{self.disparity:.3f}",
        }

    def heatmaps(self, names: tuple[str, str]) -> dict[str, np.ndarray]:
        """Each model's (n, n) cosines under its name, then B − A clipped to [-1, 1]."""
        return {
            names[0]: self.similarity_a,
            names[1]: self.similarity_b,
            "B − A": np.clip(self.difference, -1, 1),
        }

    def changes_table(self, texts: list[str], count: int = 5) -> dict[str, list]:
        """The `most_changed` sentences with their neighbours under A and B (joined by " · ")
        and the share kept: columns of a table."""
        changes = self.most_changed(count)
        return {
            "sentence": [texts[change.sentence] for change in changes],
            "neighbours under A": [" · ".join(texts[j] for j in c.before) for c in changes],
            "neighbours under B": [" · ".join(texts[j] for j in c.after) for c in changes],
            "kept": [change.overlap for change in changes],
        }


def neighbour_changes(
    vectors_a: np.ndarray, vectors_b: np.ndarray, k: int
) -> list[NeighbourChange]:
    """Per sentence, its k nearest other sentences (cosine) under each model, and the changes."""
    n = vectors_a.shape[0]
    k = max(0, min(k, n - 1))
    if k == 0:
        return [NeighbourChange(i, (), (), (), (), ()) for i in range(n)]
    lists = []
    for vectors in (vectors_a, vectors_b):
        unit = normalize_rows(np.asarray(vectors, dtype=np.float32))
        indices, _ = top_k(unit, unit, k + 1, normalized=True)  # (n, k + 1), self usually first
        lists.append([[int(j) for j in row if j != i][:k] for i, row in enumerate(indices)])
    changes = []
    for i, (before, after) in enumerate(zip(*lists, strict=True)):
        changes.append(
            NeighbourChange(
                sentence=i,
                before=tuple(before),
                after=tuple(after),
                kept=tuple(j for j in after if j in before),
                lost=tuple(j for j in before if j not in after),
                gained=tuple(j for j in after if j not in before),
            )
        )
    return changes


def comparison_choices(in_use: str, loaded: list[str], default: str, extra: str) -> list[str]:
    """The models the one `in_use` can be compared with: `default`, then the `loaded` ones
    (each once, never the one in use), then `extra` (e.g. the untrained copy)."""
    return [name for name in dict.fromkeys([default, *loaded]) if name != in_use] + [extra]


def compare_models(
    vectors_a: np.ndarray,
    vectors_b: np.ndarray,
    k: int = 5,
    *,
    coords_a: np.ndarray | None = None,
    coords_b: np.ndarray | None = None,
) -> ModelComparison:
    """Compare two models on the same sentences.

    Args:
        vectors_a: (n, dim_a) vectors of the sentences from model A (e.g. the packaged model).
        vectors_b: (n, dim_b) vectors of the same sentences, same order, from model B.
        k: neighbours per sentence to compare (clamped to n - 1).
        coords_a, coords_b: (n, 2) maps already computed (e.g. cached UMAP); PCA of each
            model's vectors when not given.
    """
    if vectors_a.shape[0] != vectors_b.shape[0]:
        raise ValueError(
            f"the two models must embed the same sentences: {vectors_a.shape[0]} vs "
            f"{vectors_b.shape[0]} vectors"
        )
    n = vectors_a.shape[0]
    notes = []
    if coords_a is None:
        coords_a = project(vectors_a, "pca", 2).coords
    if coords_b is None:
        coords_b = project(vectors_b, "pca", 2).coords
    alignment = align(coords_a, coords_b)  # components.vectors.projection: the lab's one Procrustes
    if np.isnan(alignment.disparity):
        notes.append("The points have no spread on one of the maps: it cannot be aligned.")
    if n >= 2 and k > n - 1:
        notes.append(f"Neighbours compared lowered to {n - 1} (there are {n} sentences).")
    similarity_a = cosine_similarity_matrix(vectors_a)
    similarity_b = cosine_similarity_matrix(vectors_b)
    return ModelComparison(
        similarity_a=similarity_a,
        similarity_b=similarity_b,
        difference=similarity_b - similarity_a,
        coords_a=np.asarray(coords_a, dtype=np.float64),
        coords_b=alignment.coords,
        disparity=alignment.disparity,
        k=max(0, min(k, n - 1)),
        changes=neighbour_changes(vectors_a, vectors_b, k),
        note=" ".join(notes),
    )
