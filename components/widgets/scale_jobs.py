"""Explore's heavy work at any size: the vectors and what the views need of them, and the map's
projection; here and now for a few sentences, past `limits.BACKGROUND_SENTENCES` a background job drawn
with its progress (the page shows the rest meanwhile)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from components.content import lab_notes as notes
from components.core import limits
from components.explore import scale
from components.services import maps
from components.services.encoding import embed_texts
from components.services.maps import heatmap_blocks, preparation, projection_job
from components.services.models import ActiveModel
from components.vectors.neighbours import NeighbourSearch
from components.vectors.projection import METHOD_NAMES, ProjectionResult
from components.widgets.jobs import job_result
from components.widgets.layout import show_message


def prepared_views(
    views: ActiveModel, texts: list[str], vectors: np.ndarray | None = None
) -> scale.Prepared | None:
    """The vectors (n, dim) of the texts (or the user's own) and what the views need of them:
    past `limits.BACKGROUND_SENTENCES` sentences from a background job (None while it runs or after it
    stopped), below that here and now (heatmap blocks past `limits.HEATMAP_SENTENCES`)."""
    refusal = scale.memory_refusal(len(texts), views.info.dimension, scale.public_mode())
    show_message("error", refusal, stop=True)  # in public mode: a corpus this session can't hold
    if len(texts) >= limits.BACKGROUND_SENTENCES:
        st.caption(scale.memory_note(len(texts), views.info.dimension))
        return job_result(
            lambda restart: preparation(views, texts, vectors, restart=restart),
            "explore_prepare",
            "encoding",
            "Encoding" if vectors is None else "Preparing",
            caption=f"{len(texts):,} sentences: preparing them in the background.",
        )
    vectors = embed_texts(views, texts) if vectors is None else vectors
    many = len(texts) > limits.HEATMAP_SENTENCES  # blocks: k-means on at most 2,000 rows (~1 s)
    blocks = heatmap_blocks(views, tuple(texts), vectors) if many else None
    return scale.Prepared(vectors, [], NeighbourSearch(vectors), blocks)


def map_projection(
    active: ActiveModel,
    texts: list[str],
    vectors: np.ndarray,
    method: str,
    dims: int,
    settings: tuple,
) -> ProjectionResult | None:
    """The map's coordinates: here and now for a few sentences, from a background job (with its
    progress) for many; None while that job runs or when it stopped."""
    if len(texts) < limits.BACKGROUND_SENTENCES:
        with st.spinner(f"Projecting {len(texts):,} sentences with {METHOD_NAMES[method]}…"):
            return maps.projection(active, tuple(texts), method, dims, settings, vectors)
    return job_result(
        lambda restart: projection_job(
            active, texts, method, dims, settings, vectors, restart=restart
        ),
        "explore_map",
        "the projection",
        "The projection",
        wait=1.0,
        caption=notes.explore_projection_job(METHOD_NAMES[method], len(texts)),
    )
