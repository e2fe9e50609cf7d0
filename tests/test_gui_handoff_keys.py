"""The single-instance hand-off follows the path-key rule: a folder handed over again in
another spelling (``C:\\Photos`` then ``c:\\photos`` on Windows) is not scanned twice."""

from __future__ import annotations

import functools
import threading

import photosort.core.paths as paths
import photosort.gui.scanning as scanning
from gui_support import open_window


def test_a_folder_handed_over_twice_in_two_spellings_is_queued_once(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(scanning, "path_key", functools.partial(paths.path_key, windows=True))
    (tmp_path / "Photos").mkdir()
    (tmp_path / "photos").mkdir()  # on Linux a second folder; by Windows' rule the same one
    window = open_window(qtbot, tmp_path / "c.sqlite3", tmp_path)
    release = threading.Event()
    assert window.runner.start("Busy", lambda progress, cancel, changed: release.wait(30))
    try:
        window.handle_arguments([str(tmp_path / "Photos")])  # what a second launch sends
        window.handle_arguments([str(tmp_path / "photos")])
        window.handle_arguments([str(tmp_path / "Photos") + "/"])
        assert window.scans._queue == [[str(tmp_path / "Photos")]]
    finally:
        release.set()
    qtbot.waitUntil(lambda: not window.scans._queue, timeout=30_000)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=120_000)
    window.close()
