"""Vectors the user brought: what to show for each point, and when a query can be encoded.

No streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from components.core.texts import Message
from components.data.vector_io import ImportedVectors
from components.models.encoder import DEFAULT_MODEL, is_default_model
from components.vectors.similarity import normalize_rows

TEXT_NAMES = ("text", "sentence", "sentences", "content", "document", "title", "name", "word")
LABEL_NAMES = ("label", "labels", "topic", "category", "class", "cluster", "group", "tag")


def _find(columns: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {column.lower(): column for column in reversed(columns)}
    return next((lowered[name] for name in names if name in lowered), None)


def text_and_label_columns(metadata: pd.DataFrame) -> tuple[str | None, str | None]:
    """The columns to show as each point's text and colour it by (None when there is none).

    Text: a column named like text/sentence/…, else the first column. Label: one named like
    label/topic/…, other than the text column.
    """
    columns = [str(column) for column in metadata.columns]
    if not columns:
        return None, None
    text = _find(columns, TEXT_NAMES) or columns[0]
    label = _find([c for c in columns if c != text], LABEL_NAMES)
    return text, label


def texts_and_labels(
    metadata: pd.DataFrame, text_column: str | None, label_column: str | None
) -> tuple[list[str], list[str]]:
    """One distinct text and one label per row.

    Rows without a text are called "row 1", "row 2", …; a text seen before gets " (row N)", so
    that every point can be picked by its text.
    """
    rows = len(metadata)
    values = (
        [""] * rows
        if text_column is None
        else metadata[text_column].astype(str).fillna("").tolist()
    )
    seen: set[str] = set()
    texts = []
    for row, value in enumerate(values, start=1):
        text = base = value if value.strip() else f"row {row}"
        if text in seen:
            text = f"{base} (row {row})"
            copy = 1
            while text in seen:  # `a (row 3)` may itself be another row's text
                copy += 1
                text = f"{base} (row {row}, {copy})"
        seen.add(text)
        texts.append(text)
    labels = (
        [""] * rows
        if label_column is None
        else metadata[label_column].astype(str).fillna("").tolist()
    )
    return texts, labels


def canonical_model_name(name: str) -> str:
    return DEFAULT_MODEL if is_default_model(name) else name.strip()


@dataclass(frozen=True)
class QueryCheck:
    can_encode: bool  # a typed query can be encoded and compared with the imported vectors
    reason: str  # why (not), in words for the page
    needs_confirmation: bool = False  # only the user can say whether the model in use made them


def query_check(
    vectors_model: str | None,
    vectors_dimension: int,
    active_model: str,
    active_dimension: int,
    confirmed: bool = False,
) -> QueryCheck:
    """Whether queries typed now can be compared with imported vectors.

    Only vectors made by the model in use are comparable with its query vectors: the same
    dimension is necessary (cosine needs it) but not sufficient (two 384-d models place
    sentences differently).

    Args:
        vectors_model: the model named by the imported files, or None when they do not say.
        vectors_dimension: d of the imported vectors.
        active_model, active_dimension: the model loaded in the sidebar.
        confirmed: the user says the vectors were made by `active_model`.
    """
    active = canonical_model_name(active_model)
    if vectors_model is not None:
        named = canonical_model_name(vectors_model)
        if named == active and vectors_dimension == active_dimension:
            return QueryCheck(True, f"The vectors were made by `{named}`, the model in use.")
        if named == active:
            return QueryCheck(
                False,
                f"The file says `{named}` made these vectors, but they have {vectors_dimension} "
                f"dimensions and the model makes {active_dimension}: queries cannot be compared.",
            )
        return QueryCheck(
            False,
            f"These vectors were made by `{named}`; the model in use is `{active}`. Load "
            f"`{named}` in the sidebar to search them with typed queries.",
        )
    if vectors_dimension != active_dimension:
        return QueryCheck(
            False,
            f"The vectors have {vectors_dimension} dimensions and `{active}` makes "
            f"{active_dimension}: a typed query cannot be compared with them. Load the model "
            "that made them in the sidebar.",
        )
    if not confirmed:
        return QueryCheck(
            False,
            f"The files do not say which model made these {vectors_dimension}-d vectors. "
            f"If it was `{active}`, confirm it to search them with typed queries.",
            needs_confirmation=True,
        )
    return QueryCheck(
        True, f"You confirmed that `{active}` made these vectors.", needs_confirmation=True
    )


def describe(imported: ImportedVectors) -> str:
    """One line for the user: what was read, how many vectors of which size, made by which model."""
    rows, dimension = imported.vectors.shape
    made_by = f"`{imported.model}`" if imported.model else "a model the files do not name"
    return (
        f"Read **{imported.source}**: {rows:,} vector{'' if rows == 1 else 's'} of {dimension} "
        f"dimensions, made by {made_by}."
    )


def first_rows(imported: ImportedVectors, cap: int) -> ImportedVectors:
    """The first `cap` rows (with a message saying so when there were more)."""
    rows = len(imported.vectors)
    if rows <= cap:
        return imported
    note = Message(
        "warning",
        f"{rows:,} vectors is over the cap of {cap:,}: using the first {cap:,}.",
    )
    return replace(
        imported,
        vectors=imported.vectors[:cap],
        metadata=imported.metadata.iloc[:cap].reset_index(drop=True),
        messages=[*imported.messages, note],
    )


def unit_vectors(vectors: np.ndarray) -> tuple[np.ndarray, Message | None]:
    """Rows scaled to length 1 for the views (cosine only sees directions), and a message when
    the imported lengths were not 1 already."""
    # In float64, scaled by each row's largest value first: in float32, rows of 1e-30 have a
    # squared norm of 0 (and 3e38 one of inf), so their cosine with themselves came out 0.
    wide = np.asarray(vectors, dtype=np.float64)
    scale = np.abs(wide).max(axis=1, keepdims=True)  # (n, 1)
    scaled = wide / np.where(scale == 0, 1.0, scale)
    norms = np.linalg.norm(scaled, axis=1) * scale[:, 0]  # (n,)
    if np.allclose(norms, 1.0, atol=1e-3):
        return vectors, None
    unit = normalize_rows(scaled).astype(np.float32)
    return unit, Message(
        "info",
        f"The vectors are not unit length (lengths {norms.min():.3g} to {norms.max():.3g}): "
        "every view compares their directions (cosine); the exports keep them as imported.",
    )
