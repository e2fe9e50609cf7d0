"""Starting the app (arguments, single instance, no torch at start), settings and organize."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtCore import QDir

from gui_support import answer_modal, copy_catalog, open_window, scanned_template
from photosort.gui.app import instance_key
from photosort.gui.options import forwarded, parse_args
from photosort.gui.preferences import Preferences
from photosort.store.db import Database

REPO = Path(__file__).resolve().parent.parent


def test_arguments():
    assert parse_args([]).folder is None
    opts = parse_args(["--sort", "/photos/trip/."])
    assert (opts.folder, opts.sort) == ("/photos/trip", True)
    assert forwarded(opts) == ["--sort", "/photos/trip"]
    opts = parse_args(["--db", "/tmp/c.sqlite3", "pics", "-platform", "offscreen"])
    assert opts.folder == os.path.abspath("pics") and opts.db == "/tmp/c.sqlite3"
    assert forwarded(opts) == [os.path.abspath("pics")]
    assert instance_key(Path("/a.sqlite3")) != instance_key(Path("/b.sqlite3"))


STRESS = """
import sys
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication, QWidget

app = QApplication([])

class Source(QObject):
    changed = Signal(int)
    fired = Signal()

source, widget, image = Source(), QWidget(), QImage(8, 8, QImage.Format.Format_RGB32)
received = []
source.changed.connect(received.append)
before = [sys.getrefcount(x) for x in (None, True, False)]
painter = QPainter(image)
for i in range(N):
    source.setObjectName("")  # void calls return None
    widget.update()
    painter.save()
    painter.restore()
    source.changed.emit(i)  # emits return True
    source.fired.emit()
painter.end()
lost = [b - sys.getrefcount(x) for b, x in zip(before, (None, True, False))]
print(len(received), *lost)
"""


def test_many_signals_and_void_calls_leave_none_true_and_false_alone(tmp_path):
    """PySide6 6.12.0 took a reference from None on every void call and from True on every
    emit; Python 3.11 then aborts ("deallocating None") within about a thousand calls.
    The pinned PySide6 must survive 60,000 of each and lose (almost) no references."""
    n = 60_000
    out = subprocess.run([sys.executable, "-c", f"N = {n}" + STRESS], env=_env(tmp_path),
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    received, *lost = map(int, out.stdout.split())
    assert received == n
    assert all(abs(x) < 100 for x in lost), lost  # a leak loses one per call: 60,000 or more


def _env(tmp_path: Path) -> dict:
    return dict(os.environ, QT_QPA_PLATFORM="offscreen", PHOTOSORT_HOME=str(tmp_path / "home"),
                XDG_CONFIG_HOME=str(tmp_path / "config"), HOME=str(tmp_path))


def test_the_window_opens_without_importing_torch(tmp_path):
    code = ("import sys; from PySide6.QtWidgets import QApplication; app = QApplication([]);"
            "from photosort.gui.main_window import MainWindow;"
            f"w = MainWindow({str(tmp_path / 'c.sqlite3')!r}, {str(tmp_path / 'log')!r});"
            "w.show(); w.show_library(); app.processEvents();"
            "print('torch' in sys.modules, 'photosort.ml.detector' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], env=_env(tmp_path), cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["False", "False"], out.stderr


def test_a_second_launch_hands_its_folder_to_the_first(tmp_path, data_dir):
    folder = tmp_path / "photos"
    folder.mkdir()
    db = tmp_path / "catalog.sqlite3"
    cmd = [sys.executable, "-m", "photosort", "--db", str(db)]
    primary = subprocess.Popen(cmd + ["gui"], env=_env(tmp_path), cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lock = Path(QDir.tempPath()) / f"{instance_key(db)}.lock"
    try:
        deadline = time.monotonic() + 60
        while not lock.exists() and time.monotonic() < deadline:  # the first one is primary
            assert primary.poll() is None, primary.stdout.read().decode()
            time.sleep(0.1)
        sent = None
        while time.monotonic() < deadline:  # until the primary listens
            second = subprocess.run(cmd + ["sort", str(folder)], env=_env(tmp_path), cwd=REPO,
                                    capture_output=True, timeout=60)
            assert primary.poll() is None, primary.stdout.read().decode()
            if second.returncode == 0:
                sent = time.monotonic()
                break
        assert sent is not None, "the second launch never reached the first"
        roots = []
        while time.monotonic() < sent + 30 and not roots:
            time.sleep(0.2)
            if db.exists():
                catalog = Database(db)
                roots = [r["path"] for r in catalog.query("SELECT path FROM roots")]
                catalog.close()
        assert roots == [str(folder)]  # the first window started scanning the folder
    finally:
        primary.terminate()
        primary.wait(30)


def test_settings_are_saved_in_the_catalog_and_regroup(qtbot, tmp_path, data_dir):
    template, _photos = scanned_template(data_dir)
    db_path = copy_catalog(template, tmp_path / "catalog.sqlite3")
    window = open_window(qtbot, db_path, tmp_path)
    notes = []

    def edit(dialog):
        dialog.min_face.setValue(40)
        dialog.sensitivity.setValue(3)
        notes.append(dialog.note.text())
        assert not dialog.explorer.isEnabled() or sys.platform == "win32"
        dialog.accept()

    answer_modal(edit)
    window.commands.settings.trigger()
    assert "analysed again" in notes[0] and "regrouped" in notes[0]
    assert window.runner.busy  # regrouping started at once
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=60000)
    assert window.statusBar().currentMessage().startswith("Regrouped:")
    db = Database(db_path)
    saved = Preferences.load(db)
    db.close()
    assert (saved.min_face_size, saved.sensitivity) == (40, 3)
    assert window.library.prefs.analyze_settings().min_face_size == 40


def test_organize_preview_copy_and_undo(qtbot, tmp_path, data_dir):
    template, _photos = scanned_template(data_dir)
    db_path = copy_catalog(template, tmp_path / "catalog.sqlite3")
    window = open_window(qtbot, db_path, tmp_path)
    person = max(window.library.people.list(), key=lambda p: p.photo_count)
    window.library.edit(window.library.editor.rename, person.id, "Madonna")
    dest = tmp_path / "sorted"
    seen = {}

    def preview(dialog):
        dialog.dest.setText(str(dest))
        next(b for b in dialog.mode_group.buttons() if b.property("mode") == "copy").setChecked(True)
        dialog.replan()
        seen["summary"] = dialog.summary.text()
        seen["folder"] = dialog.tree.topLevelItem(0).text(0)
        seen["go"] = dialog.go.text()
        dialog.accept()

    answer_modal(preview)
    window.commands.organize.trigger()
    n = person.photo_count
    assert seen["folder"] == f"Madonna  ({n})"
    assert seen["go"] == f"Copy {n} photos" and seen["summary"].startswith(f"{n} photos to copy")
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=60000)
    copies = sorted(p.name for p in (dest / "Madonna").iterdir())
    assert len(copies) == n
    assert window.commands.undo_organize.isEnabled()
    window.commands.undo_organize.trigger()
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=60000)
    assert not (dest / "Madonna").exists() or not any((dest / "Madonna").iterdir())
    assert window.statusBar().currentMessage().startswith("Undid the last organize")
