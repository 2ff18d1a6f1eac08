"""The class rooms' store, one per process and database URL (shared by every session: the
RoomStore is thread-safe and holds no session's data), and the model's answers for a room."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from components.services.encoding import embed_texts
from components.services.models import ActiveModel

if TYPE_CHECKING:
    from components.rooms.store import RoomStore


@st.cache_resource(show_spinner=False, max_entries=2)
def _store(url: str) -> RoomStore:
    from components.rooms.store import RoomStore  # SQLAlchemy: only once a room is used

    return RoomStore(url)


def room_store() -> RoomStore:
    """The RoomStore of `$LAB_DATABASE_URL` (default: SQLite in the app's data folder)."""
    from components.rooms.database import database_url

    return _store(database_url())


def cosines_to_first(active: ActiveModel, texts: list[str]) -> np.ndarray:
    """The model's cosine of `texts[0]` with each of the others, (len(texts) - 1,)."""
    vectors = embed_texts(active, list(texts))  # (n, dim), unit length
    return vectors[1:] @ vectors[0]
