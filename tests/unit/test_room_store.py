"""RoomStore against a fresh SQLite file per test and, when LAB_TEST_POSTGRES_URL is set (CI
sets it, see .ci/run), against PostgreSQL too: the same tests, the same answers."""

from __future__ import annotations

import os
import threading
import time

import pytest
from sqlalchemy import create_engine

from components.core import limits
from components.core.texts import InputError
from components.rooms import COSINE, MAP, TRIPLET, JoinAttempts, RoomStore, codes, normalize_code
from components.rooms import database as database_module

POSTGRES_URL = os.environ.get("LAB_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgresql"]


def _fresh_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        database_module.metadata.drop_all(conn)
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'rooms.db'}"
    if not POSTGRES_URL:
        pytest.skip("LAB_TEST_POSTGRES_URL is not set (CI sets it; see .ci/run)")
    _fresh_postgres(POSTGRES_URL)
    return POSTGRES_URL


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(url, clock):
    room_store = RoomStore(url, clock=clock)
    yield room_store
    room_store.dispose()


def test_a_room_from_open_to_close(store):
    code, token = store.open_room()
    assert len(code) >= 5 and set(code) <= set(codes.ALPHABET)
    assert token not in code and len(token) >= 32
    sam = store.join(code, "Sam")
    ana = store.join(code.lower(), "  Ana  ")  # codes are read in any case, names trimmed
    assert [s.name for s in store.students(code)] == ["Sam", "Ana"]

    pair = store.start_activity(code, token, COSINE, {"a": "A cat sleeps.", "b": "A dog barks."})
    store.add_prediction(code, pair, sam, 0.6)
    store.add_prediction(code, pair, ana, -0.1)
    store.add_prediction(code, pair, sam, 0.4)  # a second answer replaces the first
    assert [(p.name, p.value) for p in store.predictions(code, pair)] == [
        ("Sam", 0.4),
        ("Ana", -0.1),
    ]
    store.reveal(code, token, pair, 0.25)
    assert store.current_activity(code).answer == 0.25 and store.current_activity(code).revealed

    shared = store.start_activity(code, token, MAP, {"question": "Your weekend"}, label="weekend")
    assert store.add_sentences(code, sam, ["I went hiking.", "", "  I slept. "]) == 2
    store.add_sentences(code, ana, "I read a book.")
    sent = store.sentences(code)
    assert [(s.name, s.text, s.label, s.activity_id) for s in sent] == [
        ("Sam", "I went hiking.", "weekend", shared),
        ("Sam", "I slept.", "weekend", shared),
        ("Ana", "I read a book.", "weekend", shared),
    ]

    vote = store.start_activity(code, token, TRIPLET, {"anchor": "a", "first": "b", "second": "c"})
    store.add_prediction(code, vote, sam, 1)
    assert store.predictions(code, vote)[0].value == 1.0
    with pytest.raises(InputError, match="vote is 0"):
        store.add_prediction(code, vote, ana, 0.5)
    with pytest.raises(InputError, match="sentences, not a guess"):
        store.add_prediction(code, shared, ana, 0.5)
    assert [a.kind for a in store.activities(code)] == [COSINE, MAP, TRIPLET]

    store.close(code, token)
    assert store.room(code).closed
    with pytest.raises(InputError, match="closed"):
        store.join(code, "Late")
    with pytest.raises(InputError, match="closed"):
        store.add_sentences(code, sam, ["x"])
    assert store.sentences(code) == [] and store.students(code) == []


def test_only_the_token_controls_the_room(store):
    code, token = store.open_room()
    other_code, other_token = store.open_room()
    sam = store.join(code, "Sam")
    for wrong in (None, "", "guess", other_token, token[:-1]):
        with pytest.raises(InputError, match="Only the browser session that opened"):
            store.start_activity(code, wrong, COSINE, {"a": "x", "b": "y"})
        with pytest.raises(InputError, match="Only the browser session"):
            store.close(code, wrong)
        with pytest.raises(InputError, match="Only the browser session"):
            store.remove_student(code, wrong, sam)
    assert store.is_teacher(code, token) and not store.is_teacher(code, other_token)
    assert not store.is_teacher(other_code, token)
    assert store.students(code)[0].name == "Sam"


