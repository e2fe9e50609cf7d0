"""Switching the face embedder: every photo is re-analysed once, nothing the user did is lost.

Real photos, real MTCNN, both real embedders (dlib's ResNet and HSE FaceRes), a real
SQLite catalog. The user names two people, moves a face by hand, says "not this
person" about another and hides a third person; after the switch each of those
decisions is still there, on the same faces, and a further scan analyses nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from catalog_queries import faces_of_photo, photo_by_path
from photosort.services.analyze import Analyzer, AnalyzeSettings
from photosort.services.edits import PeopleEditor
from photosort.services.scan import scan
from photosort.store.db import Database
from photosort.store.people import PeopleStore

PEOPLE = ["obama", "biden", "kit_harington"]


@pytest.fixture()
def library(tmp_path: Path, data_dir: Path) -> Path:
    lib = tmp_path / "library"
    for person in PEOPLE:
        shutil.copytree(data_dir / "face_recognition_examples" / person, lib / person)
    return lib


def _face_of(db: Database, path: Path):
    return faces_of_photo(db, photo_by_path(db, str(path)).id)[0]


def test_unknown_embedder_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown embedder"):
        AnalyzeSettings(embedder="nope")


def test_switching_the_embedder_reanalyses_once_and_keeps_every_decision(library, db_path) -> None:
    import torch

    torch.set_num_threads(1)
    db = Database(db_path)
    old = AnalyzeSettings(embedder="dlib-resnet-v1")
    first = scan(db, [library], settings=old, analyzer=Analyzer(old), workers=1)
    people, editor = PeopleStore(db), PeopleEditor(db)
    obama = sorted((library / "obama").iterdir())
    biden = sorted((library / "biden").iterdir())
    obama_face = _face_of(db, obama[0])
    editor.rename(obama_face.person_id, "Barack")
    biden_face = _face_of(db, biden[0])
    editor.rename(biden_face.person_id, "Joe")
    moved = _face_of(db, obama[1])            # a face the user files by hand under "Joe"
    editor.move_faces([moved.id], biden_face.person_id)
    refused = _face_of(db, obama[-1])         # "not this person" about Joe
    editor.reject_faces([refused.id], biden_face.person_id)
    kit = _face_of(db, sorted((library / "kit_harington").iterdir())[0])
    hidden = editor.new_person([kit.id], "Kit")
    editor.set_hidden([hidden], True)

    new = AnalyzeSettings(embedder="hse-faceres")
    assert new.fingerprint != old.fingerprint
    again = scan(db, [library], settings=new, analyzer=Analyzer(new), workers=1)
    assert again.analyzed == first.analyzed and not again.errors
    assert {r["model"] for r in db.query("SELECT DISTINCT model FROM faces")} == {new.model_id}
    dims = {len(r["embedding"]) // 4 for r in db.query("SELECT embedding FROM faces")}
    assert dims == {1024}

    assert _face_of(db, obama[0]).person_id == obama_face.person_id
    assert people.get(obama_face.person_id).name == "Barack"
    assert _face_of(db, biden[0]).person_id == biden_face.person_id
    assert people.get(biden_face.person_id).name == "Joe"
    new_moved = _face_of(db, obama[1])
    assert new_moved.person_id == biden_face.person_id and new_moved.id != moved.id
    new_refused = _face_of(db, obama[-1])
    assert (new_refused.id, biden_face.person_id) in people.rejections()
    assert new_refused.person_id != biden_face.person_id
    kit_now = _face_of(db, sorted((library / "kit_harington").iterdir())[0])
    assert kit_now.person_id == hidden and people.get(hidden).hidden and people.get(hidden).name == "Kit"

    third = scan(db, [library], settings=new, analyzer=Analyzer(new), workers=1)
    assert third.analyzed == 0
