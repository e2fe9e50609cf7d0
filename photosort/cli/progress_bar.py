"""The terminal progress bar fed by service progress events: tqdm, one bar per stage.

tqdm rather than rich: it is already installed (facenet-pytorch needs it), it
imports in milliseconds with no dependencies of its own, and a bar of counts
with rate and ETA is all the CLI shows; rich's tables and markup would add a
package (and its own dependencies) to the frozen app for nothing the CLI uses.
"""

from __future__ import annotations

import sys
from typing import TextIO

from tqdm import tqdm

from photosort.services.progress import ProgressEvent

UNITS = {"discover": "file", "analyze": "photo", "organize": "file", "undo": "file",
         "write-tags": "photo"}
"""What each stage counts (tqdm adds the rate: "photo/s"); other stages count steps."""


class ProgressBar:
    """Renders :class:`ProgressEvent` as a live bar (tty) or as occasional lines (pipe)."""

    def __init__(self, stream: TextIO | None = None, min_interval: float = 0.1) -> None:
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.min_interval = min_interval if self.tty else 5.0
        self._bar: tqdm | None = None
        self._stage = ""

    def __call__(self, event: ProgressEvent) -> None:
        if event.stage != self._stage:
            self.close()
            self._stage = event.stage
        elif self._bar is None:
            return  # this stage's bar is finished
        if self._bar is None:
            self._bar = tqdm(total=event.total or None, desc=f"{event.stage:8s}", unit=UNITS.get(event.stage, "step"),
                             file=self.stream, mininterval=self.min_interval, ascii=not self.tty,
                             dynamic_ncols=self.tty, leave=True)
        bar = self._bar
        if event.total and bar.total != event.total:
            bar.total = event.total
        if event.stage == "analyze":
            bar.set_postfix_str(f"{event.faces} faces", refresh=False)
        bar.update(event.done - bar.n)
        if event.total and event.done >= event.total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
