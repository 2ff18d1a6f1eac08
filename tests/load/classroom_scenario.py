"""A class through the real server (issue 22), shared by tests/load/test_classroom.py (what must
always hold) and bench/bench_classroom.py (the speed and memory goals, 30 students).

One session (the teacher) opens Explore first, as before a lesson. Then every student at once
opens Explore, types its own 14 sentences, then its own text into the tokenizer on Tokens &
pooling. The figures: the server's peak RSS (VmHWM), its CPU per student (from /proc, both
steps), the last student's map after the first keystroke, and the load average around.
"""

from __future__ import annotations

import asyncio
import os
import time

from tests.load.conftest import peak_rss_mb
from tests.load.streamlit_client import StreamlitSession
from tests.load.test_concurrent_sessions import _chart_text, _cpu_seconds, _run_apart

SENTENCES = [
    "How do I sort a list in Python?",
    "Python list sort methods?",
    "What is the GDP of Canada?",
    "Signs you're low on iron",
    "Symptoms of iron-deficiency anaemia?",
    "The cat sat on the warm windowsill.",
    "A kitten was sleeping in the sun by the window.",
    "Stock markets fell sharply on Monday.",
    "Shares dropped at the start of the week.",
    "My favourite food is a spicy taco.",
    "Quantum computers use qubits.",
    "Superconductors expel magnetic fields below a critical temperature.",
    "The train to Berlin leaves at nine.",
    "I missed the nine o'clock train to Berlin.",
]


async def student(port: int, marker: str, first_keystroke: list[float]) -> dict:
    async with StreamlitSession(port, timeout=600) as session:
        await session.run("Explore")
        first_keystroke.append(time.monotonic())
        typed = "\n".join(f"{sentence} ({marker})" for sentence in SENTENCES)
        result = await session.run("Explore", {"explore_text": typed})
        drawn = time.monotonic()
        explore = _chart_text(result)
        await session.run("Tokens_and_Pooling")
        result = await session.run(
            "Tokens_and_Pooling", {"pooling_text": f"{marker} types quantumness 🚀"}
        )
        return {
            "marker": marker,
            "drawn": drawn,
            "explore": explore,
            "tokens": " ".join(result.texts()) + _chart_text(result),
            "exceptions": result.exceptions + (session.last.exceptions if session.last else []),
        }


async def classroom(port: int, markers: list[str]) -> tuple[list[dict], float]:
    first_keystroke: list[float] = []
    results = await asyncio.gather(*(student(port, m, first_keystroke) for m in markers))
    return results, min(first_keystroke)


def run_class(port: int, pid: int, students: int) -> tuple[list[str], list[dict], dict]:
    """The teacher, then `students` at once: (markers, each student's result, figures)."""
    started = time.monotonic()
    teacher = _run_apart(classroom(port, ["teacherzz"]))[0]
    assert not teacher[0]["exceptions"], teacher
    warmed = time.monotonic()
    cpu_before = _cpu_seconds(pid)
    load_before = os.getloadavg()[0]
    markers = [f"st{number:02d}qx" for number in range(students)]
    results, first = _run_apart(classroom(port, markers))
    cpu = (_cpu_seconds(pid) - cpu_before) / students
    figures = {
        "students": students,
        "server_peak_rss_mb": round(peak_rss_mb(pid)),
        "server_cpu_per_student_s": round(cpu, 3),
        "last_map_after_first_keystroke_s": round(
            max(result["drawn"] for result in results) - first, 1
        ),
        "teacher_s": round(warmed - started, 1),
        "class_s": round(time.monotonic() - warmed, 1),
        "load_average_before": round(load_before, 1),
        "load_average_after": round(os.getloadavg()[0], 1),
    }
    return markers, results, figures


def problems(markers: list[str], results: list[dict]) -> list[str]:
    """What went wrong for any student: an exception, no map or tokens of its own, another's input."""
    found = []
    for result in results:
        marker = result["marker"]
        if result["exceptions"]:
            found.append(f"{marker}: {result['exceptions']}")
        if marker not in result["explore"]:
            found.append(f"{marker} does not see a map of its sentences")
        if marker not in result["tokens"]:
            found.append(f"{marker} does not see its tokens")
        others = [m for m in markers if m != marker and m in result["explore"] + result["tokens"]]
        if others:
            found.append(f"{marker} sees other students' input: {others}")
    return found
