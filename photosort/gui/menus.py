"""The window's actions: menus, header buttons, status bar, and the flows behind them.

Every command has a keyboard shortcut and sits in a menu; the header shows
the frequent ones. Settings, organize and undo (of edits and of an organize
run) live here, as do the reports when a job ends.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QToolButton

from photosort.gui import theme
from photosort.gui.missing import missing_label
from photosort.gui.scanning import REGROUP_TITLE, SCAN_TITLE

if TYPE_CHECKING:
    from photosort.gui.main_window import MainWindow

log = logging.getLogger(__name__)
ORGANIZE_TITLE = "Organizing photos"
UNDO_ORGANIZE_TITLE = "Undoing the last organize"


class WindowActions(QObject):
    """Builds and updates the window's actions."""

    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.w = window  # the parent of dialogs; asked only through its public methods
        self.library, self.runner, self.scans = window.library, window.runner, window.scans
        self.log_panel = window.log_panel
        act = self._action
        self.add_folder = act("Add folder…", "folder-plus", window.choose_folder, QKeySequence.StandardKey.Open)
        self.rescan = act("Rescan folders", "refresh", self.rescan_all, "F5")
        self.missing = act("Missing photos…", None, self.show_missing)
        self.forget_missing = act("Forget missing photos…", None, self.forget_missing_photos)
        self.organize = act("Organize…", "organize", self.open_organize, "Ctrl+Shift+O")
        self.undo_organize = act("Undo last organize", "undo", self.run_undo_organize)
        self.settings = act("Settings…", "settings", self.open_settings, "Ctrl+,")
        self.quit = act("Quit", None, window.close, QKeySequence.StandardKey.Quit)
        self.undo = act("Undo", "undo", self.undo_edit, QKeySequence.StandardKey.Undo)
        self.people = act("People", "people", window.show_people, "Ctrl+1")
        self.map = act("Map", "map", window.show_map, "Ctrl+2")
        self.back = act("Back", "back", window.back, QKeySequence.StandardKey.Back)
        self.toggle_log = window.log_panel.toggleViewAction()
        self.toggle_log.setText("Log panel")
        self.toggle_log.setShortcut(QKeySequence("Ctrl+L"))
        from photosort.gui.tag_actions import TagActions

        self.tags = TagActions(window)
        menus = window.menuBar()
        for title, items in (("&File", (self.add_folder, self.rescan, self.missing,
                                        self.forget_missing, None, self.organize,
                                        self.undo_organize, self.tags.action, None, self.settings,
                                        None, self.quit)),
                             ("&Edit", (self.undo,)),
                             ("&View", (self.people, self.map, self.back, None, self.toggle_log))):
            menu = menus.addMenu(title)
            for item in items:
                menu.addSeparator() if item is None else menu.addAction(item)
        help_menu = menus.addMenu("&Help")
        help_menu.addAction("About PhotoSort", self.about)
        self.counts = QLabel(objectName="Subtle")
        self.missing_button = QToolButton(objectName="Flat")
        self.missing_button.setDefaultAction(self.missing)
        self.missing_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.missing_button.setIcon(theme.icon("warning"))
        self.problems = QToolButton(objectName="Flat")
        self.problems.setDefaultAction(self.toggle_log)
        self.problems.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.problems.setIcon(theme.icon("log"))
        bar = window.statusBar()
        bar.addPermanentWidget(self.counts)
        bar.addPermanentWidget(self.missing_button)
        bar.addPermanentWidget(self.problems)
        window.log_panel.problemsChanged.connect(self._problems)
        self.library.editsChanged.connect(self.update)
        self.runner.started.connect(lambda _t: self.update())
        self._problems(0)

    def _action(self, text: str, icon: str | None, slot: Callable, shortcut=None) -> QAction:
        action = QAction(theme.icon(icon) if icon else QIcon(), text, self.w)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        self.w.addAction(action)
        return action

    def add_header_buttons(self, row: QHBoxLayout) -> None:
        for action in (self.add_folder, self.organize, self.settings):
            button = QToolButton(objectName="Flat")
            button.setDefaultAction(action)
            button.setIconSize(theme.ICON_SIZE)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            row.addWidget(button)

    def _problems(self, count: int) -> None:
        self.problems.setText(f"{count} problem{'s' * (count != 1)}" if count else "Log")
        self.problems.setIcon(theme.icon("warning" if count else "log"))

    def update(self) -> None:
        """Enable what makes sense now; name the edit Ctrl+Z would undo."""
        if self.w.closed:
            return
        in_library = self.w.in_library()
        busy = self.runner.busy
        label = self.library.undo_label()
        self.undo.setEnabled(label is not None)
        self.undo.setText(f"Undo {label[0].lower()}{label[1:]}" if label else "Undo")
        for action in (self.people, self.map, self.organize):
            action.setEnabled(in_library)
        self.back.setEnabled(self.w.can_go_back())
        self.organize.setEnabled(in_library and not busy)
        self.rescan.setEnabled(not busy and self.library.has_roots())
        self.undo_organize.setEnabled(not busy and self._has_undoable_organize())
        counts = self.library.counts()
        self.counts.setText(f"{counts['photos']:,} photos · {counts['faces']:,} faces · "
                            f"{counts['people']:,} people")
        self.missing.setEnabled(bool(counts["missing"]))
        self.forget_missing.setEnabled(bool(counts["missing"]) and not busy)
        self.missing_button.setVisible(bool(counts["missing"]))
        self.missing_button.setText(missing_label(counts["missing"]))

    def _has_undoable_organize(self) -> bool:
        from photosort.store.journal import Journal

        return Journal(self.library.db).last_undoable() is not None

    # -- commands -------------------------------------------------------------------
    def undo_edit(self) -> None:
        label = self.library.undo()
        self.w.status(f"Undone: {label}" if label else "Nothing to undo")

    def show_missing(self) -> None:
        from photosort.gui.missing import MissingDialog

        dialog = MissingDialog(self.w.library.db, self.w)
        dialog.forget_button.setEnabled(dialog.forget_button.isEnabled() and not self.w.runner.busy)
        dialog.exec()
        dialog.deleteLater()
        self._forgotten(dialog.forgotten)

    def forget_missing_photos(self) -> None:
        from photosort.gui.missing import confirm_and_forget

        self._forgotten(confirm_and_forget(self.w.library.db, self.w))

    def _forgotten(self, count: int) -> None:
        if count:
            self.w.status(f"Forgot {count:,} missing photos")
            self.w.library.peopleChanged.emit()
        self.update()

    def rescan_all(self) -> None:
        self.w.show_library()
        self.scans.scan([path for path, _count in self.library.roots()])

    def open_settings(self) -> None:
        from photosort.gui.settings_dialog import SettingsDialog

        lib = self.library
        dialog = SettingsDialog(lib.prefs, self.w)
        accepted = dialog.exec() == SettingsDialog.DialogCode.Accepted
        dialog.deleteLater()
        if not accepted:
            return
        old, lib.prefs = lib.prefs, dialog.preferences()
        lib.prefs.save(lib.db)
        if lib.prefs.needs_reanalysis(old):
            self.w.status("Detection settings changed: the next scan (F5) analyses every photo again")
        if lib.prefs.needs_regrouping(old) and not self.scans.regroup():
            self.w.status("Grouping changed: faces are regrouped after the current job")

    def open_organize(self) -> None:
        from photosort.gui.organize_dialog import OrganizeDialog

        dialog = OrganizeDialog(self.library, self.w)
        accepted = dialog.exec() == OrganizeDialog.DialogCode.Accepted
        dialog.deleteLater()
        if not accepted or dialog.plan is None:
            return
        plan, db_path = dialog.plan, self.library.db_path
        if dialog.write_tags.isChecked():
            from photosort.gui.tag_actions import organize_with_tags_job

            self.runner.start(ORGANIZE_TITLE, organize_with_tags_job(db_path, plan))
            return

        def job(progress, cancel, _people_changed):
            from photosort.services.organize import execute_plan
            from photosort.store.db import Database

            db = Database(db_path)
            try:
                return execute_plan(db, plan, progress, cancel)
            finally:
                db.close()

        self.runner.start(ORGANIZE_TITLE, job)

    def run_undo_organize(self) -> None:
        db_path = self.library.db_path

        def job(progress, cancel, _people_changed):
            from photosort.services.undo import undo_last
            from photosort.store.db import Database

            db = Database(db_path)
            try:
                return undo_last(db, progress, cancel)
            finally:
                db.close()

        self.runner.start(UNDO_ORGANIZE_TITLE, job)

    def about(self) -> None:
        from photosort import __version__

        QMessageBox.about(self.w, "About PhotoSort",
                          f"<b>PhotoSort {__version__}</b><br>Sort a photo library by the people "
                          "in it — locally. Faces: MTCNN; embeddings: a ResNet metric network; "
                          "people: HDBSCAN.")

    # -- job reports ------------------------------------------------------------------
    def job_done(self, title: str, result) -> None:
        if title == SCAN_TITLE:
            verb = "Scan stopped" if result.cancelled else "Scan finished"
            self.w.status(f"{verb}: {result.analyzed:,} photos analysed, "
                          f"{result.faces_found:,} faces, {result.people:,} people"
                          + (f", {len(result.errors)} could not be read" if result.errors else "")
                          + (f", {result.missing:,} now missing (kept)" if result.missing else ""))
        elif title == REGROUP_TITLE:
            self.w.status(f"Regrouped: {result.people:,} people")
        elif title in (ORGANIZE_TITLE, UNDO_ORGANIZE_TITLE):
            for line in result.describe():
                level = logging.WARNING if line.startswith(("failed", "left alone")) else logging.INFO
                log.log(level, "%s", line)
            self.w.status(result.describe()[-1] if title == ORGANIZE_TITLE else
                          f"Undid the last organize: {len(result.restored)} files back")
        self.update()

    def job_failed(self, title: str, message: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, f"{title} failed",
                          f"{title} stopped because of an unexpected error. What was done so far "
                          "is kept.", QMessageBox.StandardButton.Ok, self.w)
        box.setInformativeText(f"{message}\n\nThe details are in the log:\n{self.log_panel.log_file}")
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()
        self.update()
