"""Missing photos in the real window: the count, the list, the viewer's marker, and forgetting."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from PySide6.QtWidgets import QMessageBox

from gui_support import answer_modal, copy_catalog, open_window, scanned_template
from catalog_queries import faces_of_photo, photo_by_path
from photosort.services.scan import scan
from photosort.store.catalog import PhotoStore
from photosort.store.db import Database


@pytest.fixture()
def away(data_dir, tmp_path):
    """A scanned catalog over a private copy of the photos, two of which were then moved away."""
    template, photos = scanned_template(data_dir)
    catalog = copy_catalog(template, tmp_path / "catalog.sqlite3")
    mine = tmp_path / "photos"
    shutil.copytree(photos, mine)
    db = Database(catalog)
    with db.transaction() as c:
        c.execute("UPDATE photos SET path = replace(path, ?, ?)", (str(photos), str(mine)))
        c.execute("UPDATE roots SET path = ?", (str(mine),))
    gone = sorted(mine.iterdir())[:2]
    for path in gone:
        shutil.move(path, tmp_path / path.name)
    summary = scan(db, [mine], workers=1)
    assert summary.missing == 2 and summary.analyzed == 0
    db.close()
    return catalog, gone


def _click(text: str):
    def handler(box):
        if text == "Cancel":
            box.button(QMessageBox.StandardButton.Cancel).click()
        else:
            next(b for b in box.buttons() if b.text() == text).click()
    return handler


def test_the_window_shows_missing_photos_and_forgets_them_only_when_confirmed(qtbot, away, tmp_path):
    catalog, gone = away
    window = open_window(qtbot, catalog, tmp_path)
    commands = window.commands
    assert commands.missing_button.isVisible()
    assert commands.missing_button.text() == "2 missing photos"
    assert commands.forget_missing.isEnabled()

    store = PhotoStore(window.library.db)
    photo = photo_by_path(window.library.db, str(gone[0]))
    assert photo.missing and faces_of_photo(window.library.db, photo.id)
    window.open_photo([photo.id], 0, None)
    assert "missing" in window.photo_viewer.title.text()
    assert "missing" in window.photo_viewer.canvas.status
    assert window.photo_viewer.canvas.faces  # its faces are still there

    answer_modal(_click("Cancel"))
    commands.forget_missing.trigger()
    assert len(store.missing()) == 2 and commands.missing_button.isVisible()

    answer_modal(_click("Forget"))
    commands.forget_missing.trigger()
    assert store.missing() == [] and photo_by_path(window.library.db, str(gone[0])) is None
    assert not commands.missing_button.isVisible() and not commands.forget_missing.isEnabled()
    window.close()
    conn = sqlite3.connect(catalog)
    assert conn.execute("SELECT COUNT(*) FROM faces WHERE photo_id = ?", (photo.id,)).fetchone()[0] == 0
    conn.close()


def test_the_missing_list_names_each_photo(qtbot, away, tmp_path):
    from photosort.gui.missing import MissingDialog

    catalog, gone = away
    window = open_window(qtbot, catalog, tmp_path)
    dialog = MissingDialog(window.library.db, window)
    listed = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    assert listed == [str(p) for p in gone]
    assert dialog.forget_button.isEnabled()
    dialog.close()
