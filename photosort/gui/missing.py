"""Missing photos in the window: a count in the status bar, a list, and "Forget missing photos…".

A photo the last scan could not find keeps its faces and names (see
:mod:`photosort.services.missing`); the user sees how many there are, can
list them, and is the only one who can remove them — after a confirmation
that says how much of their work goes with them.
"""

from __future__ import annotations

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QListWidget, QMessageBox,
                               QVBoxLayout, QWidget)

from photosort.services.missing import MissingSummary, forget_missing, missing_summary
from photosort.store.db import Database

MAX_LISTED = 2000


def missing_label(count: int) -> str:
    """The status bar's text for ``count`` missing photos ("" for none)."""
    return f"{count:,} missing photo{'s' * (count != 1)}" if count else ""


class MissingDialog(QDialog):
    """The missing photos, listed; "Forget…" removes them after a confirmation."""

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.forgotten = 0
        self.setWindowTitle("Missing photos")
        self.resize(720, 420)
        found = missing_summary(db)
        layout = QVBoxLayout(self)
        text = QLabel(f"{found.describe()}. They were not found when their folder was last "
                      "scanned (a drive unplugged, a folder moved or offline). Their faces and "
                      "names are kept, and they come back as they were when the files do.")
        text.setWordWrap(True)
        layout.addWidget(text)
        self.list = QListWidget()
        self.list.addItems(found.paths[:MAX_LISTED])
        if found.photos > MAX_LISTED:
            self.list.addItem(f"… and {found.photos - MAX_LISTED:,} more")
        layout.addWidget(self.list, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.forget_button = buttons.addButton("Forget missing photos…",
                                               QDialogButtonBox.ButtonRole.DestructiveRole)
        self.forget_button.setEnabled(bool(found.photos))
        self.forget_button.clicked.connect(self.forget)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def forget(self) -> None:
        self.forgotten = confirm_and_forget(self.db, self)
        if self.forgotten:
            self.accept()


def confirm_box(found: MissingSummary, parent: QWidget | None) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Warning, "Forget missing photos",
                      f"Forget {found.photos:,} missing photo{'s' * (found.photos != 1)}?",
                      QMessageBox.StandardButton.Cancel, parent)
    box.setInformativeText(f"{found.describe()}. They and their faces leave the catalog; the "
                           "files, wherever they are, are not touched. If they come back later "
                           "they are analysed as new photos. Edits made so far can no longer be "
                           "undone.")
    box.addButton("Forget", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box


def confirm_and_forget(db: Database, parent: QWidget | None) -> int:
    """Ask, then forget the missing photos; how many were removed (0 if the user said no)."""
    found = missing_summary(db)
    if not found.photos:
        return 0
    box = confirm_box(found, parent)
    box.exec()
    clicked = box.clickedButton()
    if clicked is None or box.buttonRole(clicked) != QMessageBox.ButtonRole.DestructiveRole:
        return 0
    return forget_missing(db, found.ids)
