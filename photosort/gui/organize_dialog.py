"""The organize preview: where every photo will go, before anything is touched.

The dialog plans with :func:`photosort.services.organize.plan_organize` (a dry
run) whenever an option changes, and lists the operations by person folder,
with what is skipped, renamed or already there. "Organize" hands the plan
to the main window, which runs it as a job (and "Undo last organize" reverses it).
"""

from __future__ import annotations

import os
from collections import defaultdict

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QRadioButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout)

from photosort.gui.library import Library
from photosort.gui.preferences import GROUP_POLICY_LABELS, UNSORTED_LABELS


def default_destination(library: Library) -> str:
    saved = QSettings().value("organize/dest", "", type=str)
    if saved:
        return saved
    roots = library.roots()
    return os.path.join(roots[0][0], "People") if roots else os.path.expanduser("~/Pictures/People")


class OrganizeDialog(QDialog):
    """Options on top, the plan below; ``plan`` holds the accepted plan."""

    def __init__(self, library: Library, parent=None) -> None:
        super().__init__(parent)
        self.library = library
        self.plan = None
        self.closed = False
        self.setWindowTitle("Organize photos into folders")
        self.resize(900, 620)
        prefs = library.prefs
        layout = QVBoxLayout(self)
        form = QFormLayout()
        row = QHBoxLayout()
        self.dest = QLineEdit(default_destination(library))
        self.dest.editingFinished.connect(self.replan)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row.addWidget(self.dest, 1)
        row.addWidget(browse)
        form.addRow("Destination:", row)
        modes = QHBoxLayout()
        self.mode_group = QButtonGroup(self)
        for value, label in (("copy", "Copy (originals stay where they are)"), ("move", "Move")):
            button = QRadioButton(label)
            button.setProperty("mode", value)
            button.setChecked(value == prefs.organize_mode)
            self.mode_group.addButton(button)
            modes.addWidget(button)
        modes.addStretch(1)
        self.mode_group.buttonToggled.connect(lambda _b, on: on and self.replan())
        form.addRow("Files:", modes)
        self.group = self._combo(GROUP_POLICY_LABELS, prefs.group_photos)
        form.addRow("Photos with several people:", self.group)
        self.unsorted = self._combo(UNSORTED_LABELS, prefs.unsorted)
        form.addRow("Photos without named people:", self.unsorted)
        from photosort.gui.tag_actions import organize_tags_checkbox

        self.write_tags = organize_tags_checkbox()
        form.addRow("", self.write_tags)
        layout.addLayout(form)
        self.summary = QLabel(wordWrap=True)
        font = self.summary.font()
        font.setWeight(font.Weight.DemiBold)
        self.summary.setFont(font)
        layout.addWidget(self.summary)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Photo", "Goes to", "Why"])
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        layout.addWidget(self.tree, 1)
        layout.addWidget(QLabel("Only named, visible people get folders. Nothing is overwritten; "
                                "you can undo the whole run afterwards.", objectName="Hint"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.go = self.buttons.addButton("Organize", QDialogButtonBox.ButtonRole.AcceptRole)
        self.go.setObjectName("Primary")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.replan()

    def _combo(self, options: dict[str, str], current: str) -> QComboBox:
        combo = QComboBox()
        for value, label in options.items():
            combo.addItem(label, value)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        combo.currentIndexChanged.connect(lambda _i: self.replan())
        return combo

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Organize into", self.dest.text())
        if folder:
            self.dest.setText(folder)
            self.replan()

    def options(self) -> dict:
        mode = self.mode_group.checkedButton().property("mode")
        return {"mode": mode, "group_photos": self.group.currentData(),
                "unsorted": self.unsorted.currentData()}

    def replan(self) -> None:
        from photosort.services.organize import plan_organize

        dest = self.dest.text().strip()
        if not dest or self.closed:
            return
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.plan = plan_organize(self.library.db, dest, **self.options())
        except OSError as exc:
            self.plan = None
            self.summary.setText(f"Cannot plan: {exc}")
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        self._show(self.plan)

    def _show(self, plan) -> None:
        counts = plan.counts
        verb = "move" if plan.mode == "move" else "copy"
        total = counts["move"] + counts["copy"]
        self.summary.setText(
            f"{total} photo{'s' * (total != 1)} to {verb} · {counts['skipped']} left alone · "
            f"{counts['duplicate']} already there · {counts['renamed']} renamed to avoid a clash")
        self.go.setEnabled(total > 0)
        self.go.setText(f"{verb.capitalize()} {total} photo{'s' * (total != 1)}")
        self.tree.clear()
        by_folder = defaultdict(list)
        for op in plan.ops:
            by_folder[op.dst.parent].append(op)
        for folder, ops in sorted(by_folder.items()):
            top = QTreeWidgetItem([f"{folder.name}  ({len(ops)})", str(folder), ""])
            for op in ops:
                top.addChild(QTreeWidgetItem([op.src.name, str(op.dst), op.reason]))
            self.tree.addTopLevelItem(top)
        extra = (("Renamed to avoid a clash", [(c.wanted, str(c.folder / c.actual), c.what)
                                               for c in plan.conflicts]),
                 ("Already there", [(s.path.name, str(s.other or ""), s.reason)
                                    for s in plan.duplicates]),
                 ("Left alone", [(s.path.name, str(s.path.parent), s.reason) for s in plan.skipped]))
        for title, rows in extra:
            if rows:
                top = QTreeWidgetItem([f"{title}  ({len(rows)})", "", ""])
                top.addChildren([QTreeWidgetItem(list(r)) for r in rows])
                self.tree.addTopLevelItem(top)
        if self.tree.topLevelItemCount():
            self.tree.topLevelItem(0).setExpanded(True)
        for column in range(3):
            self.tree.resizeColumnToContents(column)

    def done(self, result: int) -> None:
        self.closed = True  # a late editingFinished (focus leaving) must not plan again
        super().done(result)

    def accept(self) -> None:
        self.replan()  # the files may have changed since the preview
        if self.plan is None or not self.plan.ops:
            return
        QSettings().setValue("organize/dest", self.dest.text().strip())
        super().accept()
