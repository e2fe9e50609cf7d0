"""The safety net: a log file, and a dialog instead of a crash for unexpected exceptions.

Expected problems (an unreadable photo, a missing folder) are logged as
warnings and shown in the log panel and status bar. Anything unexpected —
an exception escaping a slot or a thread — is logged with its traceback and
shown in a non-blocking dialog that names the log file; the app keeps running.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

log = logging.getLogger("photosort")


def setup_logging(folder: Path) -> Path:
    """Log INFO and up to ``folder/photosort.log`` (rotated); returns the file's path."""
    path = folder / "photosort.log"
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return path  # no log file; the log panel still works
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    return path


class ErrorReporter(QObject):
    """Installs ``sys.excepthook``/``threading.excepthook``; shows one dialog at a time."""

    _report = Signal(str, str)

    def __init__(self, log_file: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_file = log_file
        self.shown = 0
        self._dialog: QMessageBox | None = None
        self._report.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self._previous = (sys.excepthook, threading.excepthook)

    def install(self) -> None:
        sys.excepthook = self._hook
        threading.excepthook = lambda args: self._hook(args.exc_type, args.exc_value,
                                                       args.exc_traceback)

    def uninstall(self) -> None:
        sys.excepthook, threading.excepthook = self._previous

    def _hook(self, exc_type, exc_value, exc_tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        details = "".join(traceback.format_exception(exc_type, exc_value, exc_tb))
        log.error("Unexpected error: %s: %s\n%s", exc_type.__name__, exc_value, details)
        self._report.emit(f"{exc_type.__name__}: {exc_value}", details)

    def _show(self, summary: str, details: str) -> None:
        self.shown += 1
        if self._dialog is not None and self._dialog.isVisible():
            return  # one dialog is enough; everything is in the log
        parent = QApplication.activeWindow()
        box = QMessageBox(QMessageBox.Icon.Warning, "PhotoSort ran into a problem",
                          "Something unexpected went wrong. PhotoSort keeps running, and "
                          "your catalog is safe.", QMessageBox.StandardButton.Ok, parent)
        box.setInformativeText(f"{summary}\n\nThe details are in the log:\n{self.log_file}")
        box.setDetailedText(details)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()
        self._dialog = box