def test_clear_remove_and_leave(store):
    code, token = store.open_room()
    sam, ana = store.join(code, "Sam"), store.join(code, "Ana")
    pair = store.start_activity(code, token, COSINE, {"a": "x", "b": "y"})
    store.add_prediction(code, pair, sam, 0.1)
    store.add_prediction(code, pair, ana, 0.2)
    assert store.clear(code, token, pair, sam) == 1
    assert [p.name for p in store.predictions(code, pair)] == ["Ana"]
    assert store.clear(code, token, pair) == 1 and store.predictions(code, pair) == []

    shared = store.start_activity(code, token, MAP, {"question": ""})
    store.add_sentences(code, sam, ["one", "two"])
    store.add_sentences(code, ana, ["three"])
    assert store.clear(code, token, shared, ana) == 1
    assert [s.text for s in store.sentences(code)] == ["one", "two"]

    store.remove_student(code, token, sam)  # the name and all Sam sent go
    assert store.sentences(code) == [] and [s.name for s in store.students(code)] == ["Ana"]
    assert store.student(code, sam) is None
    with pytest.raises(InputError, match="not in room"):
        store.add_sentences(code, sam, ["back"])

    store.leave(code, ana)
    assert store.students(code) == [] and store.student(code, ana) is None
    with pytest.raises(InputError, match="not in room"):
        store.add_prediction(code, pair, ana, 0.3)


def test_invalid_codes_and_limits_have_clear_messages(store):
    with pytest.raises(InputError, match="not a room code"):
        store.join("AB", "Sam")
    with pytest.raises(InputError, match="not a room code"):
        store.join("OOOOOO", "Sam")  # O is a look-alike: never in a code
    with pytest.raises(InputError, match="no room"):
        store.join("ACDEFH", "Sam")
    code, token = store.open_room()
    with pytest.raises(InputError, match="Type a name"):
        store.join(code, "   ")
    with pytest.raises(InputError, match=f"limit is {limits.ROOM_NAME_CHARS}"):
        store.join(code, "x" * (limits.ROOM_NAME_CHARS + 1))
    sam = store.join(code, "Sam")
    with pytest.raises(InputError, match="already taken"):
        store.join(code, "SAM")
    with pytest.raises(InputError, match=f"limit is {limits.ROOM_SENTENCE_CHARS}"):
        store.add_sentences(code, sam, ["ok", "y" * (limits.ROOM_SENTENCE_CHARS + 1)])
    assert store.sentences(code) == []  # nothing of a refused batch is kept
    store.add_sentences(code, sam, ["s"] * limits.ROOM_SENTENCES)
    with pytest.raises(InputError, match=f"at most {limits.ROOM_SENTENCES} sentences"):
        store.add_sentences(code, sam, ["one more"])
    pair = store.start_activity(code, token, COSINE, {"a": "x", "b": "y"})
    for bad in (1.5, -2, float("nan"), "abc", None):
        with pytest.raises(InputError, match="from -1 to 1"):
            store.add_prediction(code, pair, sam, bad)
    with pytest.raises(InputError, match="no such activity"):
        store.add_prediction(code, 9999, sam, 0.1)


def test_room_limits_students_and_rooms_open(store, monkeypatch):
    monkeypatch.setattr(limits, "ROOM_STUDENTS", 3)
    monkeypatch.setattr(limits, "ROOMS_OPEN", 2)
    code, token = store.open_room()
    for name in ("a", "b", "c"):
        store.join(code, name)
    with pytest.raises(InputError, match="is full"):
        store.join(code, "d")
    store.open_room()
    with pytest.raises(InputError, match="class rooms open at once"):
        store.open_room()
    store.close(code, token)  # a closed room frees its place
    store.open_room()


def test_rooms_expire_after_a_day_unused(store, clock):
    code, _ = store.open_room()
    sam = store.join(code, "Sam")
    clock.now += limits.ROOM_IDLE_HOURS * 3600 - 60
    store.add_sentences(code, sam, ["still here"])  # a write keeps the room alive
    clock.now += limits.ROOM_IDLE_HOURS * 3600 - 60
    store.join(code, "Ana")
    clock.now += limits.ROOM_IDLE_HOURS * 3600 + 1
    assert store.room(code).expired
    with pytest.raises(InputError, match="expired"):
        store.join(code, "Late")
    store.open_room()  # opening a room purges the expired ones, with all they hold
    with pytest.raises(InputError, match="no room"):
        store.room(code)
    assert store.sentences(code) == []


