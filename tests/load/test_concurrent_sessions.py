"""Load test (issue 9): 20+ concurrent sessions through the real server, loopback only.

`streamlit run` serves the app on a free 127.0.0.1 port; `SESSIONS` browser-less sessions
(`streamlit_client.StreamlitSession`, the app's own websocket protocol) connect at once, five
on each of Explore, Tokens & pooling, Loss lab and Search, each with its own input carrying its
own marker. Every session must see its own result and no other session's, no exception on its
page, and the server log must hold no traceback. The figures (sessions, wall time, the server's
peak memory, the largest message) go to test-artifacts/load.json and the test output.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.load.conftest import ARTIFACTS, peak_rss_mb
from tests.load.streamlit_client import RunResult, StreamlitSession

SESSIONS = 20  # 5 per page
PAGES = ("Explore", "Tokens_and_Pooling", "Loss_Lab", "Search_Long_Text")
TIME_LIMIT = 240  # seconds for the whole test, warm-up included


# ---------------------------------------------------------------- one session per page kind
def _chart_text(result: RunResult) -> str:
    return " ".join(json.dumps(chart) for chart in result.charts())


def _table_text(result: RunResult) -> str:
    """Strings inside the page's tables (Arrow data holds them as UTF-8 bytes)."""
    return " ".join(
        element.data.decode("utf-8", "replace")
        for kind, element in result.elements
        if kind in ("arrow_data_frame", "dataframe", "arrow_table") and hasattr(element, "data")
    )


async def explore(session: StreamlitSession, marker: str) -> str:
    await session.run("Explore")
    lines = [f"{marker} walks the dog", f"{marker} feeds the cat", f"{marker} sells stocks"]
    result = await session.run("Explore", {"explore_text": "\n".join(lines)})
    return _chart_text(result)


async def tokens(session: StreamlitSession, marker: str) -> str:
    await session.run("Tokens_and_Pooling")
    sentences = [f"The {marker} river bank flooded.", f"The {marker} bank raised rates."]
    result = await session.run("Tokens_and_Pooling", {"pooling_sentences": "\n".join(sentences)})
    return _chart_text(result)


async def loss_lab(session: StreamlitSession, marker: str) -> str:
    await session.run("Loss_Lab")
    row = f"{marker} anchor text\t{marker} positive text\tcompletely unrelated {marker}"
    await session.run("Loss_Lab", {"loss_paste": row})
    result = await session.run("Loss_Lab", {"loss_paste": row}, triggers=("loss_paste_add",))
    return _table_text(result) + _chart_text(result)


async def search(session: StreamlitSession, marker: str) -> str:
    await session.run("Search_Long_Text")
    result = await session.run(
        "Search_Long_Text", {"search_query": f"How is a lighthouse lens made, {marker}?"}
    )
    return _chart_text(result)


VISITS = {
    "Explore": explore,
    "Tokens_and_Pooling": tokens,
    "Loss_Lab": loss_lab,
    "Search_Long_Text": search,
}


async def _visit(port: int, page: str, marker: str) -> tuple[str, str, list[str], int]:
    async with StreamlitSession(port, timeout=TIME_LIMIT) as session:
        seen = await VISITS[page](session, marker)
        assert session.last is not None
        return page, seen, session.last.exceptions, session.largest_message


async def _all(port: int, markers: list[str]) -> list:
    visits = [
        _visit(port, PAGES[number % len(PAGES)], marker) for number, marker in enumerate(markers)
    ]
    return await asyncio.gather(*visits)


def _run_apart(coroutine):
    """Run `coroutine` in its own event loop on its own thread: when the browser tests ran first,
    Playwright's sync API leaves an event loop running on this thread and `asyncio.run` refuses."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_twenty_sessions_each_see_only_their_own_result(server):
    port, process, log_path = server
    started = time.monotonic()
    # Warm-up: one session per page loads the model and fills the shared caches.
    warm = _run_apart(_all(port, [f"warmup{page}" for page in range(len(PAGES))]))
    warmed = time.monotonic()
    assert all(not exceptions for _, _, exceptions, _ in warm), warm
    markers = [f"zq{number:02d}x" for number in range(SESSIONS)]
    results = _run_apart(_all(port, markers))
    finished = time.monotonic()
    for marker, (page, seen, exceptions, _) in zip(markers, results, strict=True):
        assert not exceptions, f"{page} {marker}: {exceptions}"
        assert marker in seen, f"{page} session {marker} does not see its own result"
        others = [other for other in markers if other != marker and other in seen]
        assert not others, f"{page} session {marker} sees other sessions' input: {others}"
    peak = peak_rss_mb(process.pid)
    log = log_path.read_text()
    assert "Traceback" not in log, log[-3000:]
    figures = {
        "sessions": SESSIONS,
        "pages": list(PAGES),
        "warm_up_seconds": round(warmed - started, 1),
        "concurrent_seconds": round(finished - warmed, 1),
        "server_peak_rss_mb": round(peak),
        "largest_message_mb": round(max(r[3] for r in results + warm) / 1e6, 2),
    }
    (ARTIFACTS / "load.json").write_text(json.dumps(figures, indent=2))
    print(f"\nLoad test: {json.dumps(figures)}")
    assert finished - started < TIME_LIMIT


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used so far (from /proc/PID/stat)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_an_idle_server_uses_almost_no_cpu(server):
    """Once the sessions are done, the server rests: no thread keeps spinning (a background job,
    a warm-up or a file watcher that never ends)."""
    _, process, _ = server
    # Background warm-ups that the visits started may still run: wait until the last 10 s used
    # under 2 CPU seconds (measured in 2 s windows), and fail if that never happens within 90 s.
    window, windows, most = 2.0, 5, 2.0
    deadline = time.monotonic() + 90
    used: deque[float] = deque(maxlen=windows)
    last = _cpu_seconds(process.pid)
    while time.monotonic() < deadline:
        time.sleep(window)
        now = _cpu_seconds(process.pid)
        used.append(now - last)
        last = now
        if len(used) == windows and sum(used) < most:
            return
    pytest.fail(
        f"the server never rested: CPU seconds in the last {windows} windows of {window:.0f} s: "
        + ", ".join(f"{seconds:.2f}" for seconds in used)
    )
