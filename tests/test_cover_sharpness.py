"""The automatic cover prefers a sharp face: real photos, the real detector, a real catalog.

A frontal photo of Jerry Seinfeld and a blurred, 1.4× larger copy of it are scanned;
the sharpness stored with each face (``media.sharpness``) tells them apart,
and the cover is the sharp face although the blurred one is larger (which
alone would win it).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from photosort.media.sharpness import face_sharpness, laplacian_variance
from photosort.services.cover import best_faces, face_qualities
from photosort.services.edits import PeopleEditor
from photosort.services.scan import scan
from photosort.store.db import Database
from photosort.store.people import PeopleStore


def test_a_blurred_copy_of_a_face_loses_the_cover_to_the_sharp_one(data_dir, tmp_path):
    src = (data_dir / "five_celebrity" / "jerry_seinfeld"
           / "train__httpimgthedrumcomsfspublicnewstmpjerryseinfeldjpg.jpg")
    photos = tmp_path / "photos"
    photos.mkdir()
    sharp = Image.open(src).convert("RGB")
    sharp.save(photos / "sharp.png")
    w, h = sharp.size
    big = sharp.resize((int(w * 1.4), int(h * 1.4)), Image.Resampling.BICUBIC)
    big.filter(ImageFilter.GaussianBlur(3)).save(photos / "blurred.png")
    db = Database(tmp_path / "catalog.sqlite3")
    try:
        scan(db, [photos], workers=1)
        rows = {r["path"].rsplit("/", 1)[1]: r for r in db.query(
            "SELECT f.id, f.x1, f.y1, f.x2, f.y2, f.landmarks, f.score, f.sharpness, p.path"
            " FROM faces f JOIN photos p ON p.id = f.photo_id")}
        assert set(rows) == {"sharp.png", "blurred.png"}  # one face in each
        s, b = rows["sharp.png"], rows["blurred.png"]
        assert b["x2"] - b["x1"] > 1.2 * (s["x2"] - s["x1"])  # the blurred face is larger
        assert s["sharpness"] > 3 * b["sharpness"] > 0
        PeopleEditor(db).new_person([s["id"], b["id"]], "Jerry")
        person = PeopleStore(db).list()[0].id
        assert best_faces(db)[person] == s["id"]
        # Without the sharpness the larger, blurred face would be the cover.
        order = [s, b]
        boxes = np.array([(r["x1"], r["y1"], r["x2"], r["y2"]) for r in order], dtype=np.float64)
        marks = np.stack([np.frombuffer(r["landmarks"], "<f4").reshape(5, 2) for r in order])
        blind = face_qualities(boxes, marks.astype(np.float64), np.array([r["score"] for r in order]))
        assert blind[1] > blind[0]
    finally:
        db.close()


def test_sharpness_is_the_laplacian_variance_at_one_size(data_dir):
    src = sorted((data_dir / "five_celebrity" / "madonna").glob("*.jpg"))[0]
    pixels = np.asarray(Image.open(src).convert("RGB"))
    h, w = pixels.shape[:2]
    box = (w * 0.25, h * 0.2, w * 0.75, h * 0.7)
    value = face_sharpness(pixels, box)
    blurred = np.asarray(Image.fromarray(pixels).filter(ImageFilter.GaussianBlur(2)))
    assert 0 < face_sharpness(blurred, box) < 0.6 * value
    assert laplacian_variance(np.full((20, 20), 128.0)) == 0.0
    assert face_sharpness(pixels, (5, 5, 6, 6)) == 0.0  # too small to measure
