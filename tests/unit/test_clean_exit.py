"""A process that uses the services exits cleanly while the UMAP warm-up is still compiling
(issue 19: "terminate called without an active exception", exit status 134)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from components.core.paths import PROJECT_ROOT

SCRIPT = """
import sys, threading, time
from components.services import startup
startup.page_drawn()
startup.start()
time.sleep({seconds})
names = [thread.name for thread in threading.enumerate()]
print("warm-up running at exit:", "umap-warm-up" in names, flush=True)
"""


@pytest.mark.parametrize("seconds", [0.0, 2.5])
def test_exit_during_the_warm_up_is_clean(seconds):
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(seconds=seconds)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "terminate called" not in completed.stderr
    assert "warm-up running at exit: True" in completed.stdout  # the case that used to abort


def test_a_warm_up_that_has_not_started_compiling_never_does():
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from components.services import startup; startup.start(); "
            "startup._finish_warm_ups(); print('umap' in sys.modules)",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.strip() == "False"  # it waited for a page; exit came first
