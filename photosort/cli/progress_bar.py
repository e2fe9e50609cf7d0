"""A small terminal progress bar fed by service progress events."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from photosort.services.progress import ProgressEvent


class ProgressBar:
    """Renders :class:`ProgressEvent` on one line (tty) or as occasional lines (pipe)."""

    def __init__(self, stream: TextIO | None = None, min_interval: float = 0.1) -> None:
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.min_interval = min_interval if self.tty else 5.0
        self._last = 0.0
        self._started = time.monotonic()
        self._stage = ""

    def __call__(self, event: ProgressEvent) -> None:
        now = time.monotonic()
        if event.stage != self._stage:
            self._stage, self._started = event.stage, now
        final = event.total and event.done >= event.total
        if not final and now - self._last < self.min_interval:
            return
        self._last = now
        self.stream.write(("\r" if self.tty else "") + self._line(event, now) +
                          ("" if self.tty and not final else "\n"))
        self.stream.flush()

    def _line(self, e: ProgressEvent, now: float) -> str:
        if not e.total:
            return f"{e.stage}: {e.done} files".ljust(60)
        width = 28
        filled = int(width * e.done / e.total)
        bar = "#" * filled + "-" * (width - filled)
        elapsed = now - self._started
        eta = ""
        if 0 < e.done < e.total:
            eta = f" ETA {int(elapsed / e.done * (e.total - e.done))}s"
        faces = f", {e.faces} faces" if e.stage == "analyze" else ""
        return f"{e.stage:8s} [{bar}] {e.done}/{e.total}{faces}{eta}".ljust(72)

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
