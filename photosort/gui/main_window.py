"""The main window: welcome screen, or the library (People, Map, person page, photo viewer).

It owns the open :class:`~photosort.gui.library.Library`, the one
:class:`~photosort.gui.jobs.JobRunner` and the log panel, routes navigation
(with a Back history) and reloads the views whenever people change — after
an edit at once, during a scan every few seconds.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (QButtonGroup, QFileDialog, QFrame, QHBoxLayout, QLabel, QMainWindow,
                               QStackedWidget, QToolButton, QVBoxLayout, QWidget)

from photosort.gui import theme
from photosort.gui.jobs import JobRunner
from photosort.gui.library import Library
from photosort.gui.log_panel import LogPanel
from photosort.gui.map_view import MapView
from photosort.gui.menus import WindowActions
from photosort.gui.people_view import PeopleView
from photosort.gui.review_view import ReviewView
from photosort.gui.person_page import PersonPage
from photosort.gui.photo_viewer import PhotoViewer
from photosort.gui.scan_bar import ScanBar
from photosort.gui.scanning import ScanController
from photosort.gui.thumbnails import FaceItem
from photosort.gui.welcome import WelcomePage
from photosort.gui.widgets import segment_button

log = logging.getLogger(__name__)
LIVE_REFRESH_MS = 250


class MainWindow(QMainWindow):
    """PhotoSort's one window."""

    def __init__(self, db_path: str | Path, log_file: str | Path, workers: int | None = None) -> None:
        super().__init__()
        self.setWindowTitle("PhotoSort")
        self.setWindowIcon(theme.app_icon())
        self.resize(1280, 840)
        self.setAcceptDrops(True)
        self.library = Library(db_path, self)
        self.runner = JobRunner(self)
        self.scans = ScanController(self.library, self.runner, workers, self)
        self.log_panel = LogPanel(str(log_file), self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.log_panel)
        self.log_panel.hide()
        logging.getLogger().addHandler(self.log_panel.handler)
        self.library.thumbnails.failed.connect(
            lambda path, reason: log.warning("Cannot read %s: %s", path, reason))
        self.library.thumbnails.failedMore.connect(
            lambda n: log.warning("Cannot read %d more photos for their faces", n))

        self.welcome = WelcomePage()
        self.people_view = PeopleView(self.library)
        self.map_view = MapView(self.library)
        self.person_page = PersonPage(self.library)
        self.photo_viewer = PhotoViewer(self.library)
        self.review_view = ReviewView(self.library)
        self.pages = QStackedWidget()
        for page in (self.people_view, self.map_view, self.person_page, self.photo_viewer,
                     self.review_view):
            self.pages.addWidget(page)
        self.scan_bar = ScanBar()
        self.scan_bar.hide()
        self.history: list[QWidget] = []
        self.closed = False
        self.commands = WindowActions(self)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self._library_page())
        self.setCentralWidget(self.stack)
        self.commands.add_header_buttons(self.header_row)
        self._live_refresh = QTimer(self, singleShot=True, interval=LIVE_REFRESH_MS)
        self._live_refresh.timeout.connect(self.refresh_views)
        self._connect()
        self.show_welcome()

    def _library_page(self) -> QWidget:
        header = QFrame(objectName="HeaderBar")
        row = QHBoxLayout(header)
        row.setContentsMargins(14, 8, 14, 8)
        self.back_button = QToolButton(objectName="Flat")
        self.back_button.setDefaultAction(self.commands.back)
        self.back_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.back_button.setIconSize(theme.ICON_SIZE)
        row.addWidget(self.back_button)
        title = QLabel("PhotoSort", objectName="AppTitle")
        row.addWidget(title)
        row.addSpacing(24)
        self.tabs = QButtonGroup(self)
        for i, (name, glyph) in enumerate((("People", "people"), ("Map", "map"))):
            button = segment_button(name, glyph)
            self.tabs.addButton(button, i)
            row.addWidget(button)
        self.tabs.idClicked.connect(lambda i: self.show_people() if i == 0 else self.show_map())
        row.addStretch(1)
        self.header_row = row
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(self.scan_bar)
        layout.addWidget(self.pages, 1)
        return page

    def _connect(self) -> None:
        self.welcome.chooseFolder.connect(self.choose_folder)
        self.welcome.openRecent.connect(lambda path: self.open_folder(path, scan=False))
        self.people_view.openPerson.connect(self.open_person)
        self.people_view.openFace.connect(self.open_face)
        self.people_view.openReview.connect(self.show_review)
        self.review_view.back.connect(self.show_people)
        self.review_view.message.connect(self.status)
        self.map_view.openPerson.connect(self.open_person)
        self.person_page.back.connect(self.back)
        self.person_page.openPhoto.connect(self.open_photo)
        self.photo_viewer.back.connect(self.back)
        self.photo_viewer.openPerson.connect(self.open_person)
        for view in (self.people_view, self.person_page, self.photo_viewer):
            view.message.connect(self.status)
        self.library.peopleChanged.connect(self.refresh_views)
        self.runner.peopleChanged.connect(self._people_changed_by_job)
        self.runner.started.connect(lambda title: self.scan_bar.start(title))
        self.runner.progress.connect(self.scan_bar.update_progress)
        self.runner.pausedChanged.connect(self.scan_bar.set_paused)
        self.runner.finished.connect(self._job_done)
        self.runner.failed.connect(self._job_failed)
        self.scan_bar.pauseToggled.connect(
            lambda: self.runner.resume() if self.runner.paused else self.runner.pause())
        self.scan_bar.cancelRequested.connect(self.cancel_job)

    # -- navigation -----------------------------------------------------------------
    def show_welcome(self) -> None:
        self.welcome.set_recent(self.library.roots())
        self.stack.setCurrentWidget(self.welcome)
        self.commands.update()

    def show_library(self) -> None:
        if self.stack.currentWidget() is not self.welcome:
            return
        self.stack.setCurrentIndex(1)
        self.history.clear()
        self.show_people()

    def go(self, page: QWidget, remember: bool = True) -> None:
        current = self.pages.currentWidget()
        if remember and current is not page and current in (self.person_page, self.photo_viewer):
            self.history.append(current)
        elif page in (self.people_view, self.map_view):
            self.history.clear()
        self.pages.setCurrentWidget(page)
        if page in (self.people_view, self.map_view):
            self.tabs.button(0 if page is self.people_view else 1).setChecked(True)
        self.back_button.setVisible(page in (self.person_page, self.photo_viewer))
        self.commands.update()

    def in_library(self) -> bool:
        """Whether the library (not the welcome screen) is showing."""
        return self.stack.currentWidget() is not self.welcome

    def can_go_back(self) -> bool:
        """Whether :meth:`back` has somewhere to go."""
        return (self.in_library() and bool(self.history)
                or self.pages.currentWidget() in (self.person_page, self.photo_viewer))

    def back(self) -> None:
        previous = self.history.pop() if self.history else None
        if previous is self.person_page and self.person_page.reload():
            self.go(previous, remember=False)
        elif previous is self.photo_viewer:
            self.go(previous, remember=False)
        else:
            self.go(self.people_view if self.tabs.checkedId() != 1 else self.map_view)

    def show_people(self) -> None:
        self.go(self.people_view)
        self.people_view.grid.setFocus()

    def show_review(self) -> None:
        self.go(self.review_view)
        self.review_view.show_section(self.review_view.section())

    def show_map(self) -> None:
        self.go(self.map_view)
        self.map_view.setFocus()

    def open_person(self, person_id: int) -> None:
        if self.pages.currentWidget() is self.person_page and self.person_page.person_id == person_id:
            return
        self.go(self.person_page)
        self.person_page.show_person(person_id)

    def open_photo(self, photo_ids: list[int], index: int, person_id: int | None) -> None:
        self.go(self.photo_viewer)
        self.photo_viewer.show_photos(photo_ids, index, person_id)

    def open_face(self, face: FaceItem) -> None:
        self.open_photo([face.photo_id], 0, None)

    # -- folders and arguments ------------------------------------------------------
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder of photos",
                                                  os.path.expanduser("~"))
        if folder:
            self.open_folder(folder)

    def open_folder(self, path: str, scan: bool = True) -> bool:
        """Show the library and scan ``path``; a missing folder is reported, not raised."""
        if not os.path.isdir(path):
            log.warning("Folder not found: %s", path)
            self.status(f"Folder not found: {path}")
            return False
        self.show_library()
        if scan:
            self.scans.scan([path])
        return True

    def start(self, args: list[str]) -> None:
        """What the first window does on launch: open the folder asked for, or resume a
        scan the last session was closed in the middle of, or stay on the welcome screen."""
        if args:
            self.handle_arguments(args)
        elif self.library.interrupted_roots():
            self.show_library()
            self.scans.resume_interrupted()
            self.status("Resuming the scan that was interrupted…")

    def handle_arguments(self, args: list[str]) -> None:
        """Arguments from the command line or from a second launch (single instance)."""
        from photosort.gui.options import parse_args
        from photosort.gui.single_instance import raise_window

        options = parse_args(args)
        if options.folder:
            self.open_folder(options.folder)
            if options.sort:
                self.status("Scanning. Name the people you want, then choose Organize…")
        raise_window(self)

    # -- refresh, status, jobs --------------------------------------------------------
    def refresh_views(self) -> None:
        if self.closed or self.stack.currentWidget() is self.welcome:
            return
        page = self.pages.currentWidget()
        if page is self.review_view:  # each answer stays instant; People reloads when shown
            self.people_view.stale = True
        else:
            self.people_view.reload()
        if page is self.person_page:
            self.person_page.reload()
        elif page is self.photo_viewer:
            self.photo_viewer.refresh()
        self.map_view.refresh()
        self.commands.update()

    def _people_changed_by_job(self) -> None:
        """Throttle, not debounce: a fast scan must not keep postponing the refresh."""
        if not self._live_refresh.isActive():
            self._live_refresh.start()

    def status(self, text: str, ms: int = 8000) -> None:
        self.statusBar().showMessage(text, ms)

    def cancel_job(self) -> None:
        self.scan_bar.set_cancelling()
        self.scans.cancel()

    def _job_done(self, title: str, result) -> None:
        self.scan_bar.setVisible(self.runner.busy)  # a queued scan may have started already
        self.refresh_views()
        self.commands.job_done(title, result)

    def _job_failed(self, title: str, message: str) -> None:
        self.scan_bar.setVisible(self.runner.busy)
        self.refresh_views()
        self.commands.job_failed(title, message)

    # -- window events --------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if any(u.isLocalFile() and os.path.isdir(u.toLocalFile()) for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        for url in event.mimeData().urls():
            if url.isLocalFile() and os.path.isdir(url.toLocalFile()):
                self.open_folder(url.toLocalFile())
        event.acceptProposedAction()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.runner.busy:
            self.scans.closing = True
            self.status("Stopping the scan; it resumes next time…")
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                self.runner.stop()
            finally:
                QGuiApplication.restoreOverrideCursor()
        self.closed = True  # signals still queued from the job find nothing to refresh
        self._live_refresh.stop()
        logging.getLogger().removeHandler(self.log_panel.handler)
        self.library.close()
        super().closeEvent(event)
