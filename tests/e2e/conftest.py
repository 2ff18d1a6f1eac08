"""End-to-end fixtures: `streamlit run` on a free localhost port, driven by Debian's chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.server_command import streamlit_command

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
STALE = "[data-stale='true']"  # an element of the previous run, kept until the new one is drawn
# Streamlit loads most element types (HTML, charts, tables) lazily; until an element's code has
# arrived, a placeholder with this test id stands in its place.
LOADING = "[data-testid='stSkeleton']"


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test explains itself in CI's output: what the page said (its visible
    text, errors included) goes into the report, and a screenshot into test-artifacts."""
    outcome = yield
    report = outcome.get_result()
    page = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    if report.when != "call" or not report.failed or page is None:
        return
    try:
        shot(page, f"FAILED-{item.name}")
        text = page.locator("[data-testid='stMain']").inner_text(timeout=5_000)
        state = page.locator("[data-testid='stApp']").get_attribute("data-test-script-state")
    except Exception as error:  # noqa: BLE001 - the report must not hide the real failure
        text, state = f"(page unreadable: {error})", "?"
    report.sections.append(("page at failure", f"script state: {state}\n{text[:4000]}"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        message = "chromium is missing: `apt-get install chromium` (make test does it as root)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def app_url():
    """The real app, served by `streamlit run` for the whole e2e session."""
    port = _free_port()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log = open(SCREENSHOTS.parent / "streamlit.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        streamlit_command(ROOT, port),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        server.terminate()
        pytest.fail("streamlit did not answer /_stcore/health within 120 s")
    yield url
    server.terminate()
    server.wait(timeout=30)
    log.close()


def settle(page, timeout: float = 180_000) -> None:
    """Wait until the script has finished its run (and the page has drawn), and stays so.

    A run may trigger another (a chart's selection event, a fragment, a queued widget change);
    the page counts as settled once it is idle, with no faded copy of an element from an earlier
    run and no element still loading its code, both before and after Plotly's drawing pause.
    """
    page.wait_for_timeout(400)  # let a rerun that was just triggered start
    busy = f"document.querySelector({STALE!r}) || document.querySelector({LOADING!r})"
    settled = f"document.querySelector({IDLE!r}) && !({busy})"
    for _ in range(10):
        page.wait_for_selector(IDLE, timeout=timeout)
        # Streamlit may keep a faded copy of an element from the previous run for a moment (two
        # elements with one key would make `.st-key-…` locators ambiguous), and an element whose
        # code is still loading is a placeholder: on a cold browser, st.html's chips are not
        # there yet when the script has finished.
        page.wait_for_function(f"!({busy})", timeout=30_000)
        page.wait_for_timeout(600)  # plotly draws after the script ends
        if page.evaluate(f"Boolean({settled})"):
            return


def shot(page, name: str) -> Path:
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def plot_traces(page, key: str, timeout: float = 60_000) -> list[dict]:
    """The traces Plotly drew inside the element with Streamlit key `key`: type, name, point count
    (cells of a heatmap) and a bar chart's heights. Waits for Plotly to draw: its bundle loads
    lazily, so on a cold server the chart appears a moment after the script has finished."""
    page.wait_for_function(
        """key => {
            const plot = document.querySelector(`.st-key-${key} .js-plotly-plot`);
            return Boolean(plot && plot._fullData && plot._fullData.length);
        }""",
        arg=key,
        timeout=timeout,
    )
    return page.evaluate(
        """key => {
            const plot = document.querySelector(`.st-key-${key} .js-plotly-plot`);
            return plot._fullData.map(t => ({type: t.type, name: t.name,
                n: (t.z || t.x || []).length, y: t.type === 'bar' ? Array.from(t.y) : null}));
        }""",
        key,
    )
