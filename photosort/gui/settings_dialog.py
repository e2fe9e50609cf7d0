"""The Settings dialog: detection, grouping, organize layout and Explorer integration.

The note at the bottom says, as you change things, what the change costs:
re-analysing every photo (detection), regrouping faces (sensitivity), or
nothing until the next organize (layout).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox,
                               QFormLayout, QGroupBox, QHBoxLayout, QLabel, QSlider, QSpinBox,
                               QVBoxLayout)

from photosort.gui.preferences import (GROUP_POLICY_LABELS, SENSITIVITY_LABELS, UNSORTED_LABELS,
                                       Preferences)

log = logging.getLogger(__name__)


def _combo(options: dict[str, str], current: str) -> QComboBox:
    combo = QComboBox()
    for value, label in options.items():
        combo.addItem(label, value)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    return combo


class SettingsDialog(QDialog):
    """Edits a :class:`Preferences`; :meth:`preferences` returns the edited copy."""

    def __init__(self, prefs: Preferences, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.original = prefs
        layout = QVBoxLayout(self)
        layout.setSpacing(12)

        detection = QGroupBox("Finding faces")
        form = QFormLayout(detection)
        self.min_face = QSpinBox(minimum=10, maximum=400, suffix=" px", value=prefs.min_face_size)
        self.min_face.setToolTip("Faces smaller than this (in the 1024-pixel working image) are ignored")
        form.addRow("Smallest face:", self.min_face)
        self.threshold = QDoubleSpinBox(minimum=0.5, maximum=0.99, singleStep=0.01, decimals=2,
                                        value=min(prefs.threshold, 0.99))
        self.threshold.setToolTip("Higher finds fewer faces but fewer false ones")
        form.addRow("Detection confidence:", self.threshold)
        layout.addWidget(detection)

        grouping = QGroupBox("Grouping faces into people")
        row = QHBoxLayout(grouping)
        row.addWidget(QLabel("Stricter"))
        self.sensitivity = QSlider(Qt.Orientation.Horizontal, minimum=0,
                                   maximum=len(SENSITIVITY_LABELS) - 1, value=prefs.sensitivity)
        self.sensitivity.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.sensitivity.setPageStep(1)
        row.addWidget(self.sensitivity, 1)
        row.addWidget(QLabel("Looser"))
        self.sensitivity_label = QLabel(objectName="Subtle")
        self.sensitivity_label.setMinimumWidth(70)
        row.addWidget(self.sensitivity_label)
        layout.addWidget(grouping)

        organize = QGroupBox("Organizing into folders")
        form = QFormLayout(organize)
        self.mode = _combo({"copy": "Copy photos (originals stay)", "move": "Move photos"},
                           prefs.organize_mode)
        form.addRow("Files:", self.mode)
        self.group = _combo(GROUP_POLICY_LABELS, prefs.group_photos)
        form.addRow("Photos with several people:", self.group)
        self.unsorted = _combo(UNSORTED_LABELS, prefs.unsorted)
        form.addRow("Photos without named people:", self.unsorted)
        layout.addWidget(organize)

        system = QGroupBox("System")
        box = QVBoxLayout(system)
        self.explorer = QCheckBox("Show “Sort with PhotoSort” in Explorer")
        self._explorer_setup()
        box.addWidget(self.explorer)
        layout.addWidget(system)

        self.note = QLabel(objectName="Hint", wordWrap=True)
        layout.addWidget(self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for signal in (self.min_face.valueChanged, self.threshold.valueChanged,
                       self.sensitivity.valueChanged):
            signal.connect(self._update_note)
        self._update_note()

    def _explorer_setup(self) -> None:
        from photosort.system.explorer import explorer_integration_available, explorer_verbs_installed

        self._explorer_was = False
        available = explorer_integration_available()
        self.explorer.setEnabled(available)
        if not available:
            self.explorer.setToolTip("Only on Windows")
            return
        try:
            self.explorer.setChecked(explorer_verbs_installed())
        except OSError as exc:
            log.warning("Cannot read the Explorer integration: %s", exc)
        self._explorer_was = self.explorer.isChecked()

    def preferences(self) -> Preferences:
        return Preferences(min_face_size=self.min_face.value(),
                           threshold=round(self.threshold.value(), 2),
                           sensitivity=self.sensitivity.value(),
                           organize_mode=self.mode.currentData(),
                           group_photos=self.group.currentData(),
                           unsorted=self.unsorted.currentData()).clamped()

    def _update_note(self) -> None:
        self.sensitivity_label.setText(SENSITIVITY_LABELS[self.sensitivity.value()])
        new = self.preferences()
        notes = []
        if new.needs_reanalysis(self.original):
            notes.append("Detection changed: every photo is analysed again on the next scan "
                         "(names and your corrections are kept).")
        if new.needs_regrouping(self.original):
            notes.append("Grouping changed: faces are regrouped when you press OK "
                         "(names and your corrections are kept).")
        self.note.setText(" ".join(notes) or "Organize settings apply the next time you organize.")

    def accept(self) -> None:
        if self.explorer.isEnabled() and self.explorer.isChecked() != self._explorer_was:
            self._apply_explorer(self.explorer.isChecked())
        super().accept()

    @staticmethod
    def _apply_explorer(on: bool) -> None:
        from photosort.system.explorer import (default_exe_path, install_explorer_verbs,
                                               remove_explorer_verbs)

        try:
            if on:
                install_explorer_verbs(default_exe_path())
            else:
                remove_explorer_verbs()
        except OSError as exc:
            log.warning("Cannot change the Explorer integration: %s", exc)
