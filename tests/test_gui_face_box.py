"""A box drawn in the photo viewer on a face the detector missed, and "Not a face" — both
surviving a re-analysis. Real window (offscreen), real MTCNN and embedder, real catalog."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtCore import QPoint, Qt

from gui_support import answer_modal, answer_popup, open_window
from photosort.services.analyze import AnalyzeSettings
from photosort.services.scan import scan
from photosort.store.db import Database
from tag_support import XMP_PHOTOS

MARIE = (262, 146, 357, 285)  # her face in the upright portrait (from its MWG region), pixels


def _faces(db_path: Path, photo_id: int):
    db = Database(db_path)
    try:
        return [dict(r) for r in db.query(
            "SELECT f.id, f.x1, f.x2, f.origin, f.embedding IS NOT NULL AS embedded, pe.name, fp.source"
            " FROM faces f LEFT JOIN face_person fp ON fp.face_id = f.id"
            " LEFT JOIN people pe ON pe.id = fp.person_id WHERE f.photo_id = ? ORDER BY f.x1", (photo_id,))]
    finally:
        db.close()


def test_draw_a_box_for_a_missed_face_and_reject_a_detection(qtbot, tmp_path, data_dir):
    lib = tmp_path / "lib"
    lib.mkdir()
    Image.open(data_dir / XMP_PHOTOS / "immich__metadata__faces__portrait.jpg").save(lib / "p.jpg", quality=95)
    other = lib / "z_obama.jpg"  # a second photo, for "Not a face"
    other.write_bytes((data_dir / "face_recognition_examples" / "obama" / "obama1.jpg").read_bytes())
    db_path = tmp_path / "catalog.sqlite3"
    db = Database(db_path)
    scan(db, [lib], settings=AnalyzeSettings(min_face_size=200), workers=1)  # faces below the minimum size
    photo_id, other_id = [r["id"] for r in db.query("SELECT id FROM photos ORDER BY path")]
    db.close()
    assert _faces(db_path, photo_id) == []

    window = open_window(qtbot, db_path, tmp_path)
    window.open_photo([photo_id], 0, None)
    canvas = window.photo_viewer.canvas
    qtbot.waitUntil(lambda: canvas.image is not None, timeout=20000)
    photo = canvas.photo_rect()
    k = photo.width() / canvas.original.width()
    start = QPoint(round(photo.left() + MARIE[0] * k), round(photo.top() + MARIE[1] * k))
    end = QPoint(round(photo.left() + MARIE[2] * k), round(photo.top() + MARIE[3] * k))
    answer_modal(lambda d: (d.search.setText("Marie Curie"), d.accept()))
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, pos=(start + end) / 2)
    qtbot.mouseMove(canvas, pos=end)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    qtbot.waitUntil(lambda: len(canvas.faces) == 1, timeout=60000)
    [drawn] = _faces(db_path, photo_id)
    assert (drawn["origin"], drawn["name"], drawn["source"], drawn["embedded"]) == ("user", "Marie Curie", "user", 1)
    assert abs(drawn["x1"] - MARIE[0]) < 3 and abs(drawn["x2"] - MARIE[2]) < 3
    assert canvas.label(canvas.faces[0]) == "Marie Curie"

    # Re-analysis with a smaller minimum face size: the detector now finds Marie too (and Obama).
    db = Database(db_path)
    scan(db, [lib], settings=AnalyzeSettings(min_face_size=40), workers=1)
    db.close()
    faces = _faces(db_path, photo_id)
    assert [f["id"] for f in faces if f["origin"] == "user"] == [drawn["id"]]  # kept
    assert [f["name"] for f in faces if f["x1"] < 420] == ["Marie Curie"]  # not doubled
    [obama] = _faces(db_path, other_id)

    window.open_photo([other_id], 0, None)
    qtbot.waitUntil(lambda: canvas.image is not None and len(canvas.faces) == 1, timeout=20000)

    def choose(menu):
        try:
            next(a for a in menu.actions() if a.text() == "Not a face").trigger()
        finally:
            menu.close()

    answer_popup(choose)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.box_rect(canvas.faces[0]).center().toPoint())
    qtbot.waitUntil(lambda: canvas.faces == [], timeout=10000)
    db = Database(db_path)
    scan(db, [lib], settings=AnalyzeSettings(min_face_size=30), workers=1)  # analysed once more
    db.close()
    assert _faces(db_path, other_id) == []  # the rejected detection stays away
    assert [(f["id"], f["name"]) for f in _faces(db_path, photo_id) if f["x1"] < 420] == [(drawn["id"], "Marie Curie")]
