"""Scanning through the GUI: real photos, the real pipeline on the job thread, live people, resume."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from gui_support import open_window, photo_folder
from photosort.gui.list_model import RowRole
from photosort.store.db import Database
from photosort.store.people import PeopleStore

SCAN_TIMEOUT_MS = 600_000


class Heartbeat:
    """Counts the GUI thread's event-loop turns (a 20 ms timer) while ``busy()`` holds.

    How long the GUI goes without one is measured by ``benchmarks/bench_gui.py --scan``.
    """

    def __init__(self, busy) -> None:
        self.busy = busy
        self.beats = 0
        self.timer = QTimer(interval=20)
        self.timer.timeout.connect(self.beat)
        self.timer.start()

    def beat(self) -> None:
        self.beats += self.busy()


def catalog_state(path):
    db = Database(path)
    try:
        photos = {r["status"]: r["n"] for r in db.query(
            "SELECT status, COUNT(*) AS n FROM photos GROUP BY status")}
        people = [p for p in PeopleStore(db).list() if p.face_count]
        marker = db.query("SELECT value FROM settings WHERE key = 'gui.interrupted_scan'")
        return photos, people, marker
    finally:
        db.close()


def drop_folder(window, folder):
    """Drop a folder from the file manager on the window (the handlers, without a live drag:
    QMainWindow dereferences the drag in progress when sent a synthetic drop event)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    point, copy = QPoint(200, 200), Qt.DropAction.CopyAction
    enter = QDragEnterEvent(point, copy, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    window.dropEvent(QDropEvent(point.toPointF(), copy, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Qt's QPoint-based drag event
def test_scan_through_the_gui_with_live_people_pause_and_rename(qtbot, data_dir, tmp_path,
                                                                 monkeypatch):
    import photosort.services.scan as scan_service

    real_scan, scan_threads = scan_service.scan, []

    def recorded_scan(*args, **kwargs):
        scan_threads.append(threading.current_thread())
        return real_scan(*args, **kwargs)

    monkeypatch.setattr(scan_service, "scan", recorded_scan)
    monkeypatch.setattr(scan_service, "RECLUSTER_EVERY_S", 0.0)  # regroup after every photo
    folder = photo_folder(data_dir, tmp_path / "photos")
    db_path = tmp_path / "catalog.sqlite3"
    window = open_window(qtbot, db_path, tmp_path, library=False)
    assert window.stack.currentWidget() is window.welcome
    heartbeat = Heartbeat(lambda: bool(scan_threads) and window.runner.busy)
    drop_folder(window, folder)  # the same as choosing it in the folder dialog
    assert window.stack.currentWidget() is not window.welcome
    assert window.runner.busy and window.scan_bar.isVisible()

    view = window.people_view
    # Pause once a few photos are analysed: grouping runs on a thread of its own, so the
    # people of those photos appear while the analysis is held.
    qtbot.waitUntil(lambda: "5 of 12 photos" in window.scan_bar.detail.text()
                    or not window.runner.busy, timeout=SCAN_TIMEOUT_MS)
    qtbot.mouseClick(window.scan_bar.pause_button, Qt.MouseButton.LeftButton)
    assert window.runner.paused and window.scan_bar.detail.text() == "Paused"
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=SCAN_TIMEOUT_MS)
    assert window.runner.busy, "people should appear while the scan runs\n" + window.log_panel.text()

    first = view.model.index(0, 0)
    person = first.data(RowRole).id
    view.grid.setCurrentIndex(first)
    view.grid.setFocus()
    qtbot.keyClick(view.grid, Qt.Key.Key_F2)  # edits work while the scan holds its connection
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    qtbot.keyClicks(editor, "Ben Affleck")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any(p.name == "Ben Affleck" for p in catalog_state(db_path)[1]))
    window.resize(900, 700)  # still responsive: layout, scrolling
    view.grid.verticalScrollBar().setValue(10)

    qtbot.mouseClick(window.scan_bar.pause_button, Qt.MouseButton.LeftButton)
    assert not window.runner.paused
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=SCAN_TIMEOUT_MS)
    heartbeat.timer.stop()
    photos, people, marker = catalog_state(db_path)
    assert photos == {"done": 12}
    assert len(people) >= 3 and marker == []
    assert next(p for p in people if p.id == person).name == "Ben Affleck"
    assert not window.scan_bar.isVisible()
    assert window.statusBar().currentMessage().startswith("Scan finished: 12 photos analysed")
    assert view.model.rowCount() == len(people)
    # The scan ran on the job runner's thread while the GUI thread kept running its loop.
    assert scan_threads and all(t is not threading.main_thread() for t in scan_threads)
    assert heartbeat.beats > 0


def test_closing_mid_scan_stops_cleanly_and_the_next_start_resumes(qtbot, data_dir, tmp_path):
    folder = photo_folder(data_dir, tmp_path / "photos", per_person=2)
    db_path = tmp_path / "catalog.sqlite3"
    window = open_window(qtbot, db_path, tmp_path, library=False)
    window.start(["--sort", str(folder)])  # as `photosort sort FOLDER` does
    events = []
    window.runner.progress.connect(events.append)
    qtbot.waitUntil(lambda: any(e.stage == "analyze" and e.done >= 1 for e in events)
                    or not window.runner.busy, timeout=SCAN_TIMEOUT_MS)
    assert window.runner.busy
    window.close()
    assert not window.runner.busy
    photos, _people, marker = catalog_state(db_path)
    assert photos.get("pending", 0) >= 1 and photos.get("done", 0) >= 1
    assert marker and marker[0]["value"] == f'["{folder}"]'

    again = open_window(qtbot, db_path, tmp_path, library=False)
    again.start([])  # a plain start resumes the interrupted scan
    assert again.runner.busy and again.stack.currentWidget() is not again.welcome
    qtbot.waitUntil(lambda: not again.runner.busy, timeout=SCAN_TIMEOUT_MS)
    photos, people, marker = catalog_state(db_path)
    assert photos == {"done": 6} and marker == [] and len(people) >= 2


def test_a_missing_folder_is_reported_not_raised(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path / "catalog.sqlite3", tmp_path, library=False)
    assert window.open_folder(str(tmp_path / "nowhere")) is False
    assert window.stack.currentWidget() is window.welcome
    assert "Folder not found" in window.statusBar().currentMessage()
    assert "Folder not found" in window.log_panel.text()
    assert window.log_panel.problems == 1
    assert window.commands.problems.text() == "1 problem"


@pytest.mark.qt_no_exception_capture
def test_an_unexpected_error_shows_a_dialog_and_the_app_keeps_running(qtbot, tmp_path):
    from photosort.gui.errors import ErrorReporter

    window = open_window(qtbot, tmp_path / "catalog.sqlite3", tmp_path)
    reporter = ErrorReporter(tmp_path / "photosort.log")
    reporter.install()
    try:
        def broken():
            raise ValueError("a bug in a slot")

        QTimer.singleShot(0, broken)
        qtbot.waitUntil(lambda: reporter.shown == 1)
        assert reporter._dialog.isVisible()
        assert str(tmp_path / "photosort.log") in reporter._dialog.informativeText()
        assert "ValueError: a bug in a slot" in window.log_panel.text()
        reporter._dialog.close()
        window.show_map()  # still alive and working
        assert window.pages.currentWidget() is window.map_view
    finally:
        reporter.uninstall()
