"""The class rooms' store: rooms, students, activities and answers, through SQLAlchemy Core.

One `RoomStore(url)` per process (the app caches it); it is safe to share between threads. The
URL decides where rooms live (`database.py`: SQLite file in WAL mode, or PostgreSQL); on
PostgreSQL each write locks its room's row (`SELECT … FOR UPDATE`) so per-room limits hold under
races.

Every value goes through bound parameters (never into SQL text). Names and texts are checked
against `components.core.limits` (`records.py`) and refused with an `InputError` whose message
never repeats what a student typed (the UI shows messages as Markdown; student text is only
shown as text).

A room unused (nothing written) for `limits.ROOM_IDLE_HOURS` expires: it refuses everything and
is deleted, with all it holds, the next time a room is opened. Closing a room deletes its
students and answers at once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from components.core import limits
from components.core.texts import InputError
from components.rooms import codes
from components.rooms.database import (
    IDLE_SECONDS,
    RoomDatabase,
    activities,
    predictions,
    rooms,
    sentences,
    students,
)
from components.rooms.records import (
    MAP,
    Activity,
    Prediction,
    RoomStatus,
    Sentence,
    Student,
    check_value,
    clean_name,
    clean_prompt,
    clean_texts,
)


class RoomStore(RoomDatabase):
    """Class rooms in a database at `url` (SQLite file or PostgreSQL), schema made on start.

    Args:
        url: an SQLAlchemy URL, e.g. `sqlite:////srv/lab/rooms.db` or
            `postgresql+psycopg://lab@db/lab`.
        clock: seconds since the epoch (tests pass a fake clock to see rooms expire).
    """

    def open_room(self) -> tuple[str, str]:
        """Open a new room: its code (for the link) and the teacher's secret token.

        Raises:
            InputError: `limits.ROOMS_OPEN` rooms are open already.
        """
        self.purge_expired()
        token = codes.new_token()
        with self._write() as conn:
            now = self._clock()
            open_count = conn.execute(
                select(func.count())
                .select_from(rooms)
                .where(rooms.c.closed_at.is_(None), rooms.c.last_used >= now - IDLE_SECONDS)
            ).scalar_one()
            if open_count >= limits.ROOMS_OPEN:
                raise InputError(
                    f"The server has {limits.LIMITS['ROOMS_OPEN'].text}, its limit. Close a room "
                    "you no longer use, or try again later."
                )
            for _ in range(20):
                code = codes.new_code()
                if self._room_row(conn, code, lock=False) is None:
                    break
            else:  # pragma: no cover - 20 collisions among 34 million codes
                raise InputError("No free room code was found; try again.")
            conn.execute(
                insert(rooms).values(
                    code=code, token_hash=codes.token_hash(token), created_at=now, last_used=now
                )
            )
        return code, token

    def room(self, code: object) -> RoomStatus:
        """The room's state (closed and expired rooms too, until they are purged).

        Raises:
            InputError: not a code, or no such room.
        """
        normalized = codes.normalize_code(code)
        with self._engine.connect() as conn:
            row = self._room_row(conn, normalized, lock=False)
        if row is None:
            raise InputError(f"There is no room {normalized}.")
        return RoomStatus(
            normalized,
            row.created_at,
            row.last_used,
            closed=row.closed_at is not None,
            expired=self._clock() - row.last_used > IDLE_SECONDS,
        )

    def is_teacher(self, code: object, token: str | None) -> bool:
        """Whether `token` controls the room (False for an unknown, closed or expired room)."""
        try:
            with self._engine.connect() as conn:
                row = self._open_room_row(conn, code, lock=False)
        except InputError:
            return False
        return codes.token_matches(token, row.token_hash)

    def close(self, code: object, token: str | None) -> None:
        """End the room: its students, activities and answers are deleted at once; students who
        try to send get "closed"."""
        with self._write() as conn:
            normalized = self._teacher_room(conn, code, token)
            for table in (predictions, sentences, activities, students):
                conn.execute(delete(table).where(table.c.room_code == normalized))
            conn.execute(
                update(rooms).where(rooms.c.code == normalized).values(closed_at=self._clock())
            )

    def purge_expired(self) -> int:
        """Delete rooms unused for `limits.ROOM_IDLE_HOURS` (closed ones too), with all they
        hold; returns how many."""
        with self._write() as conn:
            old = select(rooms.c.code).where(rooms.c.last_used < self._clock() - IDLE_SECONDS)
            expired = conn.execute(old).scalars().all()
            if not expired:
                return 0
            for table in (predictions, sentences, activities, students):
                conn.execute(delete(table).where(table.c.room_code.in_(expired)))
            conn.execute(delete(rooms).where(rooms.c.code.in_(expired)))
        return len(expired)

    # -------------------------------------------------------------- students
    def join(self, code: object, name: object) -> int:
        """Join the room under `name`; returns the student's id (kept in their session).

        Raises:
            InputError: bad code, closed/expired/full room, or the name is empty, too long or
                taken (casefolded) in this room.
        """
        return self.join_with_seat(code, name)[0]

    def join_with_seat(self, code: object, name: object) -> tuple[int, str]:
        """`join`, and the student's rejoin secret (their "seat"): kept in their own session and
        link only; `rejoin(code, seat)` gives the same student back after a reload. The database
        keeps only its SHA-256 hash.

        Raises:
            InputError: as `join`.
        """
        cleaned = clean_name(name)
        seat = codes.new_token()
        with self._write() as conn:
            row = self._open_room_row(conn, code)
            count = conn.execute(
                select(func.count())
                .select_from(students)
                .where(students.c.room_code == row.code, students.c.left_at.is_(None))
            ).scalar_one()
            if count >= limits.ROOM_STUDENTS:
                raise InputError(f"Room {row.code} is full: {limits.LIMITS['ROOM_STUDENTS'].text}.")
            taken = conn.execute(
                select(students.c.id).where(
                    students.c.room_code == row.code, students.c.name_key == cleaned.casefold()
                )
            ).first()
            if taken is not None:
                raise InputError(
                    f"That name is already taken in room {row.code}: add an initial or pick "
                    "another."
                )
            try:
                result = conn.execute(
                    insert(students).values(
                        room_code=row.code,
                        name=cleaned,
                        name_key=cleaned.casefold(),
                        joined_at=self._clock(),
                        seat_hash=codes.token_hash(seat),
                    )
                )
            except IntegrityError as error:  # a race on the same name (PostgreSQL)
                raise InputError("That name was just taken in this room: pick another.") from error
            return int(result.inserted_primary_key[0]), seat

    def rejoin(self, code: object, seat: str | None) -> int:
        """The student whose rejoin secret is `seat`, back in the room under the same name (after
        a reload or a lost tab); returns their id. Only the browser that was given the seat has it.

        Raises:
            InputError: bad code, closed/expired room, or no student of this room holds that seat
                (a wrong secret, or the student left or was removed).
        """
        with self._write() as conn:
            row = self._open_room_row(conn, code)
            found = None
            if seat:
                found = conn.execute(
                    select(students).where(
                        students.c.room_code == row.code,
                        students.c.seat_hash == codes.token_hash(str(seat)),
                    )
                ).first()
            if found is None or found.left_at is not None:
                raise InputError(
                    f"This rejoin link no longer works in room {row.code} (you left, or the "
                    "teacher removed your name): join again with a name."
                )
            return int(found.id)

    def student(self, code: object, student_id: object) -> Student | None:
        """The student, or None when they left, were removed, or the room is gone."""
        try:
            with self._engine.connect() as conn:
                room = self._open_room_row(conn, code, lock=False)
                row = self._student_row(conn, room.code, student_id)
        except InputError:
            return None
        return Student(row.id, row.name, row.joined_at, active=True)

    def students(self, code: object) -> list[Student]:
        """The students in the room now, in the order they joined."""
        normalized = codes.normalize_code(code)
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(students)
                .where(students.c.room_code == normalized, students.c.left_at.is_(None))
                .order_by(students.c.id)
            ).all()
        return [Student(row.id, row.name, row.joined_at, active=True) for row in rows]

    def leave(self, code: object, student_id: object) -> None:
        """The student leaves: their name leaves the list, what they sent stays (the teacher
        can clear it)."""
        with self._write() as conn:
            room = self._open_room_row(conn, code)
            row = self._student_row(conn, room.code, student_id)
            conn.execute(
                update(students).where(students.c.id == row.id).values(left_at=self._clock())
            )

    def remove_student(self, code: object, token: str | None, student_id: object) -> None:
        """The teacher removes a name, and everything that student sent."""
        with self._write() as conn:
            normalized = self._teacher_room(conn, code, token)
            row = self._student_row(conn, normalized, student_id)
            conn.execute(delete(predictions).where(predictions.c.student_id == row.id))
            conn.execute(delete(sentences).where(sentences.c.student_id == row.id))
            conn.execute(delete(students).where(students.c.id == row.id))

    # -------------------------------------------------------------- activities
    def start_activity(
        self, code: object, token: str | None, kind: str, prompt: dict[str, str], label: str = ""
    ) -> int:
        """The teacher starts an activity (it becomes the room's current one); returns its id.

        `prompt`: {"a", "b"} for COSINE, {"anchor", "first", "second"} for TRIPLET, {"question"}
        for MAP (what to write about); `label` marks the sentences sent to a MAP activity.
        """
        cleaned = clean_prompt(kind, prompt)
        label = " ".join(str(label or "").split())
        if label:
            label = clean_texts([label], what="The label")[0]
        with self._write() as conn:
            normalized = self._teacher_room(conn, code, token)
            count = conn.execute(
                select(func.count())
                .select_from(activities)
                .where(activities.c.room_code == normalized)
            ).scalar_one()
            if count >= limits.ROOM_ACTIVITIES:
                raise InputError(
                    f"This room has {limits.LIMITS['ROOM_ACTIVITIES'].text}, its limit: open "
                    "a new room to go on."
                )
            result = conn.execute(
                insert(activities).values(
                    room_code=normalized,
                    kind=kind,
                    prompt=json.dumps(cleaned, ensure_ascii=False),
                    label=label,
                    started_at=self._clock(),
                )
            )
            return int(result.inserted_primary_key[0])

    def activities(self, code: object) -> list[Activity]:
        """The room's activities, oldest first."""
        normalized = codes.normalize_code(code)
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(activities)
                .where(activities.c.room_code == normalized)
                .order_by(activities.c.id)
            ).all()
        return [self._activity(row) for row in rows]

    def current_activity(self, code: object) -> Activity | None:
        """The activity started last (None before the first)."""
        normalized = codes.normalize_code(code)
        with self._engine.connect() as conn:
            row = conn.execute(
                select(activities)
                .where(activities.c.room_code == normalized)
                .order_by(activities.c.id.desc())
                .limit(1)
            ).first()
        return None if row is None else self._activity(row)

    def reveal(self, code: object, token: str | None, activity_id: object, answer: float) -> None:
        """The teacher reveals the model's `answer` (a cosine, or 0/1 for the closer sentence)."""
        with self._write() as conn:
            normalized = self._teacher_room(conn, code, token)
            row = self._activity_row(conn, normalized, activity_id)
            conn.execute(
                update(activities)
                .where(activities.c.id == row.id)
                .values(revealed_at=self._clock(), answer=float(answer))
            )

    # -------------------------------------------------------------- answers
    def add_prediction(
        self, code: object, activity_id: object, student_id: object, value: object
    ) -> None:
        """A student's guess (COSINE: a cosine in [-1, 1]) or vote (TRIPLET: 0 or 1); a second
        answer to the same activity replaces the first (each student counts once)."""
        with self._write() as conn:
            room = self._open_room_row(conn, code)
            student = self._student_row(conn, room.code, student_id)
            activity = self._activity_row(conn, room.code, activity_id)
            number = check_value(activity.kind, value)
            values = {"value": number, "sent_at": self._clock()}
            existing = conn.execute(
                select(predictions.c.id).where(
                    predictions.c.activity_id == activity.id,
                    predictions.c.student_id == student.id,
                )
            ).first()
            if existing is not None:
                conn.execute(
                    update(predictions).where(predictions.c.id == existing.id).values(**values)
                )
                return
            count = conn.execute(
                select(func.count())
                .select_from(predictions)
                .where(predictions.c.activity_id == activity.id)
            ).scalar_one()
            if count >= limits.ROOM_ANSWERS:
                raise InputError(
                    f"This activity has {limits.LIMITS['ROOM_ANSWERS'].text}, its limit."
                )
            conn.execute(
                insert(predictions).values(
                    room_code=room.code, activity_id=activity.id, student_id=student.id, **values
                )
            )

    def predictions(self, code: object, activity_id: object) -> list[Prediction]:
        """The answers to one activity, one per student, in the order they first arrived."""
        normalized = codes.normalize_code(code)
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(predictions.c.student_id, students.c.name, predictions.c.value)
                .join(students, students.c.id == predictions.c.student_id)
                .where(
                    predictions.c.room_code == normalized,
                    predictions.c.activity_id == _as_int(activity_id),
                )
                .order_by(predictions.c.id)
            ).all()
        return [Prediction(row.student_id, row.name, row.value) for row in rows]

    def add_sentences(self, code: object, student_id: object, texts: Sequence[str] | str) -> int:
        """A student's sentences for the room's shared map (labelled with the current map
        activity's label); returns how many were stored.

        Raises:
            InputError: any sentence too long or with NUL, or more than `limits.ROOM_SENTENCES`
                for this student in this room (nothing is stored then).
        """
        cleaned = clean_texts(texts)
        with self._write() as conn:
            room = self._open_room_row(conn, code)
            student = self._student_row(conn, room.code, student_id)
            sent = conn.execute(
                select(func.count())
                .select_from(sentences)
                .where(sentences.c.student_id == student.id)
            ).scalar_one()
            if sent + len(cleaned) > limits.ROOM_SENTENCES:
                left = max(0, limits.ROOM_SENTENCES - sent)
                raise InputError(
                    f"A student sends at most {limits.ROOM_SENTENCES} sentences to a room; you "
                    f"have sent {sent}, so {left} more fit (you tried {len(cleaned)})."
                )
            current = conn.execute(
                select(activities)
                .where(activities.c.room_code == room.code)
                .order_by(activities.c.id.desc())
                .limit(1)
            ).first()
            on_map = current is not None and current.kind == MAP
            now = self._clock()
            conn.execute(
                insert(sentences),
                [
                    {
                        "room_code": room.code,
                        "student_id": student.id,
                        "activity_id": current.id if on_map else None,
                        "label": current.label if on_map else "",
                        "text": text,
                        "sent_at": now,
                    }
                    for text in cleaned
                ],
            )
        return len(cleaned)

    def sentences(self, code: object) -> list[Sentence]:
        """Every sentence sent to the room, in the order they arrived."""
        normalized = codes.normalize_code(code)
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(sentences, students.c.name)
                .join(students, students.c.id == sentences.c.student_id)
                .where(sentences.c.room_code == normalized)
                .order_by(sentences.c.id)
            ).all()
        return [
            Sentence(row.id, row.student_id, row.name, row.text, row.label, row.activity_id)
            for row in rows
        ]

    def clear(
        self, code: object, token: str | None, activity_id: object, student_id: object = None
    ) -> int:
        """The teacher clears answers of an activity: one student's (`student_id`) or all.

        For a MAP activity the answers are sentences: those sent to it (or, for one student,
        all their sentences). Returns how many answers were deleted.
        """
        with self._write() as conn:
            normalized = self._teacher_room(conn, code, token)
            activity = self._activity_row(conn, normalized, activity_id)
            if activity.kind == MAP:
                table = sentences
                if student_id is None:
                    where = [sentences.c.activity_id == activity.id]
                else:
                    where = [sentences.c.student_id == _as_int(student_id)]
            else:
                table = predictions
                where = [predictions.c.activity_id == activity.id]
                if student_id is not None:
                    where.append(predictions.c.student_id == _as_int(student_id))
            result = conn.execute(delete(table).where(table.c.room_code == normalized, *where))
            return int(result.rowcount or 0)


def _as_int(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return -1
