"""Long work (encoding 100,000 sentences, a large map) on a background thread of one session.

A `BackgroundJob` runs one function on its own thread. The function reports progress with
`job.report(share, text)`, which also raises `JobCancelled` once the user has asked to stop, so
the work stops at its next report. The page reads `share`, `text` and `state` while it runs (from
an `st.fragment` that reruns every second) and takes `result` when it is done. The heavy steps
inside still take their turn in the server's `work_queue.QUEUE`, one slice at a time. Nothing here
imports streamlit: the page keeps its jobs in its session (see `components/services/queue.py`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Generic, Literal, TypeVar

from components.runtime.work_queue import JobCancelled, QueueError

T = TypeVar("T")
State = Literal["running", "done", "cancelled", "failed"]


class BackgroundJob(Generic[T]):
    """One piece of work on a daemon thread, with progress, a result and a cancel switch.

    Args:
        key: what the work is for (e.g. model + texts fingerprint); equal keys = the same work.
        work: called with the job; returns the result and calls `job.report` as it goes.
        label: what the job does, for the UI ("Encoding 20,000 sentences").
    """

    def __init__(self, key: str, work: Callable[[BackgroundJob[T]], T], label: str = "") -> None:
        self.key, self.label = key, label
        self._work = work
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self.share = 0.0  # 0..1
        self.text = label
        self.state: State = "running"
        self.result: T | None = None
        self.error: str = ""  # a one-line message when the work failed
        self.started = time.monotonic()
        self.seconds = 0.0  # wall time from start to the end of the work
        self._thread = threading.Thread(target=self._run, name=f"job:{label}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            result = self._work(self)
        except JobCancelled:
            self.state = "cancelled"
        except QueueError as error:  # a time cap, a full queue: the message is for the user
            self.error, self.state = str(error), "failed"
        except Exception as error:  # noqa: BLE001 - any failure becomes a message for the UI
            self.error = (
                f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
            )
            self.state = "failed"
        else:
            self.result, self.share, self.state = result, 1.0, "done"
        finally:
            self.seconds = time.monotonic() - self.started
            self._finished.set()

    def report(self, share: float, text: str = "") -> None:
        """Record progress (called by the work); raises `JobCancelled` once the job is cancelled."""
        if self._cancel.is_set():
            raise JobCancelled("You cancelled it.")
        self.share = min(max(float(share), 0.0), 1.0)
        if text:
            self.text = text

    def check(self) -> None:
        """Raise `JobCancelled` if the job was cancelled (for work between two reports)."""
        if self._cancel.is_set():
            raise JobCancelled("You cancelled it.")

    def cancel(self) -> None:
        """Ask the work to stop at its next report; `state` becomes "cancelled" when it has."""
        self._cancel.set()

    @property
    def running(self) -> bool:
        return not self._finished.is_set()

    @property
    def elapsed(self) -> float:
        return self.seconds if not self.running else time.monotonic() - self.started

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the work ends (True) or `timeout` seconds pass (False)."""
        return self._finished.wait(timeout)


def replace_or_reuse(
    jobs: dict[str, BackgroundJob[Any]],
    slot: str,
    key: str,
    start: Callable[[], BackgroundJob[Any]],
    *,
    restart: bool = False,
) -> BackgroundJob[Any]:
    """The job in `jobs[slot]` when it does `key`, else a new one from `start()`.

    A cancelled or failed job for `key` stays (so the page can say so) until `restart` is asked.
    A job for another key in the same slot is cancelled first (e.g. the user changed the texts
    while they were being encoded): one running job per slot and session.
    """
    current = jobs.get(slot)
    if current is not None and current.key == key:
        if not (restart and current.state in ("cancelled", "failed")):
            return current
    if current is not None and current.running:
        current.cancel()
    jobs[slot] = start()
    return jobs[slot]
