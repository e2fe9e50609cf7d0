"""Children kept apart (core.childness) with the real pipeline on real photos.

Six different young children from ``children_distinct`` whose dlib
descriptors lie 0.24–0.31 apart (closer than most pairs of one adult's
photos), and six photos of one adult from ``lfw-dev`` (Fujio Cho, up to 0.38
apart), scanned by the real detector and embedder into a real catalog.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

from gui_support import copy_catalog
from photosort.core.childness import childness
from photosort.core.thresholds import embedder_of, thresholds_for
from photosort.services.analyze import AnalyzeSettings
from photosort.services.cluster import ClusterSettings, update_people
from photosort.services.edits import PeopleEditor
from photosort.store.db import Database
from photosort.store.people import PeopleStore

MODEL = AnalyzeSettings().model_id
CHILDREN = ["child_189_age2", "child_151_age1", "child_177_age2", "child_156_age1",
            "child_046_age1", "child_127_age1"]
ADULT = "Fujio_Cho"
_cache: dict[str, Path] = {}


@pytest.fixture()
def lib(data_dir, tmp_path):
    """A private copy of the catalog of the 12 photos, scanned once per session."""
    if "template" not in _cache:
        from photosort.services.scan import scan

        base = Path(tempfile.mkdtemp(prefix="photosort-children-"))
        photos = base / "photos"
        photos.mkdir()
        for child in CHILDREN:
            (src,) = sorted((data_dir / "children_distinct" / child).iterdir())
            shutil.copy(src, photos / f"{child}{src.suffix}")
        for i, src in enumerate(sorted((data_dir / "lfw-dev" / ADULT).iterdir())):
            shutil.copy(src, photos / f"adult_{i}{src.suffix}")
        db = Database(base / "template.sqlite3")
        summary = scan(db, [photos], workers=1)
        db.close()
        assert summary.analyzed == 12 and not summary.errors
        _cache["template"] = base / "template.sqlite3"
    db = Database(copy_catalog(_cache["template"], tmp_path / "catalog.sqlite3"))
    yield db
    db.close()


def faces_by_name(db: Database) -> dict[str, int]:
    """photo file stem → its face id (every photo has exactly one face)."""
    rows = db.query("SELECT f.id, p.path FROM faces f JOIN photos p ON p.id = f.photo_id")
    stems = [Path(r["path"]).stem for r in rows]
    assert sorted(stems) == sorted(CHILDREN + [f"adult_{i}" for i in range(6)])
    return {stem: r["id"] for stem, r in zip(stems, rows)}


def person_of(db: Database) -> dict[int, int]:
    return {face: person for face, (person, _) in PeopleStore(db).links().items()}


def old_rule() -> ClusterSettings:
    return dataclasses.replace(ClusterSettings.for_model(MODEL), child_cut=0.0)


def test_different_children_are_not_grouped_while_the_same_adult_still_is(lib):
    faces, owner = faces_by_name(lib), person_of(lib)
    adult = {owner.get(faces[f"adult_{i}"]) for i in range(6)}
    assert len(adult) == 1 and None not in adult          # one person for the adult's photos
    children = [owner.get(faces[c]) for c in CHILDREN]
    grouped = [p for p in children if p is not None]
    assert len(grouped) == len(set(grouped))             # no person holds two children
    assert not set(grouped) & adult
    # Without the children's rule the same catalog groups different children together.
    update_people(lib, MODEL, old_rule(), full=True)
    owner = person_of(lib)
    merged = [owner[faces[c]] for c in CHILDREN if faces[c] in owner]
    assert len(merged) > len(set(merged))


def test_childness_tells_the_children_from_the_adult(lib):
    faces = faces_by_name(lib)
    ids = [faces[c] for c in CHILDREN] + [faces[f"adult_{i}"] for i in range(6)]
    X = {r["id"]: r["embedding"] for r in lib.query("SELECT id, embedding FROM faces")}
    scores = childness(np.stack([np.frombuffer(X[i], dtype=np.float32) for i in ids]),
                       embedder_of(MODEL))
    limit = thresholds_for(MODEL).child_score
    assert (scores[:6] > limit).all() and (scores[6:] < limit).all()


def test_a_named_child_does_not_pull_in_other_children(lib):
    faces = faces_by_name(lib)
    editor = PeopleEditor(lib)
    ann = editor.new_person([faces[CHILDREN[0]]], "Ann")
    update_people(lib, MODEL, full=True)
    assert PeopleStore(lib).faces(ann) == [faces[CHILDREN[0]]]
    # The adults' join distance would file the other children under Ann.
    update_people(lib, MODEL, old_rule(), full=True)
    assert len(PeopleStore(lib).faces(ann)) > 1


@pytest.mark.parametrize("rule", ["children's", "adults'"])
def test_a_named_child_pulls_in_no_other_child_while_a_scan_groups_new_faces(lib, rule):
    from photosort.services.live_grouping import IncrementalGrouper

    faces = faces_by_name(lib)
    ann = PeopleEditor(lib).new_person([faces[CHILDREN[0]]], "Ann")
    with lib.transaction() as c:  # every other face arrives as new, as during a scan
        c.execute("DELETE FROM face_person WHERE source = 'ml'")
    settings = ClusterSettings.for_model(MODEL) if rule == "children's" else old_rule()
    IncrementalGrouper(lib, MODEL, settings, known_up_to=0).step()
    held = PeopleStore(lib).faces(ann)
    if rule == "children's":
        assert held == [faces[CHILDREN[0]]]
    else:  # the adults' join distance files the other children under Ann
        assert len(held) > 1


def test_an_embedder_without_a_childness_direction_groups_as_before(lib):
    from photosort.core.grouping import GroupingParams, group_faces

    rows = lib.query("SELECT photo_id, embedding FROM faces ORDER BY id")
    X = np.stack([np.frombuffer(r["embedding"], dtype=np.float32) for r in rows]).astype(float)
    photos = np.array([r["photo_id"] for r in rows])
    assert childness(X, "hse-faceres") is None   # no direction fitted for it
    other = GroupingParams.for_model("hse-faceres@1")
    assert other.embedder == "hse-faceres" and other.child_cut > 0
    plain = group_faces(X, photos, dataclasses.replace(other, child_cut=0.0))
    assert (group_faces(X, photos, other) == plain).all()
    dlib = group_faces(X, photos, GroupingParams.for_model(MODEL))
    assert (dlib >= 0).sum() < (plain >= 0).sum()  # dlib's direction sends the children to unknown
