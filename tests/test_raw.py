"""RAW files: generated DNGs (with and without a camera preview) scanned with real MTCNN; a
RAW + JPEG + sidecar trio organized and undone exactly; a RAW LibRaw cannot open reported."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from PIL import Image

from photosort.services.edits import PeopleEditor
from photosort.media.decode import load_image
from photosort.services.analyze import Analyzer, AnalyzeSettings
from photosort.services.organize import execute_plan, plan_organize
from photosort.services.scan import scan
from photosort.services.tags import write_tags
from photosort.services.undo import undo_last
from photosort.store.db import Database
from raw_support import make_dng
from tag_support import XMP_PHOTOS


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    import torch

    torch.set_num_threads(1)
    return Analyzer(AnalyzeSettings())


@pytest.fixture()
def upright(data_dir: Path) -> Image.Image:
    return Image.open(data_dir / XMP_PHOTOS / "immich__metadata__faces__portrait.jpg").convert("RGB")


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_dngs_decode_upright_from_preview_or_half_size(tmp_path, upright):
    plain = load_image(make_dng(upright, tmp_path / "a.dng"), max_side=1024)
    assert plain.original_size == (840, 700) and plain.size == (420, 350)  # demosaiced at half size
    turned = load_image(make_dng(upright, tmp_path / "b.dng", orientation=6, preview=True), max_side=1024)
    assert turned.original_size == (840, 700) and turned.size == (840, 700)  # the full-size preview
    reference = upright.resize((420, 350))
    for loaded in (plain, turned):
        small = Image.fromarray(loaded.pixels).resize((420, 350))
        diff = sum(abs(a - b) for a, b in zip(small.convert("L").tobytes(), reference.convert("L").tobytes()))
        assert diff / (420 * 350) < 20  # the same upright picture (demosaic and JPEG differ a little)


def test_scan_finds_the_face_in_dngs_and_reports_a_broken_raw(tmp_path, upright, analyzer):
    lib = tmp_path / "lib"
    lib.mkdir()
    upright.save(lib / "twin.jpg", quality=95)
    make_dng(upright, lib / "plain.dng")
    make_dng(upright, lib / "turned.dng", orientation=6, preview=True)
    (lib / "broken.nef").write_bytes(b"II*\x00" + os.urandom(3000))
    db = Database(tmp_path / "c.sqlite3")
    summary = scan(db, [lib], analyzer=analyzer)
    errors = dict(summary.errors)
    assert list(errors) == [str(lib / "broken.nef")]
    assert "LibRaw cannot open" in errors[str(lib / "broken.nef")]
    boxes = {}
    for r in db.query("SELECT p.path, p.width, p.height, f.x1, f.y1, f.x2, f.y2 FROM faces f"
                      " JOIN photos p ON p.id = f.photo_id ORDER BY f.x1"):
        assert (r["width"], r["height"]) == (840, 700)
        boxes.setdefault(Path(r["path"]).name, (r["x1"], r["y1"], r["x2"], r["y2"]))
    assert set(boxes) == {"twin.jpg", "plain.dng", "turned.dng"}
    for name in ("plain.dng", "turned.dng"):  # Marie, where the JPEG twin has her
        assert max(abs(a - b) for a, b in zip(boxes[name], boxes["twin.jpg"])) < 0.05 * 840, name


def test_raw_jpeg_and_sidecar_move_as_one_and_undo_exactly(tmp_path, upright, analyzer):
    lib = tmp_path / "lib"
    lib.mkdir()
    make_dng(upright, lib / "IMG_1234.DNG", preview=True)
    upright.save(lib / "IMG_1234.JPG", quality=95)
    db = Database(tmp_path / "c.sqlite3")
    scan(db, [lib], analyzer=analyzer)
    people = PeopleEditor(db)
    marie = people.new_person([], "Marie Curie")
    for r in db.query("SELECT f.id FROM faces f WHERE (f.x1 + f.x2) / 2 < 420"):
        people.move_faces([r["id"]], marie)
    # The JPEG twin has no named face of its own: it must still go with its RAW.
    db.query("DELETE FROM face_person WHERE face_id IN (SELECT f.id FROM faces f JOIN photos p"
             " ON p.id = f.photo_id WHERE p.path LIKE '%.JPG')")
    assert write_tags(db).written == [str(lib / "IMG_1234.DNG")]
    assert (lib / "IMG_1234.DNG.xmp").is_file()
    before = _tree(lib)
    dest = tmp_path / "sorted"
    plan = plan_organize(db, dest, mode="move")
    summary = execute_plan(db, plan)
    assert summary.failed == []
    assert sorted(p.name for p in lib.iterdir()) == []
    moved = sorted(p.name for p in (dest / "Marie Curie").iterdir())
    assert moved == ["IMG_1234.DNG", "IMG_1234.DNG.xmp", "IMG_1234.JPG"]
    paths = {Path(r["path"]).name: Path(r["path"]).parent for r in db.query("SELECT path FROM photos")}
    assert paths == {"IMG_1234.DNG": dest / "Marie Curie", "IMG_1234.JPG": dest / "Marie Curie"}
    undone = undo_last(db)
    assert undone.failed == [] and undone.left_alone == []
    assert _tree(lib) == before
    assert not dest.exists() or not [p for p in dest.rglob("*") if p.is_file() and p.name != ".photosort-output"]
    paths = {Path(r["path"]).name: Path(r["path"]).parent for r in db.query("SELECT path FROM photos")}
    assert paths == {"IMG_1234.DNG": lib, "IMG_1234.JPG": lib}
