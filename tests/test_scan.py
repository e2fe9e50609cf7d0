"""Scanning real photos end to end: real MTCNN, real embedder, real SQLite, real files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import worker_faults

from catalog_queries import faces_of_photo, photo_by_path
from photosort.core.threads import TORCH_THREADS
from photosort.services.analyze import Analyzer, AnalyzeSettings
from photosort.services.edits import PeopleEditor
from photosort.services.progress import CancelToken, ProgressEvent
from photosort.services.scan import scan
from photosort.store.db import Database
from photosort.store.people import PeopleStore

PEOPLE = ["obama", "biden", "kit_harington", "alex_lacamoire"]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(AnalyzeSettings())


@pytest.fixture()
def library(tmp_path: Path, data_dir: Path) -> Path:
    """A small library of copies (in tmp) of labelled photos, one folder per person."""
    lib = tmp_path / "library"
    src = data_dir / "face_recognition_examples"
    for person in PEOPLE:
        shutil.copytree(src / person, lib / person)
    (lib / "notes.txt").write_text("not a photo")
    (lib / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (lib / "empty.png").write_bytes(b"")
    return lib


def _photo_id(db: Database, path: Path) -> int | None:
    rows = db.query("SELECT id FROM photos WHERE path = ?", (str(path),))
    return rows[0]["id"] if rows else None


def _first_face_person(db: Database, photo_id: int) -> int | None:
    """The person of the photo's leftmost face."""
    rows = db.query("SELECT fp.person_id FROM faces f LEFT JOIN face_person fp ON fp.face_id = f.id"
                    " WHERE f.photo_id = ? ORDER BY f.x1 LIMIT 1", (photo_id,))
    return rows[0]["person_id"]


def _people_by_folder(db: Database) -> dict[str, set[int]]:
    rows = db.query("SELECT p.path, fp.person_id FROM faces f JOIN photos p ON p.id = f.photo_id"
                    " LEFT JOIN face_person fp ON fp.face_id = f.id")
    out: dict[str, set[int]] = {}
    for r in rows:
        out.setdefault(Path(r["path"]).parent.name, set()).add(r["person_id"])
    return out


def test_scan_finds_faces_groups_people_and_records_bad_files(library, db_path, analyzer):
    db = Database(db_path)
    events: list[ProgressEvent] = []
    summary = scan(db, [library], analyzer=analyzer, progress=events.append)
    n_photos = sum(len(list((library / p).iterdir())) for p in PEOPLE)
    assert summary.new == n_photos + 2  # + broken.jpg and empty.png
    assert summary.skipped_files == 1  # notes.txt
    errors = dict(summary.errors)
    assert set(errors) == {str(library / "broken.jpg"), str(library / "empty.png")}
    assert "empty" in errors[str(library / "empty.png")].lower()
    import torch

    assert torch.get_num_threads() == TORCH_THREADS  # in-process analysis keeps the policy
    assert summary.faces_found >= n_photos
    assert any(e.stage == "analyze" and e.done == e.total for e in events)
    groups = _people_by_folder(db)
    # each person's photos are one person, and different folders are different people
    for person in ("obama", "kit_harington", "alex_lacamoire"):
        ids = groups[person] - {None}
        assert len(ids) == 1, (person, groups[person])
    owners = [next(iter(groups[p] - {None})) for p in ("obama", "kit_harington", "alex_lacamoire")]
    assert len(set(owners)) == 3
    status = {r["path"]: r["status"] for r in db.query("SELECT path, status FROM photos")}
    assert status[str(library / "broken.jpg")] == "error"


def test_rescan_is_incremental_and_follows_moves_renames_and_deletions(library, db_path, analyzer):
    db = Database(db_path)
    scan(db, [library], analyzer=analyzer)
    people = PeopleStore(db)
    obama_file = sorted((library / "obama").iterdir())[0]
    photo_id = _photo_id(db, obama_file)
    person_id = _first_face_person(db, photo_id)
    PeopleEditor(db).rename(person_id, "Barack Obama")

    again = scan(db, [library], analyzer=analyzer)
    assert (again.new, again.analyzed, again.unchanged) == (0, 0, again.discovered)

    moved = library / "elsewhere" / "renamed.jpg"
    moved.parent.mkdir()
    os.rename(obama_file, moved)
    victim = sorted((library / "kit_harington").iterdir())[0]
    victim.unlink()
    third = scan(db, [library], analyzer=analyzer)
    assert third.moved == 1 and third.missing == 1 and third.analyzed == 0
    assert _photo_id(db, moved) == photo_id
    assert people.get(_first_face_person(db, photo_id)).name == "Barack Obama"
    kept = photo_by_path(db, str(victim))  # deleted files are missing, not forgotten
    assert kept is not None and kept.missing and faces_of_photo(db, kept.id)


