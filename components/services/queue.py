"""The heavy-work queue's front end: this session's turn, visibly, with a Cancel button.

Heavy CPU work (encoding, maps, training) from concurrent sessions runs one job at a time, in
the order asked (`QUEUE`, a fair `components.runtime.work_queue.WorkQueue`): on 2 cores, torch,
numba and BLAS thread pools from two jobs only thrash each other. A waiting session sees its
place, an estimate and a Cancel button. Background jobs (`components.runtime.background`) wait
for their turn in the same queue and show it as their progress text.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import streamlit as st

from components.core import limits
from components.runtime.background import BackgroundJob
from components.runtime.native_threads import available_cores, heavy_threads
from components.runtime.work_queue import Job, JobCancelled, WorkQueue
from components.services.session_keys import (
    CANCEL_KEY,
    CANCELLED_RUN_KEY,
    JOBS_KEY,
    SESSION_OWNER_KEY,
)

# Typical durations seed the wait estimates until real ones are measured.
QUEUE = WorkQueue(
    workers=1,
    time_cap=limits.JOB_SECONDS,
    default_seconds={"encode sentences": 1.0, "encode chunks": 2.0, "map": 5.0, "train": 30.0},
)


def session_owner() -> str:
    """A name unique to this session (it owns the session's fine-tuned copy in REGISTRY)."""
    return st.session_state.setdefault(SESSION_OWNER_KEY, uuid.uuid4().hex)


def session_id() -> str:
    """This session's id in the Streamlit runtime; "local" outside a server run."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()  # None outside a server run
    return context.session_id if context is not None else "local"


def session_alive() -> Callable[[], bool] | None:
    """A check that this session's browser tab is still connected (None outside a server)."""
    from streamlit import runtime

    if not runtime.exists():  # AppTest and bare mode have no live runtime
        return None
    server, current = runtime.get_instance(), session_id()
    return lambda: server.is_active_session(current)


def _cancel_waiting() -> None:
    st.session_state[CANCEL_KEY] = True


def start_run() -> None:
    """Called once at the top of every page run: a Cancel pressed while waiting applies to the
    run it triggers (that run starts no heavy work), then heavy work runs again as usual."""
    st.session_state[CANCELLED_RUN_KEY] = st.session_state.pop(CANCEL_KEY, False)


@contextmanager
def heavy(kind: str, label: str = "", time_cap: float | None = None) -> Iterator[Job]:
    """Wait for this session's turn in the queue, visibly, then run the block as one job.

    While waiting, a box shows the place in the queue and an estimate, with a Cancel button
    (the click reruns the page; that run starts no heavy work and says so). The job's progress
    callback should call `job.check()`: it stops the job past its time cap or when the tab closed.

    Raises:
        JobCancelled: this run follows a Cancel (nothing is queued), or the tab closed.
        QueueFull, JobTimedOut: see `components.runtime.work_queue`.
    """
    if st.session_state.get(CANCELLED_RUN_KEY):
        raise JobCancelled(
            "Cancelled: this heavy step did not run. Change anything on the page (or press "
            "Retry) to queue it again."
        )
    box = st.empty()
    shown: dict[str, object] = {}

    def on_wait(status) -> None:
        if "text" not in shown:
            with box.container(border=True):
                shown["text"] = st.empty()
                st.button(
                    "Cancel",
                    key=f"heavy_cancel_{status.ticket}",
                    on_click=_cancel_waiting,
                    help="Leave the queue; nothing is computed.",
                )
        shown["text"].info(f"⏳ {label or kind}: {status.text()}", icon=None)

    try:
        with QUEUE.run(
            kind, label=label, alive=session_alive(), on_wait=on_wait, time_cap=time_cap
        ) as job:
            if shown:
                box.empty()
            with job_threads():
                yield job
    finally:
        if shown:
            box.empty()


def session_jobs() -> dict[str, BackgroundJob]:
    """This session's background jobs, one per slot ("prepare", "projection")."""
    return st.session_state.setdefault(JOBS_KEY, {})


@contextmanager
def background_turn(
    job: BackgroundJob,
    kind: str,
    label: str,
    alive: Callable[[], bool] | None,
    time_cap: float | None = None,
) -> Iterator[Job]:
    """The queue's `run` for a background job: its place in line shows as the job's text, and a
    cancel while waiting leaves the line; the turn runs with `job_threads`."""
    with (
        QUEUE.run(
            kind,
            label=label,
            alive=alive,
            time_cap=time_cap,
            on_wait=lambda status: job.report(job.share, status.text()),
        ) as turn,
        job_threads(),
    ):
        yield turn


def job_threads() -> AbstractContextManager[int]:
    """Native threads for the job whose turn it is: every available core when no other job waits
    behind it (the queue runs one at a time, so nothing else needs them), one thread per job
    while others wait (their sessions' page reruns keep a core). The count is passed on with
    `components.runtime.native_threads.threads_in_effect()`."""
    waiting = QUEUE.snapshot()[1]
    return heavy_threads(available_cores() if waiting == 0 else 1)
