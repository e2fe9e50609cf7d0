"""Progress reporting and cooperative cancellation for long-running services."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol


class Cancelled(Exception):
    """Raised inside a service when its cancel token was set."""


class CancelToken:
    """A thread-safe flag a caller sets to ask a service to stop soon.

    ``pause()`` / ``resume()`` let the GUI hold a running job between photos.
    """

    def __init__(self) -> None:
        self._cancel = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def cancel(self) -> None:
        self._cancel.set()
        self._running.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def check(self) -> None:
        """Block while paused; raise :class:`Cancelled` if cancelled."""
        self._running.wait()
        if self._cancel.is_set():
            raise Cancelled()


@dataclass(frozen=True)
class ProgressEvent:
    """One step of a job: ``done`` of ``total`` items in ``stage``."""

    stage: str
    done: int
    total: int
    message: str = ""
    faces: int = 0


class Progress(Protocol):
    """Receives progress events; must be cheap and thread-safe."""

    def __call__(self, event: ProgressEvent) -> None: ...


def no_progress(event: ProgressEvent) -> None:
    """A progress reporter that ignores everything."""
