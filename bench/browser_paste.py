"""10,000 pasted sentences to a drawn map, as a visitor sees it: the real server, headless Chromium.

A fresh `streamlit run app.py` is started and Explore opened with its defaults (the server is
warm the way a visitor finds it: the first page drawn, its warm-up done). Then the clock starts:
the sentences go into Explore's text box, Ctrl+Enter, and the clock stops when Plotly has drawn
the map with one point per sentence and the sentence count says so. Stages are timed from the
page (the encoding's progress bar gone, the map's progress bar gone).

    python -m bench.browser_paste [N]
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

from bench.common import ROOT
from bench.server_load import CHROMIUM, CHROMIUM_ARGS, EXPLORE_MAP, EXPLORE_TEXT, free_port, settle
from tests.server_command import streamlit_command

POINTS_DRAWN = """n => {
    const plot = document.querySelector('.st-key-explore_scatter .js-plotly-plot');
    if (!plot || !plot._fullData) return false;
    const points = plot._fullData.reduce((sum, trace) => sum + (trace.x || []).length, 0);
    const counted = [...document.querySelectorAll('[data-testid="stMetricValue"]')]
        .some(metric => metric.innerText.replace(/[^0-9]/g, '') === String(n));
    return points === n && counted;
}"""
# The text arrives as a paste does for the page (one input event with the whole value). Playwright's
# `fill` types it through Chromium's editing commands: 30 s for 3,000 sentences into a bare
# <textarea> on this machine, 51 s into Streamlit's, which would time the browser, not the lab.
PASTE = """(box, text) => {
    const setter = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set;
    setter.call(box, text);
    box.dispatchEvent(new Event('input', {bubbles: true}));
}"""
WARM_UP_S = 8.0  # after the first page: the UMAP warm-up (startup.WARM_UP_DELAY_S + its work)


async def _paste(url: str, texts: list[str], launched: float) -> dict[str, float]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = await browser.new_page(viewport={"width": 1400, "height": 1000})
        await page.goto(f"{url}/Explore")
        await settle(page)
        await page.wait_for_selector(EXPLORE_MAP, timeout=300_000)
        explore_drawn = time.perf_counter() - launched
        await page.wait_for_timeout(WARM_UP_S * 1000)
        box = page.locator(EXPLORE_TEXT)
        await box.evaluate(PASTE, "\n".join(texts))
        marks: dict[str, float] = {}
        started = time.perf_counter()
        await box.press("Control+Enter")
        await page.wait_for_selector(".st-key-explore_prepare_cancel", timeout=120_000)
        marks["encoding started"] = time.perf_counter() - started
        await page.wait_for_selector(
            ".st-key-explore_prepare_cancel", state="detached", timeout=1_800_000
        )
        marks["encoded"] = time.perf_counter() - started
        await page.wait_for_function(POINTS_DRAWN, arg=len(texts), timeout=1_800_000)
        marks["map drawn"] = time.perf_counter() - started
        marks["server launch -> Explore drawn"] = explore_drawn
        await browser.close()
    return marks


def browser_paste_to_map(texts: list[str]) -> dict[str, float]:
    """Seconds from Ctrl+Enter on `texts` in Explore to their map drawn ("map drawn"), with
    stage marks and the fresh server's launch to its first Explore drawn."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile("w+") as log:
        launched = time.perf_counter()
        server = subprocess.Popen(
            streamlit_command(ROOT, port), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                        if answer.read() == b"ok":
                            break
                except OSError:
                    time.sleep(0.2)
            return asyncio.run(_paste(url, texts, launched))
        finally:
            server.terminate()  # a map job may still be running: it is not waited for
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(30)


def main(argv: list[str]) -> None:
    from components.data.large_corpus import generate_corpus

    n = int(argv[0]) if argv else 10_000
    marks = browser_paste_to_map(generate_corpus(n, seed=200).texts)
    print(", ".join(f"{name} {value:.1f} s" for name, value in marks.items()))
    print(f"(load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main(sys.argv[1:])
