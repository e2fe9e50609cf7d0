"""The Review's lists, recomputed off the GUI thread through a catalog connection of their own.

After every answer the Review shows the change at once (the answered tile
goes) and asks :class:`ReviewRecompute` for fresh lists. Each request is a
new *generation*; one computation runs at a time on the global thread pool
(like the map's and the photo viewer's), and a result computed before the
newest request is dropped and computed again, so only lists that reflect
every edit so far ever replace what the Review shows.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from photosort.gui import memory
from photosort.gui.jobs import emit_if_alive
from photosort.services import proposals as proposals_service
from photosort.services import suggest as suggest_service
from photosort.services.review_state import catalog_model, load_state
from photosort.store.db import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReviewLists:
    """Every open suggestion and proposal of the catalog's main embedder model."""

    model_id: str = ""
    suggestions: list = field(default_factory=list)
    proposals: list = field(default_factory=list)


_ONE_AT_A_TIME = threading.Lock()


def compute_lists(db_path: str | os.PathLike[str]) -> ReviewLists:
    """Read the catalog once (its own connection) and compute both lists.

    One computation runs at a time in the process (the Review's recomputes, and the
    People view's count when its worker process, :mod:`photosort.gui.review_process`,
    cannot run): at 400k faces one peaks at ~360 MB, ~210 MB of it the descriptors
    (:func:`~photosort.services.review_state.load_state`), so two at once would double
    the window's peak. What it freed goes back to the system afterwards
    (:func:`photosort.gui.memory.release`)."""
    with _ONE_AT_A_TIME:
        db = Database(db_path)
        try:
            model = catalog_model(db)
            if model is None:
                return ReviewLists()
            state = load_state(db, model)
            lists = ReviewLists(model, suggest_service.suggestions(db, model, state=state),
                                proposals_service.proposals(db, model, state=state))
            del state
            return lists
        finally:
            db.close()
            memory.release()


class _Done(QObject):
    done = Signal(int, object)  # generation, ReviewLists or None


class _Compute(QRunnable):
    def __init__(self, db_path, generation: int, signal: _Done) -> None:
        super().__init__()
        self.db_path, self.generation, self.signal = db_path, generation, signal

    def run(self) -> None:
        try:
            result = compute_lists(self.db_path)
        except Exception:  # a catalog closed or busy meanwhile: the next request tries again
            log.warning("recomputing the review failed", exc_info=True)
            result = None
        emit_if_alive(self.signal.done, self.generation, result)


class ReviewRecompute(QObject):
    """Recomputes the Review's lists in the background; ``ready`` delivers the newest."""

    ready = Signal(object)  # ReviewLists

    def __init__(self, db_path: str | os.PathLike[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db_path = db_path
        self.generation = 0
        self.running = False
        self._signal = _Done(self)
        self._signal.done.connect(self._done)

    @property
    def busy(self) -> bool:
        """A computation runs (or a newer one is due)."""
        return self.running

    def request(self) -> int:
        """A newer state of the catalog: recompute (after the running computation, if any)."""
        self.generation += 1
        if not self.running:
            self._start()
        return self.generation

    def _start(self) -> None:
        self.running = True
        QThreadPool.globalInstance().start(_Compute(self.db_path, self.generation, self._signal))

    def _done(self, generation: int, result: ReviewLists | None) -> None:
        self.running = False
        if generation != self.generation:  # an edit came after it started: stale, go again
            self._start()
        elif result is not None:
            self.ready.emit(result)
