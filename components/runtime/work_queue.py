"""A fair, visible queue for heavy work (encoding many texts, maps, training) on a shared server.

On a 2-core server, heavy jobs from several sessions at once only thrash each other's torch,
numba and BLAS thread pools, so they run one at a time (`workers=1`). A plain lock does that, but
a waiter sees a frozen page and cannot leave. Here each job takes a ticket; tickets are served in
the order they were taken (FIFO); while waiting, the caller is told its place and an estimate of
the wait (from a moving average of recent jobs' durations, per kind of job) every `poll_seconds`,
and may leave: `cancel(ticket)`, an exception raised in its `on_wait` callback (Streamlit raises
one when the user clicks anything or closes the tab), or an `alive()` callable that returns False
(its session is gone). A running job has a time cap: its progress callback calls `job.check()`,
which raises `JobTimedOut` past the cap and `JobCancelled` once the job was cancelled or its
session is gone.

    with QUEUE.run("train", alive=session_alive, on_wait=show_place) as job:
        fine_tune(..., on_step=lambda *_: job.check())

No streamlit here: `components/services/queue.py` gives the queue its `alive` and `on_wait`.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from components.core import limits

DEFAULT_SECONDS = 5.0  # estimate for a kind of job never seen yet
AVERAGE_WEIGHT = 0.3  # weight of the newest duration in the moving average


class QueueError(RuntimeError):
    """A job did not run or was stopped; the message is meant for the user."""


class JobCancelled(QueueError):
    """The job was cancelled, or the session that asked for it is gone."""


class JobTimedOut(QueueError):
    """The job ran past its time cap."""


class QueueFull(QueueError):
    """Too many jobs are waiting already."""


@dataclass(frozen=True)
class WaitStatus:
    """What a waiting caller is told, every `poll_seconds`."""

    place: int  # 1 = next to run
    ahead: int  # jobs running or waiting before this one
    estimate_seconds: float  # expected wait before this job starts
    waited_seconds: float
    ticket: int = 0  # the ticket's number (unique in the process), e.g. for widget keys

    def text(self) -> str:
        """`Waiting: 2 jobs ahead of yours, about 40 s (waited 5 s).`"""
        jobs = "job" if self.ahead == 1 else "jobs"
        return (
            f"Waiting for the shared server: {self.ahead} {jobs} ahead of yours, about "
            f"{_duration(self.estimate_seconds)} (waited {_duration(self.waited_seconds)})."
        )


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"


@dataclass(eq=False)
class Ticket:
    """One job's place in the queue."""

    number: int
    kind: str
    label: str
    alive: Callable[[], bool] | None
    taken: float  # clock time the ticket was taken
    time_cap: float | None
    started: float | None = None
    finished: float | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)

    def is_alive(self) -> bool:
        if self.alive is None:
            return True
        try:
            return bool(self.alive())
        except Exception:  # noqa: BLE001 - a failing check counts as gone
            return False


class Job:
    """A running job: `check()` from its progress callback stops it when it must stop."""

    def __init__(self, queue: WorkQueue, ticket: Ticket) -> None:
        self.queue = queue
        self.ticket = ticket

    @property
    def elapsed(self) -> float:
        return self.queue._clock() - (self.ticket.started or self.queue._clock())

    def check(self) -> None:
        """Raise `JobCancelled` or `JobTimedOut` when the job must stop; else return at once."""
        ticket = self.ticket
        if ticket.cancelled.is_set():
            raise JobCancelled("The job was cancelled.")
        if not ticket.is_alive():
            raise JobCancelled("The session that asked for this job is gone.")
        if ticket.time_cap is not None and self.elapsed > ticket.time_cap:
            raise JobTimedOut(
                f"Stopped after {ticket.time_cap:.0f} s: that is the limit for one job on this "
                "shared server. Try fewer sentences, steps or epochs."
            )


