"""Reading other programs' face tags on scan: real photos, real MTCNN, ExifTool-written XMP."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from photosort.services.edits import PeopleEditor
from photosort.services.analyze import Analyzer, AnalyzeSettings
from photosort.services.scan import scan
from photosort.store.db import Database
from photosort.store.people import PeopleStore
from tag_support import XMP_PHOTOS, named_faces, run_exiftool

# The people of the shared portrait, left to right, as boxes (upright, normalised) from its MWG regions.
CURIES = [("Marie Curie", (0.3119, 0.2086, 0.4250, 0.4071)), ("Pierre Curie", (0.6393, 0.1186, 0.7357, 0.3600))]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    import torch

    torch.set_num_threads(1)
    return Analyzer(AnalyzeSettings())


def _inside(box, norm, size) -> bool:
    """Whether the face ``box`` (pixels) has its centre inside the normalised region ``norm``."""
    cx, cy = (box[0] + box[2]) / 2 / size[0], (box[1] + box[3]) / 2 / size[1]
    return norm[0] <= cx <= norm[2] and norm[1] <= cy <= norm[3]


def _plain_copy(data_dir: Path, dest: Path, scale: float = 1.0) -> Path:
    """The portrait without any metadata (optionally shrunk), as a new JPEG."""
    im = Image.open(data_dir / XMP_PHOTOS / "immich__metadata__faces__portrait.jpg").convert("RGB")
    if scale != 1.0:
        im = im.resize((round(im.width * scale), round(im.height * scale)), Image.Resampling.LANCZOS)
    im.save(dest, quality=92)
    return dest


def _mwg_arg(size) -> str:
    items = ",".join(
        f"{{Area={{X={(b[0] + b[2]) / 2:.6f},Y={(b[1] + b[3]) / 2:.6f},W={b[2] - b[0]:.6f},H={b[3] - b[1]:.6f},"
        f"Unit=normalized}},Name={name},Type=Face}}" for name, b in CURIES)
    return f"-RegionInfo={{AppliedToDimensions={{W={size[0]},H={size[1]},Unit=pixel}},RegionList=[{items}]}}"


def _mp_arg() -> str:
    items = ",".join(f"{{PersonDisplayName={name},Rectangle={b[0]:.6f}|, {b[1]:.6f}|, "
                     f"{b[2] - b[0]:.6f}|, {b[3] - b[1]:.6f}}}" for name, b in CURIES)
    return f"-RegionInfoMP={{Regions=[{items}]}}"


def test_shared_photos_come_out_named_on_the_right_faces(tmp_path, data_dir, db_path, analyzer):
    lib = tmp_path / "lib"
    shutil.copytree(data_dir / XMP_PHOTOS, lib)
    db = Database(db_path)
    PeopleEditor(db).new_person([], "marie CURIE")  # an existing person joins, case-insensitively
    summary = scan(db, [lib], analyzer=analyzer)
    assert summary.errors == []
    for photo in sorted(lib.iterdir()):
        faces = named_faces(db, photo)
        assert [n for n, _, _ in faces] == ["marie CURIE", "Pierre Curie"], photo.name
        assert all(src == "user" for _, _, src in faces)
        for (_, box, _), (_, norm) in zip(faces, CURIES):
            assert _inside(box, norm, (840, 700)), (photo.name, box)
    people = {p.name: p for p in PeopleStore(db).list()}
    assert people["marie CURIE"].photo_count == 2 and people["Pierre Curie"].photo_count == 2
    assert "Marie Curie" not in people


@pytest.mark.parametrize("form", ["mwg", "mp", "mwg-sidecar"])
def test_exiftool_tagged_files_are_read(tmp_path, data_dir, db_path, analyzer, form):
    lib = tmp_path / "lib"
    lib.mkdir()
    photo = _plain_copy(data_dir, lib / "curies.jpg")
    if form == "mp":
        run_exiftool("-q", "-overwrite_original", _mp_arg(), str(photo))
    elif form == "mwg":
        run_exiftool("-q", "-overwrite_original", _mwg_arg((840, 700)), str(photo))
    else:  # a sidecar beats embedded tags with other names
        run_exiftool("-q", "-o", str(lib / "curies.xmp"), _mwg_arg((840, 700)), str(photo))
        run_exiftool("-q", "-overwrite_original", _mwg_arg((840, 700)).replace("Curie", "Wrong"), str(photo))
    db = Database(db_path)
    summary = scan(db, [lib], analyzer=analyzer)
    assert summary.errors == []
    assert [n for n, _, _ in named_faces(db, photo)] == ["Marie Curie", "Pierre Curie"]


def test_a_face_the_detector_misses_becomes_a_named_face(tmp_path, data_dir, db_path, analyzer):
    lib = tmp_path / "lib"
    lib.mkdir()
    photo = _plain_copy(data_dir, lib / "tiny.jpg", scale=1 / 10)  # faces of ~10 px: below min size
    size = Image.open(photo).size
    plain = Database(tmp_path / "plain.sqlite3")
    scan(plain, [lib], analyzer=analyzer)
    assert plain.query("SELECT COUNT(*) AS n FROM faces")[0]["n"] == 0
    run_exiftool("-q", "-overwrite_original", _mwg_arg(size), str(photo))
    db = Database(db_path)
    assert scan(db, [lib], analyzer=analyzer).errors == []
    faces = named_faces(db, photo)
    assert [n for n, _, _ in faces] == ["Marie Curie", "Pierre Curie"]
    for (_, box, _), (_, norm) in zip(faces, CURIES):
        assert _inside(box, norm, size)
    assert db.query("SELECT COUNT(*) AS n FROM faces WHERE embedding IS NOT NULL")[0]["n"] == 2


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "TIFF", "HEIF"])
def test_embedded_regions_are_read_from_every_format(tmp_path, fmt):
    import pillow_heif

    from tag_support import run_exiftool

    path = tmp_path / f"p.{fmt.lower()}"
    im = Image.new("RGB", (200, 100), (120, 90, 60))
    if fmt == "HEIF":
        pillow_heif.from_pillow(im).save(path, quality=90)
    else:
        im.save(path, fmt)
    run_exiftool("-q", "-overwrite_original", "-RegionInfo={AppliedToDimensions={W=200,H=100,Unit=pixel},"
                 "RegionList=[{Area={X=0.5,Y=0.5,W=0.2,H=0.2,Unit=normalized},Name=Ann,Type=Face}]}", str(path))
    from photosort.media.xmp_source import load_face_tags

    found = load_face_tags(path)
    assert found.errors == []
    assert [(t.name, round(t.box.x1), round(t.box.y2)) for t in found.tags] == [("Ann", 80, 60)]
