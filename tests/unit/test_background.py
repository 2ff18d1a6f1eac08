from __future__ import annotations

import threading

import pytest

from components.runtime.background import BackgroundJob, replace_or_reuse
from components.runtime.work_queue import JobCancelled


def counting(steps: int, gate: threading.Event | threading.Semaphore | None = None):
    def work(job: BackgroundJob[int]) -> int:
        for step in range(steps):
            if isinstance(gate, threading.Event):
                gate.wait(5)
            elif gate is not None:
                gate.acquire(timeout=5)
            job.report((step + 1) / steps, f"step {step + 1} of {steps}")
        return steps

    return work


def test_a_job_runs_in_the_background_and_keeps_its_result():
    job = BackgroundJob("k", counting(5), "Counting")
    assert job.wait(5)
    assert job.state == "done" and job.result == 5 and job.share == 1.0
    assert job.text == "step 5 of 5" and not job.running and job.elapsed >= 0


def test_progress_is_visible_while_it_runs_and_cancel_stops_it_at_the_next_report():
    steps = threading.Semaphore(0)  # the work takes one step per release
    job = BackgroundJob("k", counting(1_000, steps), "Counting")
    assert job.running and job.state == "running" and job.share == 0.0
    steps.release(3)
    while job.share < 3 / 1_000:
        pass
    job.cancel()
    steps.release(10)
    assert job.wait(5)
    assert job.state == "cancelled" and job.result is None and 0 < job.share < 1


def test_a_failure_becomes_a_message():
    def broken(job):
        raise ValueError("no vectors\nsecond line")

    job = BackgroundJob("k", broken)
    job.wait(5)
    assert job.state == "failed" and job.error == "ValueError: no vectors"


def test_check_raises_after_cancel():
    job = BackgroundJob("k", counting(0))
    job.wait(5)
    job.cancel()
    with pytest.raises(JobCancelled):
        job.check()


def test_one_job_per_slot_reused_for_its_key_replaced_for_another():
    jobs: dict[str, BackgroundJob] = {}
    gate = threading.Event()
    first = replace_or_reuse(jobs, "encode", "a", lambda: BackgroundJob("a", counting(3, gate)))
    assert replace_or_reuse(jobs, "encode", "a", lambda: BackgroundJob("a", counting(3))) is first
    second = replace_or_reuse(jobs, "encode", "b", lambda: BackgroundJob("b", counting(3)))
    assert second is not first and jobs["encode"] is second
    gate.set()
    first.wait(5)
    assert first.state == "cancelled"  # the old key's job was stopped


def test_a_cancelled_job_stays_until_a_restart_is_asked():
    jobs: dict[str, BackgroundJob] = {}
    job = replace_or_reuse(jobs, "encode", "a", lambda: BackgroundJob("a", counting(3)))
    job.wait(5)
    job.state = "cancelled"
    assert replace_or_reuse(jobs, "encode", "a", lambda: BackgroundJob("a", counting(3))) is job
    again = replace_or_reuse(
        jobs, "encode", "a", lambda: BackgroundJob("a", counting(3)), restart=True
    )
    assert again is not job
    done = again
    done.wait(5)
    assert (
        replace_or_reuse(jobs, "encode", "a", lambda: BackgroundJob("a", counting(3)), restart=True)
        is done
    )
