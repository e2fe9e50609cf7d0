"""Scans and regrouping as jobs: start, queue, report, and resume after an interrupted session.

While a scan runs, the catalog's ``gui.interrupted_scan`` setting names its
folders; closing the window mid-scan leaves it there, so the next start
resumes (the scan itself skips every photo already analysed). A scan that
ends, or that the user cancels, clears it.
"""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import QObject, Signal

from photosort.core.paths import path_key
from photosort.gui.jobs import JobRunner
from photosort.gui.library import Library
from photosort.store.db import Database

log = logging.getLogger(__name__)
SCAN_TITLE = "Scanning photos"
REGROUP_TITLE = "Regrouping faces"
MAX_LOGGED_ERRORS = 200


class ScanController(QObject):
    """Runs scans (one at a time, others queued) and regrouping on the shared job runner."""

    scanFinished = Signal(object)  # ScanSummary

    def __init__(self, library: Library, runner: JobRunner, workers: int | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library, self.runner, self.workers = library, runner, workers
        self.closing = False
        self.user_cancelled = False
        self._queue: list[list[str]] = []
        self._roots: list[str] = []
        runner.finished.connect(self._finished)
        runner.failed.connect(lambda title, _msg: (self._roots.clear(), self._start_queued()))

    def scan(self, roots: list[str]) -> bool:
        """Scan ``roots`` now, or after the running job; ``False`` if a folder is missing."""
        roots = [os.path.abspath(r) for r in roots]
        missing = [r for r in roots if not os.path.isdir(r)]
        for r in missing:
            log.warning("Folder not found: %s", r)
        roots = [r for r in roots if r not in missing]
        if not roots:
            return False
        roots = list({path_key(r): r for r in roots}.values())
        if self.runner.busy:  # a second launch handing over a folder already being scanned
            pending = {path_key(r) for batch in (self._roots, *self._queue) for r in batch}
            roots = [r for r in roots if path_key(r) not in pending]
            if not roots:
                log.info("That folder is being scanned already")
                return True
            self._queue.append(roots)
            log.info("Will scan %s after the current job", ", ".join(roots))
            return True
        self._roots = roots
        self.user_cancelled = False
        self.library.set_interrupted_roots(self.library.interrupted_roots() + roots)
        log.info("Scanning %s", ", ".join(roots))
        settings = self.library.prefs.analyze_settings()
        cluster = self.library.prefs.cluster_settings()
        db_path, workers = self.library.db_path, self.workers

        def job(progress, cancel, people_changed):
            from photosort.services.scan import scan

            db = Database(db_path)  # the scan's own connection, on its own thread
            try:
                return scan(db, roots, settings=settings, cluster=cluster, progress=progress,
                            cancel=cancel, workers=workers, on_people_changed=people_changed)
            finally:
                db.close()

        return self.runner.start(SCAN_TITLE, job)

    def resume_interrupted(self) -> bool:
        roots = self.library.interrupted_roots()
        if not roots:
            return False
        log.info("Resuming the scan that was interrupted")
        return self.scan(roots)

    def regroup(self) -> bool:
        """Re-cluster every face not fixed by the user (after a sensitivity change)."""
        settings = self.library.prefs.analyze_settings()
        cluster = self.library.prefs.cluster_settings()
        db_path = self.library.db_path

        def job(progress, cancel, people_changed):
            from photosort.services.cluster import update_people
            from photosort.services.progress import ProgressEvent

            db = Database(db_path)
            try:
                progress(ProgressEvent("cluster", 0, 1))
                result = update_people(db, settings.model_id, cluster, full=True)
                people_changed()
                return result
            finally:
                db.close()

        return self.runner.start(REGROUP_TITLE, job)

    def cancel(self) -> None:
        self.user_cancelled = True
        self._queue.clear()
        self.runner.cancel()

    # -- results --------------------------------------------------------------------
    def _finished(self, title: str, result) -> None:
        if title == SCAN_TITLE:
            self._report(result)
            if not result.cancelled or (self.user_cancelled and not self.closing):
                remaining = [r for r in self.library.interrupted_roots() if r not in self._roots]
                self.library.set_interrupted_roots(remaining)
            self._roots = []
            self.scanFinished.emit(result)
        if not self.closing:
            self._start_queued()

    def _start_queued(self) -> None:
        if self._queue and not self.runner.busy and not self.closing:
            self.scan(self._queue.pop(0))

    @staticmethod
    def _report(summary) -> None:
        for path, reason in summary.errors[:MAX_LOGGED_ERRORS]:
            log.warning("Skipped %s: %s", path, reason)
        if len(summary.errors) > MAX_LOGGED_ERRORS:
            log.warning("… and %d more photos could not be read", len(summary.errors) - MAX_LOGGED_ERRORS)
        verb = "Scan stopped" if summary.cancelled else "Scan finished"
        log.info("%s: %d photos (%d new), %d analysed, %d faces found, %d people, %.0f s",
                 verb, summary.discovered, summary.new, summary.analyzed, summary.faces_found,
                 summary.people, summary.seconds)
