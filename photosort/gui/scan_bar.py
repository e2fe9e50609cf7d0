"""The slim bar shown while a job runs: what it does, how far, time left, pause and cancel."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout

from photosort.gui import theme
from photosort.gui.jobs import Eta, format_eta
from photosort.gui.widgets import flat_button
from photosort.services.progress import ProgressEvent

STAGES = {"discover": "Looking for photos", "analyze": "Finding faces",
          "cluster": "Grouping faces into people", "organize": "Organizing photos",
          "undo": "Undoing the last organize"}


class ScanBar(QFrame):
    """Progress of the running job; emits ``pauseToggled`` and ``cancelRequested``."""

    pauseToggled = Signal()
    cancelRequested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ScanBar")
        self.eta = Eta()
        self._stage = ""
        layout = QHBoxLayout(self)
        layout.setContentsMargins(20, 8, 14, 8)
        layout.setSpacing(14)
        text = QVBoxLayout()
        text.setSpacing(4)
        self.title = QLabel()
        font = self.title.font()
        font.setWeight(font.Weight.DemiBold)
        self.title.setFont(font)
        self.detail = QLabel(objectName="Subtle")
        self.bar = QProgressBar(textVisible=False)
        self.bar.setFixedHeight(6)
        row = QHBoxLayout()
        row.addWidget(self.title)
        row.addStretch(1)
        row.addWidget(self.detail)
        text.addLayout(row)
        text.addWidget(self.bar)
        layout.addLayout(text, 1)
        self.pause_button = flat_button("Pause", "pause", self.pauseToggled.emit)
        self.cancel_button = flat_button("Cancel", "stop", self.cancelRequested.emit)
        layout.addWidget(self.pause_button)
        layout.addWidget(self.cancel_button)

    def start(self, title: str, can_pause: bool = True) -> None:
        self.eta.reset()
        self._stage = ""
        self.title.setText(title)
        self.detail.setText("Starting…")
        self.bar.setRange(0, 0)
        self.set_paused(False)
        self.pause_button.setVisible(can_pause)
        self.cancel_button.setEnabled(True)
        self.show()

    def set_paused(self, paused: bool) -> None:
        action = self.pause_button.defaultAction()
        action.setText("Resume" if paused else "Pause")
        action.setIcon(theme.icon("play" if paused else "pause"))
        if paused:
            self.detail.setText("Paused")

    def set_cancelling(self) -> None:
        self.detail.setText("Stopping after the current photo…")
        self.cancel_button.setEnabled(False)
        self.pause_button.setEnabled(False)

    def update_progress(self, event: ProgressEvent) -> str:
        """Show ``event``; returns the detail text (also for the status bar)."""
        if event.stage != self._stage:
            self._stage = event.stage
            self.eta.reset()
        stage = STAGES.get(event.stage, event.stage.capitalize())
        if event.total > 0:
            self.bar.setRange(0, event.total)
            self.bar.setValue(event.done)
        else:
            self.bar.setRange(0, 0)
        if event.stage == "analyze" and event.total:
            left = format_eta(self.eta.update(event.done, event.total)) if event.done else "starting…"
            text = (f"{stage}: {event.done:,} of {event.total:,} photos · "
                    f"{event.faces:,} faces · {left}")
        elif event.stage == "discover":
            text = f"{stage}: {event.done:,} found so far"
        elif event.total > 1:
            left = format_eta(self.eta.update(event.done, event.total))
            text = f"{stage}: {event.done:,} of {event.total:,} · {left}"
        else:
            text = f"{stage}…"
        if not self.cancel_button.isEnabled():
            return self.detail.text()
        self.detail.setText(text)
        return text
