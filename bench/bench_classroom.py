"""A class of 30 through the real server (issue 22), over Streamlit's websocket protocol: the
scenario of tests/load/classroom_scenario.py on a server started for this run (disk caches as
they are). `python -m bench classroom`; CLASSROOM_STUDENTS changes the class size."""

from __future__ import annotations

import os

from bench.common import Measure, print_measures
from tests.load.classroom_scenario import problems, run_class
from tests.load.conftest import running_server

STUDENTS = int(os.environ.get("CLASSROOM_STUDENTS", "30"))
PEAK_GOAL_MB = 600
CPU_PER_STUDENT_GOAL_S = 0.5
LAST_MAP_GOAL_S = 30.0
# issue 22's starting point (main, 2026-12-04, a class of 30, load average 8.5 -> 17.1)
BEFORE = {"peak": 769, "cpu": 1.28, "last_map": 61.9}


def run() -> None:
    with running_server("bench-classroom.log") as (port, process, log_path):
        markers, results, figures = run_class(port, process.pid, STUDENTS)
        traceback = "Traceback" in log_path.read_text()
    wrong = problems(markers, results)
    load = f"load {figures['load_average_before']} -> {figures['load_average_after']}"
    print_measures(
        f"A class of {STUDENTS} on one server (goals from issue 22; websocket clients)",
        [
            Measure(
                "server peak RSS (VmHWM, teacher's warm-up included)",
                figures["server_peak_rss_mb"],
                "MB",
                PEAK_GOAL_MB,
                f"before {BEFORE['peak']} MB; {load}",
            ),
            Measure(
                "server CPU per student: Explore + 14 sentences, then the tokenizer",
                figures["server_cpu_per_student_s"],
                "s",
                CPU_PER_STUDENT_GOAL_S,
                f"before {BEFORE['cpu']} s",
            ),
            Measure(
                "last student's map drawn after the first keystroke",
                figures["last_map_after_first_keystroke_s"],
                "s",
                LAST_MAP_GOAL_S,
                f"before {BEFORE['last_map']} s; teacher's warm-up {figures['teacher_s']} s",
            ),
            Measure(
                "students who saw a wrong page (own map/tokens missing, another's, an error)",
                len({line.split(" ", 1)[0].rstrip(":") for line in wrong}),
                "",
                0,
                "; ".join(wrong[:3]) + (" traceback in the log" if traceback else ""),
            ),
        ],
    )
