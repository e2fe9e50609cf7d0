"""The live grouping thread of a scan: incremental steps while the workers analyse photos.

:class:`LiveGrouper` runs :class:`~photosort.services.live_grouping.IncrementalGrouper`
steps on a thread and database connection of its own, so the thread that
consumes the workers' results never waits for a regroup to finish. Steps are
batched: one runs once ``STEP_FACES`` new faces are there (checked every
``every`` seconds), or after ``STEP_WAITS`` periods with fewer, and always a
last one when the scan stops, so what was analysed shows at once. A failing
step is logged and the next one tried; it never fails the scan.

Not run at a lower OS priority: a niced thread holding the GIL stalls the
thread that saves the workers' results (a priority inversion that
``benchmarks/bench_scale.py`` showed); batching and a cheap start keep its
share of the 2 cores small instead.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Callable

from photosort.services.cluster import ClusterSettings
from photosort.services.live_grouping import IncrementalGrouper, StepResult
from photosort.store.db import Database

log = logging.getLogger(__name__)
STEP_FACES = 100
"""A step waits for this many new faces, or ``STEP_WAITS`` periods with fewer: a step
costs about the same for 10 faces as for 100 (index queries, a small HDBSCAN, one
transaction, a People refresh in the window), and each is taken from the scan's cores."""
STEP_WAITS = 6


class LiveGrouper:
    """:class:`IncrementalGrouper` steps on a thread of its own: every ``every`` seconds
    once ``STEP_FACES`` new faces are there, else every ``STEP_WAITS × every`` seconds."""

    def __init__(self, db_path: str | os.PathLike[str], model_id: str,
                 settings: ClusterSettings | None, on_changed: Callable[[], None] | None,
                 every: float = 5.0, known_up_to: int | None = None) -> None:
        self.db_path, self.model_id, self.settings = Path(db_path), model_id, settings
        self.known_up_to = known_up_to
        self.on_changed, self.every = on_changed, every
        self.steps: list[StepResult] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="live-grouping", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Finish the step under way (if any) and end the thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _step(self, grouper: IncrementalGrouper) -> None:
        try:
            result = grouper.step()
        except Exception as exc:  # the scan goes on; its final regroup catches up
            log.warning("live grouping step failed: %s", exc)
            self.errors.append(str(exc))
            return
        self.steps.append(result)
        if (result.joined or result.new_people) and self.on_changed is not None:
            self.on_changed()

    def _run(self) -> None:
        # (not niced: a niced thread holding the GIL would stall the thread that
        # saves the workers' results, the priority inversion bench_scale.py showed)
        db = Database(self.db_path)
        try:
            grouper = IncrementalGrouper(db, self.model_id, self.settings,
                                         known_up_to=self.known_up_to)
            stopping, waited = False, 0
            while not stopping:  # one last step after stop(): what was analysed shows at once
                stopping = self._stop.wait(self.every)
                waited += 1
                try:
                    pending = grouper.pending()
                except Exception:  # (a busy catalog) the step itself reports what fails
                    pending = STEP_FACES
                if stopping or pending >= STEP_FACES or (pending and waited >= STEP_WAITS):
                    self._step(grouper)
                    waited = 0
        except Exception as exc:  # the scan goes on; its final regroup catches up
            log.warning("live grouping stopped: %s", exc)
            self.errors.append(str(exc))
        finally:
            db.close()
