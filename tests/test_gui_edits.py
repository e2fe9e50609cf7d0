"""PeopleEditor: every edit is undone exactly, also after reopening the catalog (real SQLite, real scan)."""

from __future__ import annotations

import pytest

from gui_support import copy_catalog, dump, scanned_template
from photosort.services.cluster import update_people
from photosort.services.analyze import AnalyzeSettings
from photosort.services.edits import MAX_UNDO, PeopleEditor
from photosort.store.db import Database
from photosort.store.people import PeopleStore


@pytest.fixture()
def catalog(data_dir, tmp_path):
    template, _photos = scanned_template(data_dir)
    path = copy_catalog(template, tmp_path / "catalog.sqlite3")
    db = Database(path)
    yield path, db
    db.close()


def _people(db):
    people = [p for p in PeopleStore(db).list() if p.face_count]
    assert len(people) >= 3, "the scan should find the three people of the test photos"
    return people


def test_each_edit_is_undone_exactly(catalog):
    path, db = catalog
    editor, store = PeopleEditor(db), PeopleStore(db)
    a, b, c = _people(db)[:3]
    faces_b = store.faces(b.id)
    before = dump(path)

    editor.rename(a.id, "Ben Affleck")
    editor.set_hidden([c.id], True)
    editor.reject_faces(faces_b[:1], b.id)
    editor.merge(a.id, [b.id])
    new = editor.new_person(faces_b[1:2], "Someone")
    editor.move_faces(store.faces(c.id)[:1], new)
    assert store.get(b.id) is None
    assert store.get(a.id).name == "Ben Affleck"
    assert (faces_b[0], a.id) in store.rejections()  # the rejection followed the merge
    assert [e.label for e in editor.history()][:2] == [
        "Move 1 face to Someone", "New person Someone from 1 face"]

    for _ in range(6):
        assert editor.undo() is not None
    assert editor.undo() is None
    assert dump(path) == before


def test_merge_undo_brings_back_the_source_with_its_faces(catalog):
    path, db = catalog
    editor, store = PeopleEditor(db), PeopleStore(db)
    a, b = _people(db)[:2]
    before = dump(path)
    faces_b = store.faces(b.id)
    editor.merge(a.id, [b.id])
    assert set(faces_b) <= set(store.faces(a.id))
    assert editor.undo() == f"Merge Unnamed {b.id} into Unnamed {a.id}"
    assert store.faces(b.id) == faces_b
    assert dump(path) == before


def test_a_merge_keeps_not_this_person_on_both_sides_and_undoes(catalog):
    path, db = catalog
    editor, store = PeopleEditor(db), PeopleStore(db)
    a, b, c = _people(db)[:3]
    before = dump(path)
    moved, kept_out = store.faces(a.id)[0], store.faces(c.id)[0]
    editor.reject_faces([moved], a.id)   # "not A" ...
    editor.move_faces([moved], b.id)     # ... and the user puts it in B
    editor.reject_faces([kept_out], b.id)
    editor.move_faces([kept_out], a.id)  # a face of A that is "not B"
    editor.merge(a.id, [b.id])           # B is A: neither face can stay
    merged = set(store.faces(a.id))
    assert moved not in merged and kept_out not in merged
    assert set(store.faces(b.id)) == set() and store.get(b.id) is None
    assert {(moved, a.id), (kept_out, a.id)} <= set(store.rejections())
    assert len(merged) > 0
    for _ in range(5):
        editor.undo()
    assert dump(path) == before


def test_undo_works_after_reopening_the_catalog(catalog):
    path, db = catalog
    a = _people(db)[0]
    PeopleEditor(db).rename(a.id, "Madonna")
    db.close()
    again = Database(path)
    try:
        editor = PeopleEditor(again)
        assert editor.last_edit().label == f"Rename Unnamed {a.id} to Madonna"
        editor.undo()
        assert PeopleStore(again).get(a.id).name is None
    finally:
        again.close()


def test_a_reused_id_does_not_mix_people(catalog):
    path, db = catalog
    editor, store = PeopleEditor(db), PeopleStore(db)
    people = _people(db)
    last = max(people, key=lambda p: p.id)  # SQLite hands the highest free id out again
    target = next(p for p in people if p.id != last.id)
    faces_last = store.faces(last.id)
    editor.merge(target.id, [last.id])
    with db.transaction() as c:  # e.g. made by a scan running meanwhile (not an edit)
        newcomer = c.execute("INSERT INTO people (name, created_at) VALUES ('Newcomer', 0)").lastrowid
    assert newcomer == last.id
    editor.undo()
    assert store.get(newcomer).name == "Newcomer" and store.faces(newcomer) == []
    restored = [p for p in store.list() if p.id not in {x.id for x in people} | {newcomer}]
    assert len(restored) == 1 and store.faces(restored[0].id) == faces_last


def test_not_this_person_survives_reclustering(catalog):
    _path, db = catalog
    editor, store = PeopleEditor(db), PeopleStore(db)
    person = _people(db)[0]
    face = store.faces(person.id)[0]
    editor.reject_faces([face], person.id)
    update_people(db, AnalyzeSettings().model_id, full=True)
    assert store.links().get(face, (None,))[0] != person.id
    assert face not in store.faces(person.id)


def test_split_and_move_are_user_decisions(catalog):
    _path, db = catalog
    editor, store = PeopleEditor(db), PeopleStore(db)
    a, b = _people(db)[:2]
    moved = store.faces(a.id)[:2]
    editor.move_faces(moved, b.id)
    assert all(store.links()[f] == (b.id, "user") for f in moved)
    update_people(db, AnalyzeSettings().model_id, full=True)  # regrouping keeps user decisions
    assert all(store.links()[f] == (b.id, "user") for f in moved)


def test_the_undo_stack_is_bounded(catalog):
    _path, db = catalog
    editor = PeopleEditor(db)
    a = _people(db)[0]
    for i in range(MAX_UNDO + 5):
        editor.rename(a.id, f"Name {i}")
    assert db.query("SELECT COUNT(*) AS n FROM edit_log")[0]["n"] == MAX_UNDO
    assert editor.last_edit().label == f"Rename Name {MAX_UNDO + 3} to Name {MAX_UNDO + 4}"
