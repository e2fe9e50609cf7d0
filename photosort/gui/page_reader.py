"""Reading the next page of a face grid before it is needed, off the GUI thread.

A face grid (a person's 24,000 faces, 200,000 unknown faces) is filled a page
at a time as the user scrolls near its end (:class:`~photosort.gui.face_grid.FaceModel`).
Read on the GUI thread, the page's query and the rows it becomes cost a
scroll frame 10–30 ms on top of painting it (2-core EPYC, 400k-face catalog,
``benchmarks/scale_gui.py``). :class:`PageReader` reads the next page as soon
as the last one is shown, on one worker thread through a catalog connection
of its own (WAL: it never waits for the scan or the window), so the frame
that needs it only appends rows that are ready.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, TypeVar

from photosort.store.db import Database

T = TypeVar("T")


class PageReader:
    """One worker thread with its own connection to the catalog at ``db_path``."""

    def __init__(self, db_path: str | os.PathLike[str]) -> None:
        self.db_path = db_path
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="page-reader")
        self._local = threading.local()
        self.closed = False

    def submit(self, read: Callable[[Database], T]) -> Future:
        """Run ``read(db)`` on the worker; the future holds its result (or its exception)."""
        return self._pool.submit(self._run, read)

    def close(self) -> None:
        """Finish the page being read, then close the worker's connection."""
        if self.closed:
            return
        self.closed = True
        self._pool.submit(self._close_connection)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, read: Callable[[Database], T]) -> T:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = Database(self.db_path)
        return read(db)

    def _close_connection(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
