"""Missing, not deleted: a folder that is away for a while loses none of the user's work.

Real photos, the real pipeline, a real SQLite file, real folders moved on disk.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from catalog_queries import faces_of_photo, photo_by_path
from photosort.cli.main import main
from photosort.services.analyze import Analyzer, AnalyzeSettings
from photosort.services.catalog_sync import CatalogSync
from photosort.services.edits import PeopleEditor
from photosort.services.missing import forget_missing, missing_summary
from photosort.services.scan import scan
from photosort.store.catalog import PhotoStore
from photosort.store.db import Database
from photosort.store.people import PeopleStore


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    import torch

    torch.set_num_threads(1)
    return Analyzer(AnalyzeSettings())


def _user_tables(db: Database) -> dict[str, list[tuple]]:
    """Everything the user decided, plus the faces (the same ids: nothing re-analysed)."""
    queries = {
        "people": "SELECT id, name, hidden FROM people WHERE name IS NOT NULL OR hidden ORDER BY id",
        "user_links": "SELECT face_id, person_id, confirmed FROM face_person WHERE source = 'user'"
                      " ORDER BY face_id",
        "rejections": "SELECT face_id, person_id FROM rejections ORDER BY face_id, person_id",
        "faces": "SELECT id, photo_id, x1, y1, x2, y2 FROM faces ORDER BY id",
        "photos": "SELECT id, path, content_hash, analyzed_with FROM photos ORDER BY id",
    }
    return {name: [tuple(r) for r in db.query(sql)] for name, sql in queries.items()}


def test_a_folder_away_for_a_while_comes_back_with_every_decision(tmp_path, data_dir, analyzer,
                                                                   capsys):
    lib = tmp_path / "face_recognition_examples"
    shutil.copytree(data_dir / "face_recognition_examples", lib)
    db_path = tmp_path / "catalog.sqlite3"
    db = Database(db_path)
    first = scan(db, [lib], analyzer=analyzer)
    assert first.analyzed == first.new > 0
    people, editor, photos = PeopleStore(db), PeopleEditor(db), PhotoStore(db)
    largest = max(people.list(), key=lambda p: p.face_count)
    editor.rename(largest.id, "Barack Obama")
    obama_photos = sorted((lib / "obama").iterdir())
    obama_faces = [f for p in obama_photos for f in faces_of_photo(db, photo_by_path(db, str(p)).id)]
    assert any(f.person_id == largest.id for f in obama_faces)
    wrong = next(f for f in obama_faces if f.person_id == largest.id)
    editor.reject_faces([wrong.id], largest.id)  # "not this person", on a photo that goes away
    other = next(p for p in people.list() if p.id != largest.id)
    editor.set_hidden([other.id], True)
    before = _user_tables(db)
    named_faces = people.get(largest.id).face_count

    shutil.move(lib / "obama", tmp_path / "away")
    away = scan(db, [lib], analyzer=analyzer)
    assert (away.missing, away.new, away.analyzed) == (len(obama_photos), 0, 0)
    assert _user_tables(db) == before
    assert len(photos.missing()) == len(obama_photos)
    assert main(["--db", str(db_path), "status"]) == 0
    out = capsys.readouterr().out
    assert f"{len(obama_photos)} photos are missing" in out
    assert all(f"missing {p}" in out for p in obama_photos)
    # without a terminal, forget-missing asks for --yes and removes nothing
    assert main(["--db", str(db_path), "forget-missing"]) == 1
    assert len(photos.missing()) == len(obama_photos)

    shutil.move(tmp_path / "away", lib / "obama")
    back = scan(db, [lib], analyzer=analyzer)
    assert (back.returned, back.new, back.missing, back.analyzed) == (len(obama_photos), 0, 0, 0)
    assert _user_tables(db) == before
    assert people.get(largest.id).name == "Barack Obama"
    assert people.get(largest.id).face_count == named_faces
    assert photos.missing() == []
    assert forget_missing(db) == 0 and _user_tables(db) == before

    shutil.move(lib / "obama", tmp_path / "away")
    scan(db, [lib], analyzer=analyzer)
    summary = missing_summary(db)
    assert summary.photos == len(obama_photos) and summary.faces == len(obama_faces)
    assert summary.user_decisions >= 1
    assert main(["--db", str(db_path), "forget-missing", "--yes"]) == 0
    assert photos.missing() == []
    remaining = {r["path"] for r in db.query("SELECT path FROM photos")}
    assert not any(path.startswith(str(lib / "obama")) for path in remaining)
    assert db.query("SELECT COUNT(*) AS n FROM rejections WHERE face_id = ?", (wrong.id,))[0]["n"] == 0


def _catalog(tmp_path: Path) -> tuple[Database, PhotoStore]:
    db = Database(tmp_path / "c.sqlite3")
    return db, PhotoStore(db)


def _add_root(db: Database, root: Path) -> None:
    with db.transaction() as c:
        c.execute("INSERT INTO roots (path, added_at) VALUES (?, 0)", (str(root),))


def test_a_photo_on_an_unplugged_drive_does_not_move_to_its_copy(tmp_path):
    """Moved-file matching considers only photos whose old path is gone *and* whose
    scanned folder is present."""
    db, store = _catalog(tmp_path)
    usb, home = tmp_path / "usb" / "Photos", tmp_path / "home" / "Photos"
    home.mkdir(parents=True)
    for root in (usb, home):
        _add_root(db, root)
    on_usb = store.add(str(usb / "a.jpg"), 3, 1, "hash-a")  # the drive is not plugged in
    (home / "a.jpg").write_bytes(b"abc")
    sync = CatalogSync(store, [str(home)])
    sync.saw(str(home / "a.jpg"))
    sync.file(str(home / "a.jpg"), os.stat(home / "a.jpg"), lambda _p: "hash-a")
    assert sync.counts["new"] == 1 and sync.counts["moved"] == 0
    assert store.get(on_usb).path == str(usb / "a.jpg")

    usb.mkdir(parents=True)  # plugged in, the file is gone from it: now it really moved
    (home / "b.jpg").write_bytes(b"abc")
    sync = CatalogSync(store, [str(home)])
    sync.saw(str(home / "b.jpg"))
    sync.file(str(home / "b.jpg"), os.stat(home / "b.jpg"), lambda _p: "hash-a")
    assert sync.counts["moved"] == 1
    assert store.get(on_usb).path == str(home / "b.jpg")


def test_a_photo_still_at_its_old_path_is_a_copy_not_a_move(tmp_path):
    db, store = _catalog(tmp_path)
    root = tmp_path / "lib"
    root.mkdir()
    _add_root(db, root)
    (root / "a.jpg").write_bytes(b"abc")
    (root / "copy.jpg").write_bytes(b"abc")
    original = store.add(str(root / "a.jpg"), 3, os.stat(root / "a.jpg").st_mtime_ns, "hash-a")
    sync = CatalogSync(store, [str(root)])
    for name in ("a.jpg", "copy.jpg"):
        sync.saw(str(root / name))
        sync.file(str(root / name), os.stat(root / name), lambda _p: "hash-a")
    assert (sync.counts["unchanged"], sync.counts["new"], sync.counts["moved"]) == (1, 1, 0)
    assert store.get(original).path == str(root / "a.jpg")


def test_a_missing_or_unreadable_root_changes_nothing(tmp_path, monkeypatch):
    import photosort.media.discover as discover

    db, store = _catalog(tmp_path)
    root = tmp_path / "lib"
    root.mkdir()
    (root / "a.jpg").write_bytes(b"abc")
    photo = store.add(str(root / "a.jpg"), 3, os.stat(root / "a.jpg").st_mtime_ns, "hash-a")
    with db.transaction() as c:  # analysed already: the scan has nothing to analyse
        c.execute("UPDATE photos SET status = 'done', analyzed_with = ?",
                  (AnalyzeSettings().fingerprint,))
    with pytest.raises(FileNotFoundError, match="folder not found"):
        scan(db, [tmp_path / "unplugged"])
    real_scandir = os.scandir

    def locked(path):
        if Path(path) == root:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(discover.os, "scandir", locked)
    summary = scan(db, [root])
    assert summary.missing == 0 and not store.get(photo).missing
    assert any(str(root) == path and "permission denied" in why for path, why in summary.errors)
