"""The real app for the load tests: `streamlit run` on a free loopback port, its log kept in
test-artifacts/ and checked by the tests."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.server_command import streamlit_command

ARTIFACTS = ROOT / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    status = open(f"/proc/{pid}/status").read()  # noqa: SIM115 - a tiny procfs read
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


@contextmanager
def running_server(
    log_name: str, env: dict[str, str] | None = None
) -> Iterator[tuple[int, subprocess.Popen, Path]]:
    """The app on a free loopback port with `env` added to this environment; yields (port,
    process, log path) and stops the server after."""
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / log_name
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        streamlit_command(ROOT, port),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the server did not start")
        yield port, process, log_path
    finally:
        process.terminate()
        process.wait(30)
        log.close()


@pytest.fixture(scope="module")
def server():
    """The real app on a free loopback port, for this module; its log is checked after."""
    with running_server("load-server.log") as started:
        yield started
