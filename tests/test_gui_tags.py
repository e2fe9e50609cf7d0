"""File → Write names into photos, and organize's "also write names" option, in the real window."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from gui_support import answer_modal, open_window
from photosort.services.edits import PeopleEditor
from photosort.services.scan import scan
from photosort.store.db import Database
from tag_support import XMP_PHOTOS, exif_json


@pytest.fixture()
def named_library(tmp_path: Path, data_dir: Path) -> tuple[Path, Path]:
    """(catalog, photo) of the Curies' portrait, without its XMP, with Marie (the left face) named."""
    from PIL import Image

    lib = tmp_path / "lib"
    lib.mkdir()
    photo = lib / "curies.jpg"
    Image.open(data_dir / XMP_PHOTOS / "immich__metadata__faces__portrait.jpg").save(photo, quality=95)
    db_path = tmp_path / "catalog.sqlite3"
    db = Database(db_path)
    scan(db, [lib], workers=1)
    people = PeopleEditor(db)
    marie = people.new_person([], "Marie Curie")
    left = db.query("SELECT id FROM faces ORDER BY x1 LIMIT 1")[0]["id"]
    people.move_faces([left], marie)
    db.close()
    return db_path, photo


def _click(text: str):
    def handler(box):
        assert isinstance(box, QMessageBox)
        next(b for b in box.buttons() if b.text() == text).click()
    return handler


def test_write_names_action_writes_sidecars_and_leaves_photos(qtbot, tmp_path, named_library):
    db_path, photo = named_library
    digest = hashlib.sha256(photo.read_bytes()).hexdigest()
    window = open_window(qtbot, db_path, tmp_path)
    action = window.commands.tags.action
    assert action in window.menuBar().actions()[0].menu().actions()
    answer_modal(_click("Write sidecars"))
    action.trigger()
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=60000)
    info = exif_json(photo.with_name("curies.jpg.xmp"), "-RegionInfo")
    assert [r["Name"] for r in info["RegionInfo"]["RegionList"]] == ["Marie Curie"]
    assert hashlib.sha256(photo.read_bytes()).hexdigest() == digest
    assert window.statusBar().currentMessage().startswith("Names written: 1 written")


def test_organize_option_writes_sidecars_that_move_along(qtbot, tmp_path, named_library):
    db_path, photo = named_library
    window = open_window(qtbot, db_path, tmp_path)
    dest = tmp_path / "sorted"

    def organize(dialog):
        dialog.dest.setText(str(dest))
        next(b for b in dialog.mode_group.buttons() if b.property("mode") == "move").setChecked(True)
        dialog.write_tags.setChecked(True)
        dialog.accept()

    answer_modal(organize)
    window.commands.organize.trigger()
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=60000)
    assert sorted(p.name for p in (dest / "Marie Curie").iterdir()) == ["curies.jpg", "curies.jpg.xmp"]
    assert list(photo.parent.iterdir()) == []
    window.commands.undo_organize.trigger()
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=60000)
    assert sorted(p.name for p in photo.parent.iterdir()) == ["curies.jpg", "curies.jpg.xmp"]
