"""Live class rooms: a teacher opens a room, students join by code and send guesses, votes and
sentences; stored in a real database (SQLite by default, PostgreSQL by URL). No streamlit here.

    from components.rooms import RoomStore
    store = RoomStore("sqlite:////tmp/rooms.db")
    code, token = store.open_room()
    sam = store.join(code, "Sam")
    store.add_sentences(code, sam, ["I went hiking."])
"""

from __future__ import annotations

from components.rooms.codes import JoinAttempts, normalize_code
from components.rooms.database import database_url
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
from components.rooms.store import RoomStore

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
