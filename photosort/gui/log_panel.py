"""The log panel: what the app did and what went wrong, without ever interrupting.

:class:`QtLogHandler` forwards Python ``logging`` records from any thread to
the GUI thread as a signal; :class:`LogPanel` lists them (warnings and errors
stand out) and counts the problems for the status bar button.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QFont, QTextCharFormat
from PySide6.QtWidgets import (QDockWidget, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
                               QVBoxLayout, QWidget)


MAX_LINES = 5000


class _Bridge(QObject):
    record = Signal(int, str, float)  # level, message, time


class QtLogHandler(logging.Handler):
    """A logging handler whose records arrive on the GUI thread as ``record`` signals."""

    def __init__(self, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.bridge = _Bridge()
        self.record = self.bridge.record

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.exc_info and record.levelno >= logging.ERROR:
                message += f" ({record.exc_info[0].__name__}: {record.exc_info[1]})"
            self.record.emit(record.levelno, message, record.created)
        except RuntimeError:  # the panel is gone (app shutting down)
            pass


class LogPanel(QDockWidget):
    """A dock listing log messages; ``problemsChanged`` carries the warning count."""

    problemsChanged = Signal(int)

    def __init__(self, log_file: str, parent: QWidget | None = None) -> None:
        super().__init__("Log", parent)
        self.setObjectName("LogPanel")
        self.setAllowedAreas(Qt.DockWidgetArea.BottomDockWidgetArea)
        self.problems = 0
        self.log_file = log_file
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 4, 8, 8)
        self.view = QPlainTextEdit(readOnly=True)
        self.view.setMaximumBlockCount(MAX_LINES)
        self.view.setFont(QFont("monospace", 9))
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        layout.addWidget(self.view)
        row = QHBoxLayout()
        where = QLabel(f"Full log: {log_file}", objectName="Subtle")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(where, 1)
        clear = QPushButton("Clear")
        clear.clicked.connect(self.clear)
        row.addWidget(clear)
        layout.addLayout(row)
        self.setWidget(body)
        self.handler = QtLogHandler()
        self.handler.record.connect(self.add)

    def add(self, level: int, message: str, created: float) -> None:
        stamp = time.strftime("%H:%M:%S", time.localtime(created))
        fmt = QTextCharFormat()
        if level >= logging.WARNING:
            fmt.setForeground(QColor("#dc2626") if level >= logging.ERROR else QColor("#b45309"))
            self.problems += 1
            self.problemsChanged.emit(self.problems)
        cursor = self.view.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        if not self.view.document().isEmpty():
            cursor.insertBlock()
        cursor.insertText(f"{stamp}  {logging.getLevelName(level):<7}  {message}", fmt)
        self.view.verticalScrollBar().setValue(self.view.verticalScrollBar().maximum())

    def text(self) -> str:
        return self.view.toPlainText()

    def clear(self) -> None:
        self.view.clear()
        self.problems = 0
        self.problemsChanged.emit(0)
