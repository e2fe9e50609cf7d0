"""Helpers for the GUI tests: a small folder of real photos, a catalog scanned from it, dialogs.

The catalog is scanned once per session with the real detector and embedder
(12 photos of three people from ``five_celebrity``) and copied for every
test that edits it, so each test starts from the same real state.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Callable

import pytest
from PySide6.QtCore import QSettings, QStandardPaths, QTimer
from PySide6.QtWidgets import QApplication

from photosort.store.db import copy_catalog  # noqa: F401  (tests import it from here)

PEOPLE = ("ben_afflek", "madonna", "mindy_kaling")
PER_PERSON = 4
_cache: dict[str, Path] = {}


def isolate_settings() -> None:
    """Keep QSettings written by the views out of the user's real configuration."""
    QStandardPaths.setTestModeEnabled(True)
    QApplication.setOrganizationName("PhotoSortTests")
    QApplication.setApplicationName("PhotoSortTests")
    QSettings().clear()


def photo_folder(data_dir: Path, root: Path, people=PEOPLE, per_person: int = PER_PERSON) -> Path:
    """Copy ``per_person`` photos of each person into ``root`` (a temporary folder)."""
    root.mkdir(parents=True, exist_ok=True)
    for person in people:
        for i, src in enumerate(sorted((data_dir / "five_celebrity" / person).glob("*.jpg"))[:per_person]):
            shutil.copyfile(src, root / f"{person}_{i}.jpg")
    return root


def scanned_template(data_dir: Path) -> tuple[Path, Path]:
    """(catalog, photo folder) scanned once per session with the real pipeline."""
    if "catalog" not in _cache:
        from photosort.services.scan import scan
        from photosort.store.db import Database

        base = Path(tempfile.mkdtemp(prefix="photosort-gui-"))
        photos = photo_folder(data_dir, base / "photos")
        db = Database(base / "template.sqlite3")
        summary = scan(db, [photos], workers=1)
        db.close()
        assert summary.analyzed == len(PEOPLE) * PER_PERSON and not summary.errors
        _cache["catalog"], _cache["photos"] = base / "template.sqlite3", photos
    return _cache["catalog"], _cache["photos"]




def dump(db_path: Path) -> dict[str, list[tuple]]:
    """Every row of the people tables, sorted: the state an undo must restore exactly."""
    conn = sqlite3.connect(db_path)
    try:
        return {table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall())
                for table in ("people", "face_person", "rejections")}
    finally:
        conn.close()


def answer_modal(handler: Callable[[object], None], timeout_s: float = 10.0) -> None:
    """Run ``handler(dialog)`` on the next modal dialog (for code that calls ``exec()``)."""
    deadline = time.monotonic() + timeout_s

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is not None:
            handler(dialog)
        elif time.monotonic() < deadline:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)


def answer_popup(handler: Callable[[object], None], timeout_s: float = 10.0) -> None:
    """Run ``handler(menu)`` on the next popup menu (for ``QMenu.exec()``)."""
    deadline = time.monotonic() + timeout_s

    def poll() -> None:
        popup = QApplication.activePopupWidget()
        if popup is not None:
            handler(popup)
        elif time.monotonic() < deadline:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)


def open_window(qtbot, db_path: Path, tmp_path: Path, library: bool = True):
    """The real main window on ``db_path``, shown (offscreen), on the People view."""
    from photosort.gui import theme
    from photosort.gui.main_window import MainWindow

    isolate_settings()
    theme.apply_theme(QApplication.instance())
    window = MainWindow(db_path, tmp_path / "photosort.log", workers=1)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    if library:
        window.show_library()
    return window


@pytest.fixture()
def catalog(data_dir, tmp_path):
    """A copy of the scanned template catalog, private to one test."""
    template, _photos = scanned_template(data_dir)
    return copy_catalog(template, tmp_path / "catalog.sqlite3")


@pytest.fixture()
def window(qtbot, catalog, tmp_path):
    """The main window opened on :func:`catalog`."""
    return open_window(qtbot, catalog, tmp_path)


def wait_thumbnails(qtbot, cache, faces, px: int, timeout: int = 60000) -> None:
    """Ask ``cache`` for every face (as painting does) and wait while its croppers work,
    until each is served. Polling ``get`` in a tight loop would look like a view painting
    without pause, which the croppers yield to."""
    deadline = time.monotonic() + timeout / 1000
    while not all(cache.get(f, px) is not None for f in faces):
        left = int((deadline - time.monotonic()) * 1000)
        assert left > 0, f"thumbnails not served within {timeout} ms"
        qtbot.waitUntil(cache.idle, timeout=left)


def shown_people(view) -> list:
    """Every PersonRow the People grid shows, in order (its model reads them a block at a time)."""
    return view.model.rows_of(range(view.model.rowCount()))
