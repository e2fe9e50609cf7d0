"""File → Write names into photos: the names given in PhotoSort, as XMP for other programs.

The user picks sidecars (the default: the photos' bytes are never touched)
or writing into the photos themselves (JPEG/TIFF/PNG/WebP; HEIC and RAW
files still get a sidecar; undone with Undo last organize). The work runs in
the window's job runner like a scan; the report goes to the log.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QCheckBox, QMessageBox

from photosort.gui import theme

if TYPE_CHECKING:
    from photosort.gui.main_window import MainWindow

WRITE_TAGS_TITLE = "Writing names into photos"
log = logging.getLogger("photosort.gui")


def organize_tags_checkbox() -> QCheckBox:
    """The organize dialog's option: write names into XMP sidecars first, so they move along."""
    box = QCheckBox("Also write names into the photos' metadata (XMP sidecars that move with them)")
    box.setObjectName("writeTags")
    return box


def write_tags_job(db_path, photo_ids=None, embedded: bool = False):
    """A runner job writing tags with its own catalog connection (as organize's job does)."""
    def job(progress, cancel, _people_changed):
        from photosort.services.tags import write_tags
        from photosort.store.db import Database

        db = Database(db_path)
        try:
            return write_tags(db, embedded=embedded, photo_ids=photo_ids, progress=progress, cancel=cancel)
        finally:
            db.close()
    return job


def organize_with_tags_job(db_path, plan):
    """Organize with the dialog's option: sidecars first, then planned again so that they move along."""
    def job(progress, cancel, _people_changed):
        from photosort.services.organize import execute_plan, plan_organize
        from photosort.services.tags import write_tags
        from photosort.store.db import Database

        db = Database(db_path)
        try:
            write_tags(db, photo_ids={op.photo_id for op in plan.ops}, cancel=cancel)
            again = plan_organize(db, plan.dest, mode=plan.mode, group_photos=plan.group_photos,
                                  unsorted=plan.unsorted)
            return execute_plan(db, again, progress, cancel)
        finally:
            db.close()
    return job


class TagActions(QObject):
    """The write-tags action, its question and its report."""

    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.w = window
        self.action = QAction(theme.icon("organize"), "Write names into photos…", window)
        self.action.triggered.connect(lambda _checked=False: self.ask())
        window.addAction(self.action)
        window.runner.started.connect(lambda _t: self.action.setEnabled(False))
        window.runner.finished.connect(self._finished)
        window.runner.failed.connect(lambda _t, _m: self.action.setEnabled(True))

    def ask(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, "Write names into photos",
                          "Write the names of everyone you named into the photos' XMP metadata, "
                          "where digiKam, Lightroom, Windows and ExifTool read them?", parent=self.w)
        box.setInformativeText("Sidecar files (photo.jpg.xmp) leave your photos untouched. Writing into "
                               "the photos rewrites JPEG, TIFF, PNG and WebP files (pixels verified, "
                               "undo with File → Undo last organize); HEIC and RAW always get sidecars.")
        sidecar = box.addButton("Write sidecars", QMessageBox.ButtonRole.AcceptRole)
        embedded = box.addButton("Write into the photos", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(sidecar)
        box.exec()
        clicked = box.clickedButton()
        if clicked in (sidecar, embedded):
            self.start(embedded=clicked is embedded)

    def start(self, *, embedded: bool = False) -> bool:
        return self.w.runner.start(WRITE_TAGS_TITLE, write_tags_job(self.w.library.db_path, embedded=embedded))

    def _finished(self, title: str, result) -> None:
        self.action.setEnabled(True)
        if title != WRITE_TAGS_TITLE:
            return
        for line in result.describe():
            log.log(logging.WARNING if line.startswith("failed") else logging.INFO, "%s", line)
        self.w.status(result.describe()[-1].replace("Total:", "Names written:"))
        self.w.commands.update()