def test_a_new_analysis_pipeline_reanalyzes_every_photo_and_keeps_the_names(library, db_path, analyzer):
    """An upgrade that changes the analysis fingerprint (here: descriptors without the
    mirror average, a different embedding model) re-analyzes everything; the user's
    names stay on the same faces."""
    db = Database(db_path)
    folders = [library / "obama", library / "biden"]
    first = scan(db, folders, analyzer=analyzer)
    people, editor = PeopleStore(db), PeopleEditor(db)
    named = {}
    for person in ("obama", "biden"):
        person_id = _first_face_person(db, _photo_id(db, sorted((library / person).iterdir())[0]))
        editor.rename(person_id, person.title())
        named[person] = person_id
    settings = AnalyzeSettings(mirror=False)
    assert settings.fingerprint != analyzer.settings.fingerprint
    again = scan(db, folders, settings=settings, analyzer=Analyzer(settings))
    assert again.analyzed == first.analyzed and not again.errors
    models = {r["model"] for r in db.query("SELECT DISTINCT model FROM faces")}
    assert models == {settings.model_id}
    groups = _people_by_folder(db)
    for person, person_id in named.items():
        assert groups[person] - {None} == {person_id}, (person, groups[person])
        assert people.get(person_id).name == person.title()


def test_cancelled_scan_resumes_where_it_stopped(library, db_path, analyzer):
    db = Database(db_path)
    cancel = CancelToken()

    def stop_after_three(event: ProgressEvent) -> None:
        if event.stage == "analyze" and event.done >= 3:
            cancel.cancel()

    first = scan(db, [library], analyzer=analyzer, progress=stop_after_three, cancel=cancel)
    assert first.cancelled and first.analyzed == 3
    pending = db.query("SELECT COUNT(*) AS n FROM photos WHERE status = 'pending'")[0]["n"]
    assert pending == first.new - 3
    second = scan(db, [library], analyzer=analyzer)
    assert not second.cancelled
    assert second.analyzed == pending
    assert db.query("SELECT COUNT(*) AS n FROM photos WHERE status = 'pending'")[0]["n"] == 0


def test_worker_processes_give_the_same_faces(library, db_path, analyzer, monkeypatch):
    import photosort.services.analyze as analyze

    monkeypatch.setattr(analyze, "IN_PROCESS_BELOW", 0)
    pooled = Database(db_path)
    scan(pooled, [library / "obama", library / "biden"], workers=2)
    local = Database(db_path.with_name("local.sqlite3"))
    scan(local, [library / "obama", library / "biden"], analyzer=analyzer)
    pooled_faces, local_faces = _faces_by_photo(pooled), _faces_by_photo(local)
    assert sorted(pooled_faces) == sorted(local_faces)
    assert sum(len(f) for f in local_faces.values()) >= 2
    for path, faces in local_faces.items():
        assert len(pooled_faces[path]) == len(faces), path
        for (box, emb), (pbox, pemb) in zip(faces, pooled_faces[path]):
            np.testing.assert_allclose(pbox, box, atol=0.5, err_msg=path)  # pixels
            assert np.linalg.norm(pemb - emb) < 1e-3, path  # same-person distance is ~0.4


def _faces_by_photo(db: Database) -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    """Photo path -> its faces' boxes and descriptors, in box order."""
    out: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for r in db.query("SELECT p.path, f.x1, f.y1, f.x2, f.y2, f.embedding FROM photos p"
                      " LEFT JOIN faces f ON f.photo_id = p.id ORDER BY p.path, f.x1, f.y1"):
        faces = out.setdefault(r["path"], [])
        if r["embedding"] is not None:
            faces.append((np.array([r["x1"], r["y1"], r["x2"], r["y2"]]),
                          np.frombuffer(r["embedding"], np.float32)))
    return out


def test_a_photo_that_kills_its_worker_is_reported_and_the_scan_goes_on(
        tmp_path, data_dir, db_path, monkeypatch):
    import photosort.services.analyze as analyze

    lib = tmp_path / "lib"
    shutil.copytree(data_dir / "face_recognition_examples" / "biden", lib)
    shutil.copy(data_dir / "face_recognition_examples" / "obama" / "obama_small.jpg",
                lib / "killer.jpg")
    monkeypatch.setattr(analyze, "IN_PROCESS_BELOW", 0)
    monkeypatch.setattr(analyze, "_run_worker", worker_faults.run_or_die_on_killer)
    db = Database(db_path)
    summary = scan(db, [lib], workers=2)
    assert dict(summary.errors) == {str(lib / "killer.jpg"): "this photo crashed the face analyzer"}
    status = {Path(r["path"]).name: r["status"] for r in db.query("SELECT path, status FROM photos")}
    assert status == {"biden.jpg": "done", "biden2.jpg": "done", "killer.jpg": "error"}
