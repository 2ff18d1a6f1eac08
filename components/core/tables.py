"""Tables of vectors for display and download."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def vectors_table(
    texts: Sequence[str], labels: Sequence[str], vectors: np.ndarray, max_dims: int | None = None
) -> pd.DataFrame:
    """One row per sentence: text, label, then the vector's components dim_0, dim_1, …

    Args:
        vectors: (n, dim).
        max_dims: keep only the first dimensions (for a preview).
    """
    dims = vectors.shape[1] if max_dims is None else min(max_dims, vectors.shape[1])
    table = pd.DataFrame(vectors[:, :dims], columns=[f"dim_{i}" for i in range(dims)])
    table.insert(0, "label", list(labels))
    table.insert(0, "text", list(texts))
    return table


def similarity_table(texts: Sequence[str], similarity: np.ndarray) -> pd.DataFrame:
    """The (n, n) cosine matrix with the sentences as row and column headers."""
    headers = [f"{number}. {text}" for number, text in enumerate(texts, start=1)]
    table = pd.DataFrame(np.asarray(similarity, dtype=np.float64), columns=headers)
    table.insert(0, "sentence", headers)
    return table


def hits_table(
    column: str,
    texts: Sequence[str],
    labels: Sequence[str],
    indices: np.ndarray,
    scores: np.ndarray,
) -> dict[str, list]:
    """The rows `indices` (best first) with their text under `column`, label and cosine."""
    return {
        column: [texts[i] for i in indices],
        "label": [labels[i] for i in indices],
        "cosine": list(scores),
    }
