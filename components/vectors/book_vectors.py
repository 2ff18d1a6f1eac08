"""One vector per document ("book vector") pooled from its chunk vectors.

Mean pooling averages the chunk vectors. Attention pooling is parameter-free here: each chunk is
weighted by softmax(cos(chunk, reference) / temperature), where the reference is the document's
mean direction, so chunks typical of the document count more than digressions. A low temperature
approaches "the single most typical chunk", a high one approaches the plain mean.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from components.vectors.similarity import normalize_rows


def mean_pool(chunk_vecs: np.ndarray) -> np.ndarray:
    """(chunks, dim) -> (dim,) unit-length mean of the chunk vectors."""
    mean = np.asarray(chunk_vecs, dtype=np.float32).mean(axis=0, keepdims=True)  # (1, dim)
    return normalize_rows(mean)[0]


def attention_weights(
    chunk_vecs: np.ndarray, temperature: float = 0.05, reference: np.ndarray | None = None
) -> np.ndarray:
    """(chunks,) softmax weights of cos(chunk, reference) / temperature (they sum to 1).

    Args:
        chunk_vecs: (chunks, dim).
        temperature: > 0; lower = sharper.
        reference: (dim,) direction to attend to; default the document's mean direction.
    """
    if temperature <= 0:
        raise ValueError("The temperature must be positive.")
    vectors = normalize_rows(np.asarray(chunk_vecs, dtype=np.float64))  # (chunks, dim)
    reference = mean_pool(vectors) if reference is None else np.asarray(reference, np.float64)
    reference = reference / max(np.linalg.norm(reference), 1e-12)
    logits = vectors @ reference / temperature  # (chunks,)
    logits -= logits.max()
    weights = np.exp(logits)
    return weights / weights.sum()


def attention_pool(
    chunk_vecs: np.ndarray, temperature: float = 0.05, reference: np.ndarray | None = None
) -> np.ndarray:
    """(chunks, dim) -> (dim,) unit-length attention-weighted sum of the chunk vectors."""
    weights = attention_weights(chunk_vecs, temperature, reference)  # (chunks,)
    pooled = (weights[:, None] * np.asarray(chunk_vecs, dtype=np.float64)).sum(axis=0)
    return normalize_rows(pooled[None, :].astype(np.float32))[0]


def book_vectors(
    chunk_vecs: np.ndarray,
    document_of_chunk: Sequence[int],
    n_documents: int,
    mode: str = "mean",
    temperature: float = 0.05,
) -> np.ndarray:
    """(n_documents, dim) one pooled vector per document ("mean" or "attention").

    A document without chunks gets a zero vector.
    """
    chunk_vecs = np.asarray(chunk_vecs, dtype=np.float32)
    owners = np.asarray(document_of_chunk)
    result = np.zeros((n_documents, chunk_vecs.shape[1]), dtype=np.float32)
    for document in range(n_documents):
        rows = chunk_vecs[owners == document]  # (chunks of this document, dim)
        if len(rows):
            result[document] = (
                mean_pool(rows) if mode == "mean" else attention_pool(rows, temperature)
            )
    return result