def test_schema_version_and_restart_lose_nothing(url, clock):
    first = RoomStore(url, clock=clock)
    code, token = first.open_room()
    sam = first.join(code, "Sam")
    pair = first.start_activity(code, token, COSINE, {"a": "x", "b": "y"})
    first.add_prediction(code, pair, sam, 0.5)
    first.add_sentences(code, sam, ["kept across a restart"])
    first.dispose()
    second = RoomStore(url, clock=clock)  # a new process on the same database
    assert second.schema_version() == database_module.SCHEMA_VERSION
    assert [s.text for s in second.sentences(code)] == ["kept across a restart"]
    assert second.predictions(code, pair)[0].value == 0.5
    assert second.is_teacher(code, token)
    second.join(code, "Ana")
    second.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path):
    room_store = RoomStore(f"sqlite:///{tmp_path / 'sub' / 'rooms.db'}")  # folder made
    with room_store._engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    room_store.dispose()


def test_thirty_students_at_once_every_answer_stored_once(store):
    code, token = store.open_room()
    pair = store.start_activity(code, token, COSINE, {"a": "x", "b": "y"})
    shared = store.start_activity(code, token, MAP, {"question": "q"}, label="l")
    errors: list[BaseException] = []
    start = threading.Barrier(30)

    def student(number: int) -> None:
        try:
            start.wait()
            me = store.join(code, f"student {number}")
            store.add_prediction(code, pair, me, number / 100)
            store.add_sentences(code, me, [f"sentence {number} a", f"sentence {number} b"])
            store.add_prediction(code, pair, me, number / 50)  # replaces, never duplicates
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    began = time.perf_counter()
    threads = [threading.Thread(target=student, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    assert not errors, errors
    assert len(store.students(code)) == 30
    guesses = {p.name: p.value for p in store.predictions(code, pair)}
    assert guesses == {f"student {n}": n / 50 for n in range(30)}
    texts = [s.text for s in store.sentences(code)]
    assert sorted(texts) == sorted(f"sentence {n} {x}" for n in range(30) for x in "ab")
    assert {s.activity_id for s in store.sentences(code)} == {shared}
    print(f"30 students x 4 writes: {elapsed:.2f} s ({store.dialect})")
    assert elapsed < 30


HOSTILE = [
    "Robert'); DROP TABLE students;--",
    "[click me](https://example.com/steal)",
    "<script>alert(1)</script><img src=x onerror=alert(2)>",
    "**bold** _it_ `code` # heading",
    "$\\frac{1}{0}$ :red[red] ‮reversed",
    "emoji 🧪 and 中文",
]


def test_hostile_names_and_texts_are_stored_as_typed(store):
    code, token = store.open_room()
    ids = {}
    for number, text in enumerate(HOSTILE):
        name = text[: limits.ROOM_NAME_CHARS]
        ids[name] = store.join(code, name)
        store.add_sentences(code, ids[name], [text])
    assert [s.name for s in store.students(code)] == list(ids)
    assert [s.text for s in store.sentences(code)] == HOSTILE
    pair = store.start_activity(code, token, COSINE, {"a": HOSTILE[0], "b": HOSTILE[2]})
    assert store.current_activity(code).prompt == {"a": HOSTILE[0], "b": HOSTILE[2]}
    store.add_prediction(code, pair, ids[HOSTILE[0][: limits.ROOM_NAME_CHARS]], 0.2)
    assert len(store.students(code)) == len(HOSTILE)  # the tables are all still there


@pytest.mark.parametrize("text", ["a\x00b", "x" * 10_240])
def test_nul_and_10_kb_are_refused_with_input_error(store, text):
    code, token = store.open_room()
    sam = store.join(code, "Sam")
    with pytest.raises(InputError) as error:
        store.add_sentences(code, sam, [text])
    assert "\x00" not in str(error.value) and len(str(error.value)) < 200  # never echoed
    with pytest.raises(InputError):
        store.join(code, text)
    with pytest.raises(InputError):
        store.start_activity(code, token, COSINE, {"a": text, "b": "y"})
    assert store.sentences(code) == []


def test_codes_and_join_attempts():
    many = {codes.new_code() for _ in range(2_000)}
    assert len(many) > 1_990
    assert all(
        len(code) == codes.CODE_LETTERS and set(code) <= set(codes.ALPHABET) for code in many
    )
    assert not set(codes.ALPHABET) & set("BGILOQSZ0125689")
    assert normalize_code(" acd-efh ") == "ACDEFH"
    attempts = JoinAttempts()
    for second in range(limits.ROOM_JOIN_ATTEMPTS):
        attempts.check(100.0 + second)
    with pytest.raises(InputError, match="Too many join attempts"):
        attempts.check(110.0)
    attempts.check(161.0)  # a minute after the first, one more is allowed


def test_database_url_defaults_to_a_file_in_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(database_module.DATABASE_ENV, raising=False)
    monkeypatch.setenv("SENTENCE_EMBEDDING_LAB_CACHE", str(tmp_path / "data"))
    assert database_module.database_url() == f"sqlite:///{tmp_path / 'data' / 'rooms.db'}"
    assert (tmp_path / "data").is_dir()
    monkeypatch.setenv(database_module.DATABASE_ENV, "postgresql+psycopg://u@h/db")
    assert database_module.database_url() == "postgresql+psycopg://u@h/db"


def test_a_reloaded_student_gets_their_seat_back_only_with_its_secret(store):
    code, token = store.open_room()
    sam, seat = store.join_with_seat(code, "Sam")
    other, other_seat = store.join_with_seat(code, "Ana")
    assert seat != other_seat and len(seat) >= 40
    store.add_sentences(code, sam, ["I went hiking."])
    assert store.rejoin(code, seat) == sam  # a reload: same id, same name, what was sent stays
    assert store.rejoin(code.lower(), seat) == sam
    assert [s.text for s in store.sentences(code) if s.student_id == sam] == ["I went hiking."]
    with pytest.raises(InputError, match="taken"):
        store.join(code, "sam")  # the name alone never gives the seat
    for wrong in ("", None, seat[:-1] + ("A" if seat[-1] != "A" else "B"), other_seat + "x"):
        with pytest.raises(InputError, match="rejoin link no longer works"):
            store.rejoin(code, wrong)
    second, _ = store.open_room()
    with pytest.raises(InputError, match="rejoin link no longer works"):
        store.rejoin(second, seat)  # a seat belongs to its room
    store.leave(code, other)
    with pytest.raises(InputError, match="rejoin link no longer works"):
        store.rejoin(code, other_seat)  # who left chose to
    store.remove_student(code, token, sam)
    with pytest.raises(InputError, match="rejoin link no longer works"):
        store.rejoin(code, seat)


def test_a_version_1_database_gains_seats_and_keeps_its_rooms(tmp_path, clock):
    url = f"sqlite:///{tmp_path / 'rooms.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:  # the version 1 schema, as the first release made it
        conn.exec_driver_sql(
            "CREATE TABLE rooms (code VARCHAR(16) PRIMARY KEY, token_hash VARCHAR(64) NOT NULL, "
            "created_at FLOAT NOT NULL, last_used FLOAT NOT NULL, closed_at FLOAT)"
        )
        conn.exec_driver_sql(
            "CREATE TABLE students (id INTEGER PRIMARY KEY AUTOINCREMENT, room_code VARCHAR(16) "
            "NOT NULL REFERENCES rooms(code) ON DELETE CASCADE, name TEXT NOT NULL, name_key TEXT "
            "NOT NULL, joined_at FLOAT NOT NULL, left_at FLOAT, UNIQUE (room_code, name_key))"
        )
        conn.exec_driver_sql("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        conn.exec_driver_sql("INSERT INTO schema_version VALUES (1)")
        conn.exec_driver_sql(
            f"INSERT INTO rooms VALUES ('ACDEFH', '{codes.token_hash('t')}', {clock.now}, "
            f"{clock.now}, NULL)"
        )
        conn.exec_driver_sql(
            f"INSERT INTO students (room_code, name, name_key, joined_at) VALUES "
            f"('ACDEFH', 'Old', 'old', {clock.now})"
        )
    engine.dispose()
    store = RoomStore(url, clock=clock)
    try:
        assert store.schema_version() == database_module.SCHEMA_VERSION == 2
        assert [s.name for s in store.students("ACDEFH")] == ["Old"]
        with pytest.raises(InputError, match="rejoin link no longer works"):
            store.rejoin("ACDEFH", "")  # a student of version 1 has no seat
        new, seat = store.join_with_seat("ACDEFH", "New")
        assert store.rejoin("ACDEFH", seat) == new
    finally:
        store.dispose()
    assert RoomStore(url, clock=clock).schema_version() == 2  # a second start changes nothing
