"""Live class rooms: a teacher opens a room, students join by code and send guesses, votes and
sentences; stored in a real database (SQLite by default, PostgreSQL by URL). No streamlit here.

    from components.rooms import RoomStore
    store = RoomStore("sqlite:////tmp/rooms.db")
    code, token = store.open_room()
    sam = store.join(code, "Sam")
    store.add_sentences(code, sam, ["I went hiking."])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from components.rooms.codes import JoinAttempts, normalize_code
from components.rooms.records import (
    COSINE,
    KINDS,
    MAP,
    TRIPLET,
    Activity,
    Prediction,
    RoomStatus,
    Sentence,
    Student,
)

if TYPE_CHECKING:
    from components.rooms.database import database_url
    from components.rooms.store import RoomStore


def __getattr__(name: str):
    """`RoomStore` and `database_url` on first use: they import SQLAlchemy (~0.2 s and ~15 MB),
    which a page that shows no room (most visits, a cold server's first page) never needs."""
    if name == "RoomStore":
        from components.rooms.store import RoomStore

        return RoomStore
    if name == "database_url":
        from components.rooms.database import database_url

        return database_url
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "COSINE",
    "KINDS",
    "MAP",
    "TRIPLET",
    "Activity",
    "JoinAttempts",
    "Prediction",
    "RoomStatus",
    "RoomStore",
    "Sentence",
    "Student",
    "database_url",
    "normalize_code",
]
