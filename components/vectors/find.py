"""Find sentences on a map: by the text they contain, or by meaning (near a query)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from components.vectors.search import top_k


def find_text(texts: Sequence[str], query: str) -> np.ndarray:
    """Indices of the texts that contain `query`, ignoring case (Unicode case folding).

    An empty or blank query matches nothing.

    Returns:
        (m,) int64 indices in input order.
    """
    needle = query.strip().casefold()
    if not needle:
        return np.zeros(0, dtype=np.int64)
    return np.array(
        [i for i, text in enumerate(texts) if needle in text.casefold()], dtype=np.int64
    )


def find_near(
    query_vector: np.ndarray, vectors: np.ndarray, k: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """The k sentences nearest to a query by cosine, best first (`components.vectors.search.top_k`).

    Args:
        query_vector: (dim,) the query's vector, from the same model as `vectors`.
        vectors: (n, dim).
        k: how many (at most n).

    Returns:
        (indices (k,), cosines (k,)).
    """
    return top_k(query_vector, vectors, k)


def found_table(
    rows: Sequence[int],
    texts: Sequence[str],
    labels: Sequence[str],
    cosines: Mapping[int, float] | None = None,
) -> pd.DataFrame:
    """The found or selected sentences: row (1-based), text, label and, when given, each one's
    cosine to the query (nan for a row found by its text only)."""
    table = pd.DataFrame(
        {
            "row": [i + 1 for i in rows],
            "text": [texts[i] for i in rows],
            "label": [labels[i] for i in rows],
        }
    )
    if cosines is not None:
        table["cosine to query"] = [cosines.get(i, np.nan) for i in rows]
    return table
