"""Load test (issue 21): a class of 30 in one room through the real server, loopback only.

`streamlit run` serves the app on a free 127.0.0.1 port with its own SQLite rooms database. A
teacher session opens a room and starts "predict a cosine"; 30 browser-less student sessions
(`streamlit_client.StreamlitSession`, the app's own websocket protocol) open the Class room page,
join and send a guess, all at once; the teacher starts the shared map and all 30 send two
sentences at once. Every guess and sentence must be stored exactly once, with its sender.

Meanwhile another session reruns Explore with new sentences again and again: its reruns during
the storm are compared with the same reruns on the quiet server before it, and bounded (see
`BUSY_MEDIAN_SECONDS`). The figures go to test-artifacts/room-load.json.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import statistics
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from components.rooms import COSINE, MAP, RoomStore
from components.widgets.room import LESSON_ON_MAP
from tests.load.conftest import ARTIFACTS, peak_rss_mb, running_server
from tests.load.streamlit_client import RunResult, StreamlitSession

STUDENTS = 30
PAGE = "Class_Room"
TIME_LIMIT = 110  # seconds for the whole test, server start excluded
QUIET_RERUNS = 3
# Explore's reruns while 30 students join and send at once: the median at most 10 s, every one at
# most 20 s (quiet: 0.3-0.7 s on the 2-core machine). All sessions share one process and its GIL,
# so 30 page scripts running at once slow Explore by their share of the CPU (measured: median
# 2.2-3.5 s alone, 5.5 s inside the full suite on a loaded machine, max 7-11 s). The bound is
# what tells that apart from a page held up behind the room's database writes or a queue the room
# filled: that would wait out the whole storm (~30 s).
BUSY_MEDIAN_SECONDS = 10.0
BUSY_MAX_SECONDS = 20.0


@pytest.fixture(scope="module")
def room_server(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('rooms') / 'rooms.db'}"
    with running_server("room-load-server.log", {"LAB_DATABASE_URL": url}) as started:
        yield (*started, url)


def _checked(result: RunResult, what: str) -> RunResult:
    assert not result.exceptions, f"{what}: {result.exceptions}"
    assert result.finished == "FINISHED_SUCCESSFULLY", f"{what}: {result.finished}"
    return result


def _name(number: int) -> str:
    return f"Student {number:02d}"


def _guess(number: int) -> float:
    return round(-0.9 + 0.06 * number, 2)


def _sentences(number: int) -> list[str]:
    return [f"Student {number:02d} went hiking.", f"Student {number:02d} read about rivers."]


async def _student_joins(session: StreamlitSession, code: str, number: int) -> None:
    await session.run(PAGE)
    fields = {"room_main_join_code": code, "room_main_join_name": _name(number)}
    joined = await session.run(
        PAGE, fields, triggers=("FormSubmitter:room_main_join-Join the room",)
    )
    _checked(joined, f"join {number}")
    assert any(f"as {_name(number)}" in text for text in joined.texts()), joined.texts()


async def _student_guesses(session: StreamlitSession, activity: int, number: int) -> None:
    prefix = f"room_main_{activity}"
    sent = await session.run(
        PAGE, {f"{prefix}_guess": [_guess(number)]}, triggers=(f"{prefix}_send_{activity}",)
    )
    _checked(sent, f"guess {number}")
    assert any("Sent ✓ your guess" in text for text in sent.texts()), sent.texts()


async def _student_sends(session: StreamlitSession, activity: int, number: int) -> None:
    prefix = f"room_main_{activity}"
    _checked(await session.run(PAGE), f"sees the map {number}")  # the new activity's inputs
    sent = await session.run(
        PAGE,
        {f"{prefix}_sentences": "\n".join(_sentences(number))},
        triggers=(f"{prefix}_send_{activity}",),
    )
    _checked(sent, f"sentences {number}")
    assert any("Sent ✓ 2 sentences" in text for text in sent.texts()), sent.texts()


async def _explore_rerun(session: StreamlitSession, number: int) -> float:
    text = f"Rerun {number} walks the dog.\nRerun {number} sells stocks.\nA cat naps {number}."
    result = _checked(await session.run("Explore", {"explore_text": text}), "Explore")
    return result.seconds


async def _class(port: int, url: str) -> dict:
    store = RoomStore(url)
    async with (
        StreamlitSession(port, timeout=TIME_LIMIT) as teacher,
        StreamlitSession(port, timeout=TIME_LIMIT) as explore,
    ):
        await teacher.run(PAGE)
        opened = _checked(await teacher.run(PAGE, triggers=("room_open",)), "open")
        code = re.search(r"Room code: `([A-Z]{6})`", " ".join(opened.texts())).group(1)
        start = "FormSubmitter:room_start-Start this activity"
        _checked(await teacher.run(PAGE, triggers=(start,)), "start cosine")
        cosine = store.current_activity(code)
        assert cosine is not None and cosine.kind == COSINE

        _checked(await explore.run("Explore"), "Explore first run")
        quiet = [await _explore_rerun(explore, number) for number in range(QUIET_RERUNS)]

        students = [StreamlitSession(port, timeout=TIME_LIMIT) for _ in range(STUDENTS)]
        for session in students:
            await session.__aenter__()
        busy: list[float] = []
        storm_done = asyncio.Event()

        async def explore_meanwhile() -> None:
            number = 100
            while not storm_done.is_set():
                busy.append(await _explore_rerun(explore, number))
                number += 1

        async def storm() -> dict:
            try:
                began = time.perf_counter()
                await asyncio.gather(*(_student_joins(s, code, n) for n, s in enumerate(students)))
                joined = time.perf_counter()
                await asyncio.gather(
                    *(_student_guesses(s, cosine.id, n) for n, s in enumerate(students))
                )
                guessed = time.perf_counter()
                kind = {"room_kind": "Sentences on a shared map"}  # sent with every run
                await teacher.run(PAGE, kind)
                _checked(await teacher.run(PAGE, kind, triggers=(start,)), "start map")
                shared = store.current_activity(code)
                assert shared is not None and shared.kind == MAP
                mapped = time.perf_counter()
                await asyncio.gather(
                    *(_student_sends(s, shared.id, n) for n, s in enumerate(students))
                )
                sent = time.perf_counter()
            finally:
                storm_done.set()
            return {
                "join_seconds": round(joined - began, 1),
                "guess_seconds": round(guessed - joined, 1),
                "sentences_seconds": round(sent - mapped, 1),
                "storm_seconds": round(sent - began, 1),
                "activity": cosine.id,
                "code": code,
            }

        figures, _ = await asyncio.gather(storm(), explore_meanwhile())
        for session in students:
            await session.__aexit__(None, None, None)
        # The teacher's live view of 60 sentences from 30 students, through the server.
        teacher_view = _checked(await teacher.run(PAGE), "teacher's map")
    store.dispose()
    figures["quiet"] = quiet
    figures["busy"] = busy
    figures["teacher_map_points"] = sum(
        _points(trace) for chart in teacher_view.charts() for trace in chart["data"]
    )
    figures["teacher_map_text"] = json.dumps(teacher_view.charts())
    return figures


def _points(trace: dict) -> int:
    """Points in a Plotly trace; numpy arrays arrive as `{"dtype", "bdata"}` (base64)."""
    x = trace.get("x", [])
    if isinstance(x, dict):
        return len(base64.b64decode(x["bdata"])) // np.dtype(x["dtype"]).itemsize
    return len(x)


def _run_apart(coroutine):
    """Its own event loop on its own thread (see test_concurrent_sessions._run_apart)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_thirty_students_at_once_every_answer_stored_once_explore_not_held_up(room_server):
    port, process, log_path, url = room_server
    started = time.monotonic()
    figures = _run_apart(_class(port, url))
    elapsed = time.monotonic() - started

    store = RoomStore(url)
    code = figures.pop("code")
    people = {student.id: student.name for student in store.students(code)}
    assert sorted(people.values()) == [_name(n) for n in range(STUDENTS)]
    guesses = store.predictions(code, figures.pop("activity"))
    assert len(guesses) == STUDENTS  # one each, none twice
    by_name = {people[guess.student_id]: guess.value for guess in guesses}
    assert by_name == {_name(n): pytest.approx(_guess(n)) for n in range(STUDENTS)}
    sent = store.sentences(code)
    counts = Counter((sentence.name, sentence.text) for sentence in sent)
    expected = {(_name(n), text) for n in range(STUDENTS) for text in _sentences(n)}
    assert set(counts) == expected and set(counts.values()) == {1}, counts.most_common(3)
    store.dispose()
    assert figures["teacher_map_points"] == 2 * STUDENTS + LESSON_ON_MAP  # the lesson's too
    map_text = figures.pop("teacher_map_text")
    assert all(text in map_text for _, text in expected)

    log = log_path.read_text()
    assert "Traceback" not in log, log[-3000:]
    quiet, busy = figures.pop("quiet"), figures.pop("busy")
    assert busy, "Explore never reran during the storm"
    quiet_median, busy_median = statistics.median(quiet), statistics.median(busy)
    figures.update(
        students=STUDENTS,
        explore_quiet_rerun_seconds=[round(s, 2) for s in quiet],
        explore_busy_rerun_seconds=[round(s, 2) for s in busy],
        explore_quiet_median=round(quiet_median, 2),
        explore_busy_median=round(busy_median, 2),
        explore_busy_max=round(max(busy), 2),
        slowdown_median=round(busy_median / quiet_median, 1),
        test_seconds=round(elapsed, 1),
        server_peak_rss_mb=round(peak_rss_mb(process.pid)),
    )
    (ARTIFACTS / "room-load.json").write_text(json.dumps(figures, indent=2))
    print(f"\nClass room load test: {json.dumps(figures)}")
    assert busy_median <= BUSY_MEDIAN_SECONDS and max(busy) <= BUSY_MAX_SECONDS, figures
    assert elapsed < TIME_LIMIT, figures
