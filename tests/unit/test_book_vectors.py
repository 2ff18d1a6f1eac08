from __future__ import annotations

import numpy as np
import pytest
import torch

from components.vectors.book_vectors import (
    attention_pool,
    attention_weights,
    book_vectors,
    mean_pool,
)


def unit_rows(n, dim=16, seed=0):
    rows = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_mean_pool_equals_torch():
    chunks = unit_rows(7)
    expected = torch.nn.functional.normalize(torch.tensor(chunks).mean(0), dim=0).numpy()
    np.testing.assert_allclose(mean_pool(chunks), expected, atol=1e-6)


@pytest.mark.parametrize("temperature", [0.01, 0.05, 1.0])
def test_attention_pool_equals_torch_softmax(temperature):
    chunks = torch.tensor(unit_rows(9, seed=1), dtype=torch.float64)
    reference = torch.nn.functional.normalize(chunks.mean(0), dim=0)
    weights = torch.softmax(chunks @ reference / temperature, dim=0)
    expected = torch.nn.functional.normalize((weights[:, None] * chunks).sum(0), dim=0)
    np.testing.assert_allclose(attention_weights(chunks.numpy(), temperature), weights, atol=1e-6)
    np.testing.assert_allclose(attention_pool(chunks.numpy(), temperature), expected, atol=1e-5)


def test_high_temperature_approaches_the_mean_and_low_the_most_typical_chunk():
    chunks = unit_rows(5, seed=2)
    np.testing.assert_allclose(attention_pool(chunks, 1e4), mean_pool(chunks), atol=1e-4)
    weights = attention_weights(chunks, 1e-3)
    assert weights.max() > 0.999


def test_book_vectors_one_per_document_and_zero_for_empty():
    chunks = unit_rows(6, seed=3)
    books = book_vectors(chunks, [0, 0, 0, 2, 2, 2], 3, "attention", 0.1)
    assert books.shape == (3, 16)
    np.testing.assert_allclose(books[0], attention_pool(chunks[:3], 0.1), atol=1e-6)
    assert not books[1].any()
    np.testing.assert_allclose(book_vectors(chunks, [0] * 6, 1)[0], mean_pool(chunks), atol=1e-6)


def test_temperature_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        attention_weights(unit_rows(2), 0.0)
