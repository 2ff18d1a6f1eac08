"""Every page in AppTest with its defaults: rerun time with nothing changed, largest chart.

The rerun is issue 22's measure: the page's first two runs, then the best of 3 reruns with
nothing changed (goal 0.1 s on every page)."""

from __future__ import annotations

import os
import time

from bench.common import ROOT, Measure, print_measures

PAGES = {
    "Home": None,
    "Explore": "pages/1_Explore.py",
    "Tokens & pooling": "pages/2_Tokens_and_Pooling.py",
    "Loss lab": "pages/3_Loss_Lab.py",
    "Long text & search": "pages/4_Search_Long_Text.py",
    "Map lab": "pages/5_Map_Lab.py",
    "Glossary": "pages/6_Glossary.py",
    "Class room": "pages/7_Class_Room.py",
}
RERUN_GOAL_S = 0.1  # issue 22 (0.15 in issue 10)
# before issue 22's rerun work (best of 3, AppTest, 2026-12-04 on the shared 2-core machine)
BEFORE_S: dict[str, float] = {}
CHART_GOAL_MB = 2.0


def wait_for_warm_ups() -> None:
    """Join the process's one-time background threads (UMAP JIT warm-up, ONNX session)."""
    import threading

    for thread in threading.enumerate():
        if thread.name in ("umap-warm-up", "onnx-prepare"):
            thread.join(timeout=300)


def best_time(function, repeat: int = 3, clock=time.perf_counter) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = clock()
        function()
        best = min(best, clock() - started)
    return best


def page_figures(page: str | None) -> tuple[float, float, float, float, str]:
    """(first run s, best-of-3 rerun s, best-of-3 rerun CPU s, largest chart MB, its element key
    or type) of one page, after its first two runs. CPU time is the whole process's (the script runs on AppTest's thread):
    on a shared machine it says what a rerun costs when the wall time is inflated by waiting."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    start = time.perf_counter()
    app.run()
    if page:
        app.switch_page(page).run()
    first = time.perf_counter() - start
    assert not app.exception, app.exception
    wait_for_warm_ups()  # steady state: one-time background work is not a rerun's cost
    app.run()  # the page's second run
    rerun = best_time(app.run)
    cpu = best_time(app.run, clock=time.process_time)
    assert not app.exception, app.exception
    largest, name = 0.0, "-"
    for chart in app.get("plotly_chart"):
        size = len(chart.proto.spec.encode("utf-8")) / 2**20
        if size > largest:
            largest, name = size, chart.proto.id.split("-")[-1] or "plotly_chart"
    return first, rerun, cpu, largest, name


def run() -> None:
    measures = []
    for label, page in PAGES.items():
        first, rerun, cpu, chart_mb, chart = page_figures(page)
        measures.append(
            Measure(
                f"{label}: rerun, nothing changed",
                rerun,
                "s",
                RERUN_GOAL_S,
                f"CPU {cpu:.3f} s; first run {first:.1f} s (this process)"
                + (f"; before {BEFORE_S[label]:.2f} s" if label in BEFORE_S else ""),
            )
        )
        measures.append(Measure(f"{label}: largest chart", chart_mb, "MB", CHART_GOAL_MB, chart))
    print_measures(
        f"Pages with their defaults (AppTest, best of 3 reruns; load {os.getloadavg()[0]:.1f})",
        measures,
    )
