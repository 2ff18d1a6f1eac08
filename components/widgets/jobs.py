"""Long work on a page: progress bars, a live training curve, and background jobs drawn with a
Cancel button and a Resume / Try again button when they stop."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st

from components.charts import charts
from components.runtime.background import BackgroundJob
from components.training.training_setup import StepCallback
from components.widgets.state import T


@contextmanager
def progress(text: str) -> Iterator[Callable[[float, str], None]]:
    """A progress bar for a long job: yields `show(fraction, text)`; the bar goes at the end."""
    bar = st.progress(0.0, text=text)
    try:
        yield lambda fraction, message: bar.progress(min(max(fraction, 0.0), 1.0), text=message)
    finally:
        bar.empty()


@contextmanager
def live_training(epochs: int) -> Iterator[tuple[Callable[[float, str], None], StepCallback]]:
    """A progress bar and a live loss curve for a training run of `epochs` epochs: yields
    `show(fraction, text)` and the `on_step(step, total, epoch, loss)` that draws each step."""
    losses: list[float] = []
    epoch_of_step: list[int] = []
    with progress("Waiting for other heavy work to finish…") as show:
        curve = st.empty()

        def on_step(step: int, total: int, epoch: int, loss: float) -> None:
            losses.append(loss)
            epoch_of_step.append(epoch)
            show(step / total, f"Epoch {epoch}/{epochs} · step {step}/{total} · loss {loss:.4f}")
            figure = charts.loss_curve(losses, "Training loss (live)", epochs=epoch_of_step)
            curve.plotly_chart(figure, width="stretch")

        yield show, on_step


JOB_POLL_SECONDS = 1.0  # how often the page looks at a background job


def job_progress(job: BackgroundJob[Any], key: str, noun: str = "") -> None:
    """The progress of a background job, redrawn every second on its own (`st.fragment`): the rest
    of the page stays usable. A Cancel button stops it; when it ends the whole page reruns."""

    @st.fragment(run_every=JOB_POLL_SECONDS)
    def status() -> None:
        if not job.running:
            st.rerun()  # the whole page: it draws the result (or says why there is none)
        bar, button = st.columns([5, 1], vertical_alignment="bottom")
        bar.progress(job.share, text=f"{job.text or job.label} · {job.elapsed:.0f} s")
        button.button(
            "Cancel",
            key=f"{key}_cancel",
            on_click=job.cancel,
            help=f"Stop {noun or 'this'}; what is finished is kept.",
        )

    status()


def job_outcome(job: BackgroundJob[Any], key: str, what: str) -> bool:
    """For a job that did not finish: say so, with a button to resume or retry (True: clicked)."""
    if job.state == "cancelled":
        st.warning(
            f"{what} stopped at {job.share:.0%} ({job.text}). Finished parts are kept: "
            "resuming continues from there."
        )
        return st.button("Resume", key=f"{key}_resume")
    if job.state == "failed":
        st.error(f"{what} failed: {job.error}")
        return st.button("Try again", key=f"{key}_retry")
    return False


def job_result(
    start: Callable[[bool], BackgroundJob[T]],
    key: str,
    noun: str,
    what: str,
    wait: float = 0.5,
    caption: str = "",
) -> T | None:
    """The result of a background job, or None while it runs (its progress is drawn, with
    `caption` above it) or after it stopped (a message and a Resume / Try again button).

    Args:
        start: `start(restart)` returns the session's job (a stopped one is restarted when True).
        key: widget keys of the bar's buttons (`{key}_cancel`, `{key}_resume`, `{key}_retry`).
        noun: what the Cancel button stops ("encoding"); what: what stopped ("Encoding").
        wait: seconds to wait for a job that a cache finishes at once.
    """
    restart_key = f"_{key}_restart"
    job = start(bool(st.session_state.pop(restart_key, False)))
    job.wait(wait)
    if job.state == "running":
        if caption:
            st.caption(caption)
        job_progress(job, key, noun)
        return None
    if job_outcome(job, key, what):
        st.session_state[restart_key] = True
        st.rerun()
    return job.result
