"""The class rooms' database: the tables (SQLAlchemy Core), the schema version and its
migration, the engine for a database URL, and `RoomDatabase`, the base of `store.RoomStore`: its
connections, write transactions and the row look-ups that check a room is open and who may act.

- `sqlite:///path/rooms.db` (the default, under the app's data folder, see `database_url`): one
  file, WAL mode (readers never wait for the writer), each write transaction takes the write lock
  at its start (`BEGIN IMMEDIATE`) so concurrent writers queue instead of failing.
- `postgresql+psycopg://user@host/db`: the same tables, for a deployment with several app
  replicas (a pooled engine that pings its connections).

The schema is created on start, with a `schema_version` table; version 1 databases are migrated.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine, make_url

from components.core import limits
from components.core.texts import InputError
from components.models.onnx_files import cache_root
from components.rooms import codes
from components.rooms.records import Activity

SCHEMA_VERSION = 2  # 2: students.seat_hash (a student's rejoin secret)
DATABASE_ENV = "LAB_DATABASE_URL"
IDLE_SECONDS = limits.ROOM_IDLE_HOURS * 3600


metadata = MetaData()
schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))
rooms = Table(
    "rooms",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("last_used", Float, nullable=False, index=True),
    Column("closed_at", Float),
)
students = Table(
    "students",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("room_code", ForeignKey("rooms.code", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("name_key", Text, nullable=False),  # casefolded: "Sam" and "sam" are one name
    Column("joined_at", Float, nullable=False),
    Column("left_at", Float),
    Column("seat_hash", String(64)),  # SHA-256 of the student's rejoin secret
    UniqueConstraint("room_code", "name_key"),
)
activities = Table(
    "activities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("room_code", ForeignKey("rooms.code", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("prompt", Text, nullable=False),  # JSON: {"a", "b"} | {"question"} | {"anchor", ...}
    Column("label", Text, nullable=False, default=""),
    Column("started_at", Float, nullable=False),
    Column("revealed_at", Float),
    Column("answer", Float),  # the model's answer, stored when revealed
)
sentences = Table(
    "sentences",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("room_code", ForeignKey("rooms.code", ondelete="CASCADE"), nullable=False, index=True),
    Column("student_id", ForeignKey("students.id", ondelete="CASCADE"), nullable=False),
    Column("activity_id", Integer),  # the map activity current when sent (None: none was)
    Column("label", Text, nullable=False, default=""),
    Column("text", Text, nullable=False),
    Column("sent_at", Float, nullable=False),
)
predictions = Table(
    "predictions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("room_code", ForeignKey("rooms.code", ondelete="CASCADE"), nullable=False, index=True),
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), nullable=False),
    Column("student_id", ForeignKey("students.id", ondelete="CASCADE"), nullable=False),
    Column("value", Float, nullable=False),
    Column("sent_at", Float, nullable=False),
    UniqueConstraint("activity_id", "student_id"),
)


def database_url() -> str:
    """`$LAB_DATABASE_URL`, else an SQLite file `rooms.db` in the app's data folder (made when
    missing): `$SENTENCE_EMBEDDING_LAB_CACHE` or `~/.cache/sentence-embedding-lab`."""
    url = os.environ.get(DATABASE_ENV, "").strip()
    if url:
        return url
    folder = cache_root()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'rooms.db'}"


def make_engine(url: str) -> Engine:
    """The engine for `url`: SQLite with a 30 s timeout (its folder made when missing) and the
    settings of `sqlite_setup`, else a pooled engine that pings its connections."""
    parsed = make_url(url)
    options: dict[str, Any] = {"future": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        options["connect_args"] = {"timeout": 30, "check_same_thread": False}
    else:
        options.update(pool_pre_ping=True, pool_size=5, max_overflow=10)
    engine = create_engine(url, **options)
    if parsed.get_backend_name() == "sqlite":
        sqlite_setup(engine)
    return engine


def sqlite_setup(engine: Engine) -> None:
    """WAL, foreign keys and a busy timeout on every connection; a transaction run with the
    execution option `room_write=True` begins with `BEGIN IMMEDIATE` (the write lock at once)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's BEGIN below, not pysqlite's
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        write = connection.get_execution_options().get("room_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def create_schema(conn: Connection, url: str) -> None:
    """Create the tables that are missing and record (or migrate to) `SCHEMA_VERSION`, inside the
    caller's write transaction.

    Raises:
        RuntimeError: the database has a newer schema than this lab reads.
    """
    metadata.create_all(conn, checkfirst=True)
    found = conn.execute(select(schema_version.c.version)).scalars().all()
    if not found:
        conn.execute(insert(schema_version).values(version=SCHEMA_VERSION))
    elif max(found) < 2:  # version 1 had no rejoin secrets: add the column
        columns = {column["name"] for column in inspect(conn).get_columns("students")}
        if "seat_hash" not in columns:
            conn.exec_driver_sql("ALTER TABLE students ADD COLUMN seat_hash VARCHAR(64)")
        conn.execute(insert(schema_version).values(version=2))
    elif max(found) > SCHEMA_VERSION:
        raise RuntimeError(
            f"The rooms database at {make_url(url).render_as_string()} has schema "
            f"version {max(found)}; this lab reads version {SCHEMA_VERSION}. Update the lab."
        )


class RoomDatabase:
    """The connections to the rooms database at `url`, schema made on start; `RoomStore` adds
    what teachers and students do.

    Args:
        url: an SQLAlchemy URL, e.g. `sqlite:////srv/lab/rooms.db` or
            `postgresql+psycopg://lab@db/lab`.
        clock: seconds since the epoch (tests pass a fake clock to see rooms expire).
    """

    def __init__(self, url: str, *, clock: Callable[[], float] = time.time) -> None:
        self.url = url
        self._clock = clock
        self.dialect = make_url(url).get_backend_name()
        self._engine: Engine = make_engine(url)
        self._schema_lock = threading.Lock()
        self._create_schema()

    def _create_schema(self) -> None:
        with self._schema_lock, self._write() as conn:
            create_schema(conn, self.url)

    def schema_version(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.max(schema_version.c.version))).scalar_one())

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction (SQLite: holding the write lock from its start)."""
        with self._engine.connect() as conn:
            conn.execution_options(room_write=True)
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        """Close the pooled connections (the data stays in the database)."""
        self._engine.dispose()

    # -------------------------------------------------------------- rows, with access checks
    def _room_row(self, conn: Connection, code: str, *, lock: bool) -> Any:
        query = select(rooms).where(rooms.c.code == code)
        if lock and self.dialect != "sqlite":
            query = query.with_for_update()
        return conn.execute(query).first()

    def _open_room_row(self, conn: Connection, typed_code: object, *, lock: bool = True) -> Any:
        """The room's row when it is open (and, for a write, its use recorded).

        Raises:
            InputError: no such room, or it is closed or expired.
        """
        code = codes.normalize_code(typed_code)
        row = self._room_row(conn, code, lock=lock)
        now = self._clock()
        if row is None:
            raise InputError(
                f"There is no room {code}. Check the code on the teacher's screen (rooms "
                f"expire after {limits.ROOM_IDLE_HOURS} hours unused)."
            )
        if row.closed_at is not None:
            raise InputError(f"Room {code} is closed: the teacher has ended it.")
        if now - row.last_used > IDLE_SECONDS:
            raise InputError(
                f"Room {code} has expired: nothing was sent to it for "
                f"{limits.ROOM_IDLE_HOURS} hours. Ask your teacher for a new one."
            )
        if lock:
            conn.execute(update(rooms).where(rooms.c.code == code).values(last_used=now))
        return row

    def _teacher_room(self, conn: Connection, code: object, token: str | None) -> str:
        row = self._open_room_row(conn, code)
        if not codes.token_matches(token, row.token_hash):
            raise InputError(
                f"Only the browser session that opened room {row.code} can control it."
            )
        return row.code

    def _student_row(self, conn: Connection, code: str, student_id: object) -> Any:
        try:
            number = int(student_id)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            number = -1
        row = conn.execute(
            select(students).where(students.c.id == number, students.c.room_code == code)
        ).first()
        if row is None or row.left_at is not None:
            raise InputError(
                f"You are not in room {code} any more (you left, or the teacher removed your "
                "name). Join again to take part."
            )
        return row

    @staticmethod
    def _activity(row: Any) -> Activity:
        return Activity(
            row.id,
            row.kind,
            json.loads(row.prompt),
            row.label,
            row.started_at,
            revealed=row.revealed_at is not None,
            answer=row.answer,
        )

    def _activity_row(self, conn: Connection, code: str, activity_id: object) -> Any:
        try:
            number = int(activity_id)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            number = -1
        row = conn.execute(
            select(activities).where(activities.c.id == number, activities.c.room_code == code)
        ).first()
        if row is None:
            raise InputError(f"Room {code} has no such activity (the teacher may have cleared it).")
        return row
