"""Imported vectors: which columns to show, and when a typed query can be compared."""

from __future__ import annotations

import pandas as pd
import pytest

from components.data.imported_vectors import query_check, text_and_label_columns, texts_and_labels
from components.models.encoder import DEFAULT_MODEL


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["id", "Sentence", "topic"], ("Sentence", "topic")),
        (["label"], ("label", None)),  # a Projector single column: shown as the text
        (["word", "label"], ("word", "label")),
        (["id", "score"], ("id", None)),
        ([], (None, None)),
    ],
)
def test_text_and_label_columns(columns, expected):
    assert text_and_label_columns(pd.DataFrame(columns=columns)) == expected


def test_rows_without_text_get_a_name():
    metadata = pd.DataFrame({"text": ["a", " ", "c"], "label": ["x", "y", "z"]})
    assert texts_and_labels(metadata, "text", "label") == (["a", "row 2", "c"], ["x", "y", "z"])
    assert texts_and_labels(pd.DataFrame(index=range(2)), None, None) == (
        ["row 1", "row 2"],
        ["", ""],
    )


def test_query_check_needs_the_model_that_made_the_vectors():
    same = query_check("all-MiniLM-L6-v2", 384, DEFAULT_MODEL, 384)
    assert same.can_encode  # aliases of the packaged model are the same model
    other = query_check("BAAI/bge-base-en-v1.5", 768, DEFAULT_MODEL, 384)
    assert not other.can_encode and "Load `BAAI/bge-base-en-v1.5`" in other.reason
    unknown_other_size = query_check(None, 1024, DEFAULT_MODEL, 384)
    assert not unknown_other_size.can_encode and "1024 dimensions" in unknown_other_size.reason
    unknown_same_size = query_check(None, 384, DEFAULT_MODEL, 384)
    assert not unknown_same_size.can_encode and unknown_same_size.needs_confirmation
    assert query_check(None, 384, DEFAULT_MODEL, 384, confirmed=True).can_encode
    mismatch = query_check(DEFAULT_MODEL, 768, DEFAULT_MODEL, 384)
    assert not mismatch.can_encode and "768 dimensions" in mismatch.reason


def test_repeated_texts_get_their_row_so_every_point_can_be_picked():
    metadata = pd.DataFrame({"word": ["cat", "dog", "cat", "cat"]})
    texts, _ = texts_and_labels(metadata, "word", None)
    assert texts == ["cat", "dog", "cat (row 3)", "cat (row 4)"] and len(set(texts)) == 4


def test_first_rows_cuts_with_a_message_and_unit_vectors_says_when_it_rescales():
    import numpy as np

    from components.data.imported_vectors import first_rows, unit_vectors
    from components.data.vector_io import read_uploads, write_npy

    vectors = np.arange(1, 21, dtype=np.float32).reshape(10, 2)
    npy, metadata = write_npy(vectors, pd.DataFrame({"text": [str(i) for i in range(10)]}))
    imported = read_uploads([("v.npy", npy), ("m.csv", metadata)])
    cut = first_rows(imported, 4)
    assert cut.vectors.shape == (4, 2) and cut.metadata["text"].tolist() == ["0", "1", "2", "3"]
    assert "10 vectors is over the cap of 4" in cut.messages[-1].text
    assert first_rows(imported, 10) is imported
    unit, note = unit_vectors(cut.vectors)
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1.0, atol=1e-6)
    assert note is not None and "not unit length" in note.text
    assert unit_vectors(unit)[1] is None
