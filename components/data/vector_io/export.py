"""Everything Explore computed as downloadable files: the Projector pair, Parquet, .npy + CSV."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from components.core.texts import FORMULA_STARTS, Message
from components.data.vector_io.npy import write_npy
from components.data.vector_io.parquet import write_parquet
from components.data.vector_io.tsv import projector_safe, write_projector_tsv


def export_table(
    texts: Sequence[str], labels: Sequence[str], coordinates: np.ndarray | None = None
) -> pd.DataFrame:
    """text, label and the map's coordinates (x, y[, z]) as one table."""
    table = pd.DataFrame({"text": list(texts), "label": list(labels)}, dtype=str)
    if coordinates is not None:
        for axis, name in zip(range(coordinates.shape[1]), "xyz", strict=False):
            table[name] = np.asarray(coordinates[:, axis], dtype=np.float32)
    return table


def _projector_pair(table: pd.DataFrame, vectors: np.ndarray) -> tuple[bytes, bytes]:
    """The Projector's files with text and label; tabs and line breaks become spaces there."""
    return write_projector_tsv(vectors, projector_safe(table[["text", "label"]])[0])


@dataclass(frozen=True)
class ExportFormat:
    label: str  # what the download button says
    file_name: str
    mime: str
    write: Callable[[pd.DataFrame, np.ndarray, str | None], bytes]  # (table, vectors, model)
    help: str | None = None  # the download button's tooltip

    def build(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        vectors: np.ndarray,
        coordinates: np.ndarray | None = None,
        model: str | None = None,
    ) -> bytes:
        """This file's bytes for vectors (n, d), their texts, labels and map (n, 2|3)."""
        return self.write(export_table(texts, labels, coordinates), vectors, model)


TSV_MIME = "text/tab-separated-values"
TSV_FORMULAS = (
    "Written exactly as the texts are, for the Embedding Projector (which shows them as labels "
    "and runs nothing): a cell starting with =, +, - or @ is not guarded with a leading ' as in "
    "the CSV files, so do not open this file in a spreadsheet."
)


def formula_warning(texts: Sequence[str], labels: Sequence[str]) -> Message | None:
    """A warning when the Projector's metadata.tsv will hold cells a spreadsheet would run as
    formulas (`=1+1`): that file keeps texts exactly (see `TSV_FORMULAS`); every CSV is guarded.
    """
    cells = sum(1 for cell in (*texts, *labels) if str(cell).lstrip("'").startswith(FORMULA_STARTS))
    if not cells:
        return None
    return Message(
        "warning",
        f"{cells:,} text{'s' if cells > 1 else ''} or label{'s' if cells > 1 else ''} start like "
        "a spreadsheet formula (=, +, -, @). The CSV downloads guard them (a leading '); "
        "metadata.tsv keeps them exactly for the Embedding Projector: do not open it in a "
        "spreadsheet.",
    )


EXPORT_FORMATS = (
    ExportFormat(
        "Projector: vectors.tsv",
        "vectors.tsv",
        TSV_MIME,
        lambda table, vectors, model: _projector_pair(table, vectors)[0],
    ),
    ExportFormat(
        "Projector: metadata.tsv",
        "metadata.tsv",
        TSV_MIME,
        lambda table, vectors, model: _projector_pair(table, vectors)[1],
        TSV_FORMULAS,
    ),
    ExportFormat(
        "Parquet: text, label, vector, map",
        "embeddings.parquet",
        "application/vnd.apache.parquet",
        lambda table, vectors, model: write_parquet(vectors, table, model),
    ),
    ExportFormat(
        "NumPy: vectors.npy",
        "vectors.npy",
        "application/octet-stream",
        lambda table, vectors, model: write_npy(vectors)[0],
    ),
    ExportFormat(
        "NumPy: metadata.csv (text, label, map)",
        "metadata.csv",
        "text/csv",
        lambda table, vectors, model: write_npy(vectors, table)[1],
    ),
)
