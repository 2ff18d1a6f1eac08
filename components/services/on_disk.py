"""Which results are kept on disk between server runs (`components.data.result_cache`): only the
packaged model's exact vectors and maps, and only for the default preset's sentences.

A cold server (Streamlit Community Cloud wakes a sleeping app into a fresh process) reads the
default preset's vectors and default map from the entries shipped in `sample_data/cache/`
instead of encoding and fitting them again before the first visitor sees Explore.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import streamlit as st

from components.data import result_cache
from components.models.encoder import DEFAULT_MODEL, is_default_model
from components.services.models import ActiveModel, is_session_model


def disk_fingerprint(active: ActiveModel) -> str | None:
    """The model's key for results kept on disk: only the packaged model's exact vectors' (name +
    weights hash), never another backend's."""
    if is_session_model(active) or not is_default_model(active.info.name):
        return None
    if active.key != active.info.name:  # the int8 or torch backend: other numbers
        return None
    return _packaged_fingerprint()


@st.cache_resource(show_spinner=False)
def _packaged_fingerprint() -> str:
    return result_cache.packaged_fingerprint(DEFAULT_MODEL)


@st.cache_resource(show_spinner=False)
def _default_preset_texts() -> tuple[str, ...]:
    from components.data.samples import DEFAULT_PRESET, load_preset

    return tuple(load_preset(DEFAULT_PRESET).texts)


def keep_on_disk(texts: Sequence[str]) -> bool:
    """Results are written to disk for the default preset only (never for users' own text)."""
    return tuple(texts) == _default_preset_texts()


def ship_default_preset(name: str | None = None) -> list[Path]:
    """Compute the default preset's vectors (with sentence-transformers itself, the reference),
    its default map and the fresh attention head of the model's size, and write them into
    `sample_data/cache/` (run after a model change: `python -m components.services.on_disk`)."""
    from components.data.samples import DEFAULT_PRESET, load_preset
    from components.models.encoder import embed, load_model
    from components.pooling.attention_head import ship_fresh_head
    from components.vectors.projection import project
    from components.vectors.similarity import cluster_order, cosine_similarity_matrix

    name = name or DEFAULT_MODEL
    fingerprint = result_cache.packaged_fingerprint(name)
    texts = load_preset(DEFAULT_PRESET).texts
    vectors = embed(load_model(), texts)  # (n, dim)
    method, n_components, params = result_cache.DEFAULT_MAP
    result = project(vectors, method, n_components, **params)
    order = cluster_order(cosine_similarity_matrix(vectors))
    for stale in result_cache.SHIPPED_DIR.glob("*.npz"):
        stale.unlink()
    folder = result_cache.SHIPPED_DIR
    written = [
        ship_fresh_head(vectors.shape[1], folder=folder),
        result_cache.save_vectors(fingerprint, texts, vectors, folder=folder),
        result_cache.save_projection(
            fingerprint, texts, method, n_components, params, result, folder=folder
        ),
        result_cache.save_order(fingerprint, texts, order, folder=folder),
    ]
    return [path for path in written if path is not None]


if __name__ == "__main__":
    for path in ship_default_preset():
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB)")
