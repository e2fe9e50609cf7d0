"""Writing names into XMP and reading them back with ExifTool, an independent reader.

The portrait of the Curies is stored in all 8 EXIF orientations (its pixels
turned so that every file shows the same upright photo); PhotoSort scans
them, the two faces are named, the tags are written, and ExifTool's regions
(in stored pixels, as MWG defines them) are turned upright by Pillow and
must land on PhotoSort's faces within 1 % of the image size.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photosort.services.edits import PeopleEditor
from photosort.services.analyze import Analyzer, AnalyzeSettings
from photosort.services.scan import scan
from photosort.services.tags import write_tags
from photosort.services.undo import undo_last
from photosort.store.db import Database
from tag_support import XMP_PHOTOS, exif_json, named_faces, run_exiftool, stored_box_to_upright

# The transpose that stores an upright image so that EXIF orientation k shows it upright again.
STORE = {1: None, 2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
         4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90,
         7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_270}
NAMES = ("Marie Curie", "Pierre Curie")


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    import torch

    torch.set_num_threads(1)
    return Analyzer(AnalyzeSettings())


def _upright(data_dir: Path) -> Image.Image:
    return Image.open(data_dir / XMP_PHOTOS / "immich__metadata__faces__portrait.jpg").convert("RGB")


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _name_faces(db: Database) -> None:
    """Name every face left of the middle Marie and right of it Pierre (upright x), as a user would.

    (Pierre, in profile, is not always detected: a photo may have only Marie.)
    """
    people = PeopleEditor(db)
    ids = [people.new_person([], n) for n in NAMES]
    for r in db.query("SELECT f.id, f.x1, f.x2, p.width FROM faces f JOIN photos p ON p.id = f.photo_id"):
        people.move_faces([r["id"]], ids[int((r["x1"] + r["x2"]) / 2 > r["width"] / 2)])


def _check_regions(db: Database, photo: Path, source: Path, orientation: int, stored_size) -> None:
    """ExifTool's MWG and MP regions in ``source`` sit on PhotoSort's named faces of ``photo``."""
    info = exif_json(source, "-RegionInfo", "-RegionInfoMP", "-PersonInImage", "-Subject", "-TagsList")
    ours = {name: box for name, box, _ in named_faces(db, photo)}
    upright_w, upright_h = (stored_size[1], stored_size[0]) if orientation >= 5 else stored_size
    mwg = {r["Name"]: r["Area"] for r in info["RegionInfo"]["RegionList"]}
    assert info["RegionInfo"]["AppliedToDimensions"]["W"] == stored_size[0]
    mp = {r["PersonDisplayName"]: [float(v) for v in r["Rectangle"].split(",")]
          for r in info["RegionInfoMP"]["Regions"]}
    assert set(mwg) == set(mp) == set(ours) and "Marie Curie" in ours
    for name in ours:
        a = mwg[name]
        boxes = [(a["X"] - a["W"] / 2, a["Y"] - a["H"] / 2, a["X"] + a["W"] / 2, a["Y"] + a["H"] / 2)]
        x, y, w, h = mp[name]
        boxes.append((x, y, x + w, y + h))
        for box in boxes:
            got = stored_box_to_upright(box, stored_size, orientation)
            want = ours[name]
            assert max(abs(g - o) for g, o in zip(got[::2], want[::2])) <= 0.01 * upright_w + 1, (name, got, want)
            assert max(abs(g - o) for g, o in zip(got[1::2], want[1::2])) <= 0.01 * upright_h + 1, (name, got, want)
    listed = info["PersonInImage"] if isinstance(info["PersonInImage"], list) else [info["PersonInImage"]]
    assert sorted(listed) == sorted(ours)
    assert set(ours) <= set(np.atleast_1d(info["Subject"]))
    assert {f"People/{n}" for n in ours} <= set(np.atleast_1d(info["TagsList"]))


def test_round_trip_all_orientations_sidecar_then_embedded(tmp_path, data_dir, analyzer):
    lib = tmp_path / "lib"
    lib.mkdir()
    upright = _upright(data_dir)
    sizes = {}
    for k, transpose in STORE.items():
        stored = upright if transpose is None else upright.transpose(transpose)
        exif = Image.Exif()
        exif[0x0112] = k
        stored.save(lib / f"o{k}.jpg", quality=98, exif=exif.tobytes())
        sizes[k] = stored.size
    db = Database(tmp_path / "c.sqlite3")
    assert scan(db, [lib], analyzer=analyzer).errors == []
    _name_faces(db)
    before = _digests(lib)

    summary = write_tags(db)
    assert summary.failed == [] and len(summary.written) == 8, summary.failed[:1]
    after = _digests(lib)
    assert {n: d for n, d in after.items() if not n.endswith(".xmp")} == before  # originals untouched
    for k in STORE:
        _check_regions(db, lib / f"o{k}.jpg", lib / f"o{k}.jpg.xmp", k, sizes[k])
    assert write_tags(db).written == []  # a second run finds everything up to date

    pixels = {k: np.asarray(Image.open(lib / f"o{k}.jpg")) for k in STORE}
    embedded = write_tags(db, embedded=True)
    assert embedded.failed == [] and len(embedded.written) == 8
    for k in STORE:
        photo = lib / f"o{k}.jpg"
        assert np.array_equal(np.asarray(Image.open(photo)), pixels[k])
        assert hashlib.sha256(photo.read_bytes()).hexdigest() != before[photo.name]
        (lib / f"o{k}.jpg.xmp").unlink()  # ExifTool reads the photo itself; so does a rescan
        _check_regions(db, photo, photo, k, sizes[k])
    rescan = scan(db, [lib], analyzer=analyzer)
    assert rescan.changed == 0 and rescan.analyzed == 0  # the catalog knows the rewritten files

    names = {k: named_faces(db, lib / f"o{k}.jpg") for k in STORE}
    undone = undo_last(db)
    assert undone.failed == [] and undone.left_alone == []
    assert {n: d for n, d in _digests(lib).items()} == before
    again = scan(db, [lib], analyzer=analyzer)  # the originals are back: the catalog knows them
    assert again.changed == 0 and again.analyzed == 0
    assert {k: named_faces(db, lib / f"o{k}.jpg") for k in STORE} == names


def test_heic_gets_a_sidecar_and_existing_xmp_is_kept(tmp_path, data_dir, analyzer):
    import pillow_heif

    lib = tmp_path / "lib"
    lib.mkdir()
    photo = lib / "curies.heic"
    pillow_heif.from_pillow(_upright(data_dir)).save(photo, quality=90)
    db = Database(tmp_path / "c.sqlite3")
    assert scan(db, [lib], analyzer=analyzer).errors == []
    _name_faces(db)
    sidecar = lib / "curies.heic.xmp"
    # Another tool's sidecar: a rating, a keyword, and a region of someone PhotoSort does not know.
    run_exiftool("-q", "-Rating=4", "-Subject=holiday",
                 "-RegionInfo={AppliedToDimensions={W=840,H=700,Unit=pixel},RegionList=[{Area={X=0.1,Y=0.8,"
                 "W=0.05,H=0.08,Unit=normalized},Name=Stranger,Type=Face}]}", str(sidecar))
    original = hashlib.sha256(photo.read_bytes()).hexdigest()
    summary = write_tags(db, embedded=True)  # HEIC: a sidecar all the same
    assert summary.failed == [] and summary.written == [str(photo)] and summary.batch_id is None
    assert hashlib.sha256(photo.read_bytes()).hexdigest() == original
    _check_regions_with_stranger(db, photo, sidecar)
    assert not list(lib.glob(".photosort-tmp-*"))


def named_names(db, photo: Path) -> list[str]:
    return [name for name, _, _ in named_faces(db, photo)]


def _check_regions_with_stranger(db, photo: Path, sidecar: Path) -> None:
    info = exif_json(sidecar, "-RegionInfo", "-Rating", "-Subject")
    names = [r["Name"] for r in info["RegionInfo"]["RegionList"]]
    assert sorted(names) == sorted(["Stranger", *named_names(db, photo)])
    assert info["Rating"] == 4 and "holiday" in info["Subject"]
    ours = {name: box for name, box, _ in named_faces(db, photo)}
    for region in info["RegionInfo"]["RegionList"]:
        if region["Name"] in ours:
            a = region["Area"]
            box = ours[region["Name"]]
            assert abs(a["X"] * 840 - (box[0] + box[2]) / 2) <= 8.4
            assert abs(a["Y"] * 700 - (box[1] + box[3]) / 2) <= 7.0


def test_write_tags_command_for_one_person(tmp_path, data_dir, analyzer, capsys):
    from photosort.cli.main import main

    lib = tmp_path / "lib"
    lib.mkdir()
    _upright(data_dir).save(lib / "a.jpg", quality=92)
    db_file = tmp_path / "c.sqlite3"
    db = Database(db_file)
    scan(db, [lib], analyzer=analyzer)
    _name_faces(db)
    db.close()
    assert main(["write-tags", "marie curie", "--db", str(db_file)]) == 0
    assert "1 written" in capsys.readouterr().out
    info = exif_json(lib / "a.jpg.xmp", "-RegionInfo")
    assert [r["Name"] for r in info["RegionInfo"]["RegionList"]] == ["Marie Curie"]
    assert main(["write-tags", "Nobody", "--db", str(db_file)]) == 1
