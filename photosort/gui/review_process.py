"""The People view's Review count in a process of its own, so it never takes the GUI's GIL.

Counting open suggestions and proposals computes both lists over every face
(:func:`photosort.gui.review_compute.compute_lists`). On a thread of the
window's process it competed with the GUI thread for Python's GIL: on the
400k-face catalog (2-core EPYC, ``benchmarks/scale_gui.py``), scrolling a
person's 24,000 faces while a count ran had frames up to 338 ms (12 over
50 ms) against a worst of 39 ms once it was done. :class:`ReviewProcess`
keeps one spawned worker process (started at the first count, kept for the
next) that computes the counts there at a lower priority; its memory is not the
window's either.
If the process cannot be started or dies, the count runs on the calling
thread as before. This module imports no Qt: the worker imports it.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

log = logging.getLogger(__name__)


def count_lists(db_path: str) -> tuple[int, int]:
    """(open suggestions, open proposals) of the catalog at ``db_path`` (in the worker)."""
    from photosort.gui.review_compute import compute_lists

    lists = compute_lists(db_path)
    return len(lists.suggestions), len(lists.proposals)


def _init_worker() -> None:
    """In the worker: end with the window's process, however that ends (a crash or a kill
    too; the worker's own end of its task queue never tells it), and yield the CPU."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True,
                         name="parent-watch").start()
    _lower_priority()


def _exit_with(sentinel) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(0)


def _lower_priority() -> None:
    """The worker yields the CPU to the window (on 2 cores a count at full priority took a
    core from scrolling for the seconds it ran)."""
    try:
        if hasattr(os, "nice"):
            os.nice(10)
        elif sys.platform == "win32":
            import ctypes

            below_normal = 0x4000
            ctypes.windll.kernel32.SetPriorityClass(ctypes.windll.kernel32.GetCurrentProcess(),
                                                    below_normal)
    except OSError:
        pass


class ReviewProcess:
    """One worker process for Review counts; :meth:`counts` blocks its (non-GUI) caller.

    One is shared by every window of the process (:func:`shared`), so windows opened
    one after another reuse the worker; :meth:`abandon` stops a count still running
    for a catalog being closed, and the next count starts a new worker."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._running: dict[str, int] = {}  # catalog path → counts in flight
        self.closed = False

    def counts(self, db_path: str | os.PathLike[str]) -> tuple[int, int]:
        with self._lock:
            if self.closed:
                raise RuntimeError("the window is closing")
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init_worker)
            pool = self._pool
            key = str(db_path)
            self._running[key] = self._running.get(key, 0) + 1
        try:
            return pool.submit(count_lists, key).result()
        except BrokenProcessPool:
            raise RuntimeError("the count was abandoned or its process died") from None
        except OSError:  # no process could be started: count here
            log.warning("the Review count's process failed; counting here", exc_info=True)
            return count_lists(key)
        finally:
            with self._lock:
                self._running[key] -= 1
                if not self._running[key]:
                    del self._running[key]

    def abandon(self, db_path: str | os.PathLike[str]) -> None:
        """The catalog at ``db_path`` is being closed: stop the worker if it counts for it."""
        with self._lock:
            if str(db_path) not in self._running:
                return
            pool, self._pool = self._pool, None
        _stop(pool)

    def close(self) -> None:
        """Stop the worker (a count in progress is abandoned)."""
        with self._lock:
            self.closed = True
            pool, self._pool = self._pool, None
        _stop(pool)


def _stop(pool: ProcessPoolExecutor | None) -> None:
    if pool is None:
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()


_SHARED: ReviewProcess | None = None
_SHARED_LOCK = threading.Lock()


def shared() -> ReviewProcess:
    """The process-wide :class:`ReviewProcess`."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = ReviewProcess()
        return _SHARED
