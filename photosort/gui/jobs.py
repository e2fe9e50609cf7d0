"""The one job runner: long services (scan, regroup, organize) on a thread of their own.

A job is a plain function ``job(progress, cancel, people_changed) -> result``
that calls the services; :class:`JobRunner` runs one at a time on a
:class:`QThread` and turns everything it reports into Qt signals, which
arrive on the GUI thread. The GUI never waits for a job, except when the
window closes (:meth:`JobRunner.stop`), which cancels the job and waits for
it to save what it has.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections import deque
from typing import Callable

from PySide6.QtCore import QObject, QThread, Signal

from photosort.services.progress import CancelToken, ProgressEvent

log = logging.getLogger(__name__)

Job = Callable[[Callable[[ProgressEvent], None], CancelToken, Callable[[], None]], object]


class _JobThread(QThread):
    """Runs one job function and reports back through its runner's signals."""

    def __init__(self, runner: "JobRunner", title: str, job: Job, cancel: CancelToken) -> None:
        super().__init__(runner)
        self.runner, self.title, self.job, self.cancel = runner, title, job, cancel
        self.result: object = None
        self.error: str | None = None

    def run(self) -> None:
        try:
            self.result = self.job(self.runner.progress.emit, self.cancel,
                                   self.runner.peopleChanged.emit)
        except Exception as exc:
            log.error("%s failed:\n%s", self.title, traceback.format_exc())
            self.error = f"{type(exc).__name__}: {exc}"


class JobRunner(QObject):
    """Runs one long job at a time off the GUI thread, with pause, resume and cancel."""

    started = Signal(str)
    progress = Signal(object)  # ProgressEvent
    peopleChanged = Signal()
    finished = Signal(str, object)  # title, the job's return value
    failed = Signal(str, str)  # title, message
    pausedChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: _JobThread | None = None
        self._cancel: CancelToken | None = None

    @property
    def busy(self) -> bool:
        return self._thread is not None

    @property
    def title(self) -> str:
        return self._thread.title if self._thread else ""

    @property
    def paused(self) -> bool:
        return bool(self._cancel and self._cancel.paused)

    def start(self, title: str, job: Job) -> bool:
        """Start ``job``; ``False`` (and nothing happens) while another job runs."""
        if self.busy:
            return False
        self._cancel = CancelToken()
        self._thread = _JobThread(self, title, job, self._cancel)
        self._thread.finished.connect(self._done)
        self._thread.start()
        self.started.emit(title)
        return True

    def pause(self) -> None:
        if self._cancel and not self._cancel.cancelled:
            self._cancel.pause()
            self.pausedChanged.emit(True)

    def resume(self) -> None:
        if self._cancel:
            self._cancel.resume()
            self.pausedChanged.emit(False)

    def cancel(self) -> None:
        if self._cancel:
            self._cancel.cancel()
            self.pausedChanged.emit(False)

    def stop(self, timeout_s: float = 120.0) -> bool:
        """Cancel and wait for the job to wind down (closing the window); ``True`` if it did."""
        thread = self._thread
        if thread is None:
            return True
        self.cancel()
        done = thread.wait(int(timeout_s * 1000))
        if done:
            self._done()
        return done

    def _done(self) -> None:
        """The thread ended (queued from it, or called by :meth:`stop`): report, then be idle.

        The runner is idle before ``finished`` fires, so its handlers may start the next job.
        """
        thread = self._thread
        if thread is None or not thread.isFinished():
            return
        self._thread = self._cancel = None
        thread.deleteLater()
        if thread.error is not None:
            self.failed.emit(thread.title, thread.error)
        else:
            self.finished.emit(thread.title, thread.result)


class Eta:
    """Time left for a stage, from the rate over the last minute of progress."""

    def __init__(self, window_s: float = 60.0) -> None:
        self.window_s = window_s
        self._samples: deque[tuple[float, int]] = deque()

    def reset(self) -> None:
        self._samples.clear()

    def update(self, done: int, total: int, now: float | None = None) -> float | None:
        """Seconds left, or ``None`` until there is a rate to go on."""
        now = time.monotonic() if now is None else now
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[0][0] > self.window_s:
            self._samples.popleft()
        (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        if d1 <= d0 or t1 <= t0 or total <= 0:
            return None
        return (total - done) * (t1 - t0) / (d1 - d0)


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "estimating time left…"
    if seconds < 60:
        return "less than a minute left"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} min left"
    return f"about {minutes // 60} h {minutes % 60:02d} min left"


def emit_if_alive(signal, *args) -> None:
    """Emit from a pool thread; the receiving object may be gone when the app shuts down."""
    try:
        signal.emit(*args)
    except RuntimeError:
        pass