class WorkQueue:
    """FIFO tickets for heavy jobs, at most `workers` running at once.

    Re-entrant: a job that, while running, asks the queue again (a cached function calling
    another) runs the inner work at once, as part of the outer job.

    Args:
        workers: jobs running at once.
        max_waiting: tickets waiting at once; one more raises `QueueFull`.
        time_cap: default seconds a job may run (None: no cap).
        default_seconds: the estimate for a kind of job with no history yet.
        clock: seconds (monotonic); a test may pass a fake.
    """

    def __init__(
        self,
        workers: int = 1,
        *,
        max_waiting: int = limits.QUEUE_LENGTH,
        time_cap: float | None = limits.JOB_SECONDS,
        default_seconds: dict[str, float] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.workers = int(workers)
        self.max_waiting = int(max_waiting)
        self.time_cap = time_cap
        self._defaults = dict(default_seconds or {})
        self._clock = clock
        self._condition = threading.Condition()
        self._waiting: list[Ticket] = []  # FIFO
        self._running: list[Ticket] = []
        self._averages: dict[str, float] = {}
        self._numbers = itertools.count(1)
        self._local = threading.local()  # this thread's running ticket (re-entrancy)

    # ---------------------------------------------------------------- estimates
    def typical_seconds(self, kind: str) -> float:
        """Moving average of recent durations of `kind` (or its default)."""
        with self._condition:  # re-entrant (Condition's default RLock): `status` calls it too
            return self._averages.get(kind, self._defaults.get(kind, DEFAULT_SECONDS))

    def record(self, kind: str, seconds: float) -> None:
        """Add one job's duration to its kind's moving average."""
        with self._condition:
            previous = self._averages.get(kind)
            self._averages[kind] = (
                seconds
                if previous is None
                else (1 - AVERAGE_WEIGHT) * previous + AVERAGE_WEIGHT * seconds
            )

    def status(self, ticket: Ticket) -> WaitStatus:
        """Place and estimated wait of a waiting ticket (place 0 once it runs)."""
        with self._condition:
            now = self._clock()
            if ticket not in self._waiting:
                return WaitStatus(0, 0, 0.0, now - ticket.taken, ticket.number)
            index = self._waiting.index(ticket)
            remaining = sum(
                max(self.typical_seconds(t.kind) - (now - (t.started or now)), 0.0)
                for t in self._running
            )
            queued = sum(self.typical_seconds(t.kind) for t in self._waiting[:index])
            ahead = len(self._running) + index
            estimate = (remaining + queued) / max(self.workers, 1)
            return WaitStatus(index + 1, ahead, estimate, now - ticket.taken, ticket.number)

    def snapshot(self) -> tuple[int, int]:
        """(running, waiting) jobs right now."""
        with self._condition:
            return len(self._running), len(self._waiting)

    # ---------------------------------------------------------------- tickets
    def take(
        self,
        kind: str,
        *,
        label: str = "",
        alive: Callable[[], bool] | None = None,
        time_cap: float | None = None,
    ) -> Ticket:
        """Join the end of the queue.

        Raises:
            QueueFull: `max_waiting` tickets are waiting already.
        """
        with self._condition:
            if len(self._waiting) >= self.max_waiting:
                raise QueueFull(
                    f"{len(self._waiting)} jobs are already waiting on this shared server (the "
                    f"limit is {self.max_waiting}). Try again in a minute."
                )
            ticket = Ticket(
                number=next(self._numbers),
                kind=kind,
                label=label,
                alive=alive,
                taken=self._clock(),
                time_cap=self.time_cap if time_cap is None else time_cap,
            )
            self._waiting.append(ticket)
            return ticket

    def cancel(self, ticket: Ticket) -> None:
        """Ask a ticket to leave: a waiter leaves the queue, a running job stops at its next
        `check()`."""
        ticket.cancelled.set()
        with self._condition:
            self._condition.notify_all()

    def _leave(self, ticket: Ticket) -> None:
        with self._condition:
            if ticket in self._waiting:
                self._waiting.remove(ticket)
            if ticket in self._running:
                self._running.remove(ticket)
            self._condition.notify_all()

    def wait_turn(
        self,
        ticket: Ticket,
        on_wait: Callable[[WaitStatus], None] | None = None,
        poll_seconds: float = 0.5,
    ) -> None:
        """Block until the ticket is first in line and a worker is free, then mark it running.

        `on_wait(status)` is called at once when the ticket must wait, then every
        `poll_seconds`; an exception it raises takes the ticket out of the queue and propagates.

        Raises:
            JobCancelled: the ticket was cancelled or `alive()` turned False while waiting.
        """
        told = False
        try:
            while True:
                with self._condition:
                    if ticket.cancelled.is_set():
                        raise JobCancelled("You cancelled the job; nothing was computed.")
                    if self._waiting and self._waiting[0] is ticket:
                        if len(self._running) < self.workers:
                            self._waiting.pop(0)
                            ticket.started = self._clock()
                            self._running.append(ticket)
                            self._condition.notify_all()
                            return
                    if told:
                        self._condition.wait(poll_seconds)
                if not ticket.is_alive():
                    raise JobCancelled("The session that asked for this job is gone.")
                with self._condition:  # still waiting?
                    if self._waiting and self._waiting[0] is ticket:
                        if len(self._running) < self.workers:
                            continue
                if on_wait is not None:
                    on_wait(self.status(ticket))
                told = True
        except BaseException:  # a cancelled or interrupted wait leaves the queue, then re-raises
            self._leave(ticket)
            raise

    def finish(self, ticket: Ticket, *, completed: bool = True) -> None:
        """Free the ticket's worker; a completed job's duration joins its kind's average."""
        ticket.finished = self._clock()
        if completed and ticket.started is not None:
            self.record(ticket.kind, ticket.finished - ticket.started)
        self._leave(ticket)

    @contextmanager
    def run(
        self,
        kind: str,
        *,
        label: str = "",
        alive: Callable[[], bool] | None = None,
        on_wait: Callable[[WaitStatus], None] | None = None,
        time_cap: float | None = None,
        poll_seconds: float = 0.5,
    ) -> Iterator[Job]:
        """Wait for a turn, run the block as the job, then free the worker (whatever happens).

        Raises:
            QueueFull, JobCancelled: before the block runs; JobCancelled, JobTimedOut from the
            block's own `job.check()` calls.
        """
        outer: Job | None = getattr(self._local, "job", None)
        if outer is not None:  # nested in a running job of this thread: part of it
            yield outer
            return
        ticket = self.take(kind, label=label, alive=alive, time_cap=time_cap)
        self.wait_turn(ticket, on_wait, poll_seconds)
        job = Job(self, ticket)
        self._local.job = job
        completed = False
        try:
            yield job
            completed = True
        finally:
            self._local.job = None
            self.finish(ticket, completed=completed)
