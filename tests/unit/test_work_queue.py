"""The heavy-work queue: FIFO with threads, place and estimate, cancel, gone sessions, time cap."""

from __future__ import annotations

import threading
import time

import pytest

from components.runtime.work_queue import (
    JobCancelled,
    JobTimedOut,
    QueueFull,
    WaitStatus,
    WorkQueue,
)


def _wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_jobs_start_in_the_order_they_queued_one_at_a_time():
    queue = WorkQueue(workers=1, time_cap=None)
    order: list[int] = []
    concurrent = [0]
    peak = [0]
    gate = threading.Event()

    def worker(number: int) -> None:
        with queue.run("encode", poll_seconds=0.01):
            concurrent[0] += 1
            peak[0] = max(peak[0], concurrent[0])
            gate.wait(5)
            order.append(number)
            time.sleep(0.01)
            concurrent[0] -= 1

    threads = []
    for number in range(12):
        thread = threading.Thread(target=worker, args=(number,))
        thread.start()
        threads.append(thread)
        _wait_until(lambda n=number: sum(queue.snapshot()) == n + 1)  # queued in this order
    gate.set()
    for thread in threads:
        thread.join()
    assert order == list(range(12)) and peak[0] == 1
    assert queue.snapshot() == (0, 0)


def test_a_waiter_sees_its_place_and_an_estimate_from_recent_durations():
    now = [100.0]
    queue = WorkQueue(workers=1, time_cap=None, clock=lambda: now[0])
    for seconds in (10.0, 10.0):
        queue.record("train", seconds)
    queue.record("encode", 2.0)
    running = queue.take("train")
    queue.wait_turn(running)
    second = queue.take("encode")
    third = queue.take("train")
    now[0] += 4.0  # the running training has 6 s left on average
    assert queue.status(second) == WaitStatus(1, 1, pytest.approx(6.0), 4.0, second.number)
    assert queue.status(third) == WaitStatus(2, 2, pytest.approx(8.0), 4.0, third.number)
    assert "2 jobs ahead" in queue.status(third).text()
    queue.finish(running)
    assert queue.typical_seconds("train") == pytest.approx(0.7 * 10 + 0.3 * 4)


def test_on_wait_reports_while_waiting_and_the_job_runs_after():
    queue = WorkQueue(workers=1, time_cap=None)
    statuses: list[WaitStatus] = []
    holder = queue.take("train")
    queue.wait_turn(holder)
    done = threading.Event()

    def waiter() -> None:
        with queue.run("encode", on_wait=statuses.append, poll_seconds=0.02):
            done.set()

    thread = threading.Thread(target=waiter)
    thread.start()
    _wait_until(lambda: len(statuses) >= 3)
    assert not done.is_set() and all(s.place == 1 and s.ahead == 1 for s in statuses)
    queue.finish(holder)
    thread.join(5)
    assert done.is_set()


def test_cancel_takes_a_waiter_out_and_the_next_one_moves_up():
    queue = WorkQueue(workers=1, time_cap=None)
    holder = queue.take("train")
    queue.wait_turn(holder)
    first = queue.take("encode")
    second = queue.take("encode")
    errors: list[BaseException] = []

    def wait(ticket) -> None:
        try:
            queue.wait_turn(ticket, poll_seconds=0.02)
        except JobCancelled as error:
            errors.append(error)

    thread = threading.Thread(target=wait, args=(first,))
    thread.start()
    queue.cancel(first)
    thread.join(5)
    assert len(errors) == 1 and "cancelled" in str(errors[0])
    assert queue.status(second).place == 1
    queue.finish(holder)
    queue.wait_turn(second)
    assert queue.snapshot() == (1, 0)


def test_a_waiter_whose_session_is_gone_leaves_the_queue():
    queue = WorkQueue(workers=1, time_cap=None)
    holder = queue.take("train")
    queue.wait_turn(holder)
    session_open = [True]
    errors: list[BaseException] = []

    def waiter() -> None:
        try:
            with queue.run("encode", alive=lambda: session_open[0], poll_seconds=0.02):
                pass
        except JobCancelled as error:
            errors.append(error)

    thread = threading.Thread(target=waiter)
    thread.start()
    _wait_until(lambda: queue.snapshot() == (1, 1))
    session_open[0] = False  # the tab was closed
    thread.join(5)
    assert errors and "gone" in str(errors[0]) and queue.snapshot() == (1, 0)


def test_an_exception_in_on_wait_takes_the_ticket_out():
    """Streamlit raises in the waiting script when the user clicks anything (e.g. Cancel)."""
    queue = WorkQueue(workers=1, time_cap=None)
    holder = queue.take("train")
    queue.wait_turn(holder)

    def rerun(_status: WaitStatus) -> None:
        raise KeyboardInterrupt("rerun requested")

    with pytest.raises(KeyboardInterrupt):
        with queue.run("encode", on_wait=rerun):
            pass
    assert queue.snapshot() == (1, 0)


def test_a_running_job_stops_at_its_time_cap_and_frees_the_worker():
    queue = WorkQueue(workers=1, time_cap=0.2)
    steps = 0
    with pytest.raises(JobTimedOut, match="0 s"):
        with queue.run("train") as job:
            while True:
                job.check()  # what a training loop's progress callback does
                steps += 1
                time.sleep(0.01)
    assert 5 < steps < 100 and queue.snapshot() == (0, 0)
    assert queue.typical_seconds("train") == 5.0  # a stopped job does not count as typical


def test_a_running_job_whose_session_is_gone_is_dropped():
    queue = WorkQueue(workers=1, time_cap=None)
    alive = [True]
    with pytest.raises(JobCancelled, match="gone"):
        with queue.run("train", alive=lambda: alive[0]) as job:
            job.check()
            alive[0] = False
            job.check()
    assert queue.snapshot() == (0, 0)


def test_nested_runs_in_one_thread_do_not_deadlock():
    queue = WorkQueue(workers=1, time_cap=None)
    with queue.run("outer") as outer:
        with queue.run("inner") as inner:
            assert inner is outer
        assert queue.snapshot() == (1, 0)
    assert queue.snapshot() == (0, 0)


def test_a_full_queue_turns_new_jobs_away():
    queue = WorkQueue(workers=1, max_waiting=2, time_cap=None)
    queue.take("a")
    queue.take("b")
    with pytest.raises(QueueFull, match="limit is 2"):
        queue.take("c")


def test_two_workers_run_two_jobs_at_once():
    queue = WorkQueue(workers=2, time_cap=None)
    first, second, third = (queue.take("x") for _ in range(3))
    queue.wait_turn(first)
    queue.wait_turn(second)
    assert queue.snapshot() == (2, 1) and queue.status(third).place == 1
