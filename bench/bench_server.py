"""The real server under a classroom (bench/server_load.py) and where one process's memory goes
(bench/memory_profile.py), each measured in this run next to the floor it is compared with."""

from __future__ import annotations

from bench.common import Measure, print_measures
from bench.memory_profile import PATHS, print_profile, profile
from bench.server_load import STUDENTS, floor_seconds, print_run, run_server_scenario

PEAK_GOAL_MB = 1_000
COLD_START_GOAL = 0.5  # x the floor (issue 22; 1.5 in issue 10)
CPU_PER_STUDENT_GOAL_S = 1.5


def run() -> None:
    for path in PATHS:
        print_profile(path, profile(path))
    floor_before = floor_seconds()
    warm = run_server_scenario(cold_cache=False)
    floor_middle = floor_seconds()
    cold = run_server_scenario(cold_cache=True)
    floor_after = floor_seconds()
    floor = sorted([floor_before, floor_middle, floor_after])[1]  # the machine is shared: median
    print_run("Server, disk caches warm (a restarted server)", warm, floor)
    print_run("Server, disk caches empty (a fresh container)", cold, floor)
    per_session = (warm.classroom_peak_mb - warm.after_visit_mb) / STUDENTS
    print_measures(
        "Classroom on one server (goals from issue 10; cold start from issue 22)",
        [
            Measure(
                "floor: python + sentence-transformers + model + encode 240",
                floor,
                "s",
                note=f"runs {floor_before:.1f} / {floor_middle:.1f} / {floor_after:.1f} s",
            ),
            Measure(
                "cold server, empty disk cache: first Explore drawn / floor",
                cold.cold_explore_s / floor,
                "x",
                COLD_START_GOAL,
                f"{cold.cold_explore_s:.1f} s",
            ),
            Measure(
                "cold server, warm disk cache: first Explore drawn / floor",
                warm.cold_explore_s / floor,
                "x",
                COLD_START_GOAL,
                f"{warm.cold_explore_s:.1f} s",
            ),
            Measure(
                "server RSS after a newcomer visits every page",
                warm.after_visit_mb,
                "MB",
                note=f"empty-cache server: {cold.after_visit_mb:.0f} MB",
            ),
            Measure(
                f"server peak RSS, that visit then {STUDENTS} students at once",
                warm.classroom_peak_mb,
                "MB",
                PEAK_GOAL_MB,
                f"with child processes {warm.classroom_peak_total_mb:.0f} MB",
            ),
            Measure(
                "same, empty disk cache (includes the one-time ONNX export)",
                cold.classroom_peak_mb,
                "MB",
                PEAK_GOAL_MB,
                f"with child processes {max(cold.classroom_peak_total_mb, cold.peak_visit_total_mb):.0f} MB",
            ),
            Measure(
                "memory per concurrent student (peak - after visit) / students", per_session, "MB"
            ),
            Measure(
                "server CPU per student: open Explore, type 14 sentences",
                warm.cpu_per_explore_visit_s,
                "s",
                CPU_PER_STUDENT_GOAL_S,
                f"{STUDENTS} at once, all drawn in {warm.explore_wall_s:.1f} s",
            ),
            Measure(
                "server CPU per student: type into the tokenizer",
                warm.cpu_per_tokenizer_visit_s,
                "s",
            ),
        ],
    )
