"""The similarity-matrix CSV export, through the formula-safe writer."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from components.core.tables import similarity_table
from components.core.texts import csv_bytes
from components.models.encoder import embed
from components.vectors.similarity import cosine_similarity_matrix

SENTENCES = ["A cat sat on the mat.", '=HYPERLINK("http://x")', "Stocks fell sharply."]


def read(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype={"sentence": str, "text": str})


def test_similarity_matrix_csv_holds_the_real_cosines_and_no_live_formula(model):
    vectors = embed(model, SENTENCES)
    similarity = cosine_similarity_matrix(vectors)
    table = read(csv_bytes(similarity_table(SENTENCES, similarity)))
    assert table.shape == (3, 4)
    np.testing.assert_allclose(table.iloc[:, 1:].to_numpy(), vectors @ vectors.T, atol=1e-5)
    assert not any(str(cell).startswith("=") for cell in table["sentence"])
    assert not any(column.startswith("=") for column in table.columns)
