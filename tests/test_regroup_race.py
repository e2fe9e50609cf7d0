"""Edits made while a regroup computes are kept: the proposal drops what they touched.

Each test makes one kind of edit at the one moment that used to race: after the
regroup read the catalog and before it writes (``before_apply``), on a second
connection as the window has, in a real SQLite file.
"""

from __future__ import annotations

import pytest

from photosort.services.cluster import update_people
from photosort.services.edits import PeopleEditor
from photosort.store.db import Database
from photosort.store.people import PeopleStore
from test_cluster_service import MODEL, Library


@pytest.fixture()
def grouped(db_path):
    """Four unnamed people (ann, bob, cat, dan: 4 photos each) after a full regroup."""
    lib = Library(db_path)
    faces = {w: [lib.photo(w)[0] for _ in range(4)] for w in ("ann", "bob", "cat", "dan")}
    update_people(lib.db, MODEL, full=True)
    person = {w: lib.person_of(fs[0]) for w, fs in faces.items()}
    assert len(set(person.values())) == 4 and None not in person.values()
    gui = Database(db_path)
    yield lib, faces, person, PeopleEditor(gui)
    gui.close()


def regroup_with(lib: Library, edit) -> None:
    result = update_people(lib.db, MODEL, full=True, before_apply=edit)
    assert result.dropped > 0  # the proposal did touch the edited faces: they were dropped
    assert lib.db.query("PRAGMA foreign_key_check") == []


def test_a_merge_during_a_regroup_neither_fails_nor_is_undone(grouped):
    lib, faces, person, editor = grouped
    new = lib.photo("bob")[0]  # a new face the regroup proposes to join bob
    regroup_with(lib, lambda: editor.merge(person["ann"], [person["bob"]]))
    assert PeopleStore(lib.db).get(person["bob"]) is None
    assert {lib.person_of(f) for f in faces["ann"] + faces["bob"]} == {person["ann"]}
    assert lib.person_of(new) is None  # left for the next regroup, which places it
    update_people(lib.db, MODEL, full=True)
    assert lib.person_of(new) == person["ann"]


def test_not_this_person_during_a_regroup_is_not_overwritten(grouped):
    lib, faces, person, editor = grouped
    face = faces["cat"][0]
    regroup_with(lib, lambda: editor.reject_faces([face], person["cat"]))
    assert lib.person_of(face) is None
    assert (face, person["cat"]) in PeopleStore(lib.db).rejections()
    update_people(lib.db, MODEL, full=True)  # and the next regroup honours it too
    assert lib.person_of(face) != person["cat"]


def test_a_rename_and_a_hide_during_a_regroup_keep_the_faces(grouped):
    lib, faces, person, editor = grouped

    def edit():
        editor.rename(person["dan"], "Dana")
        editor.set_hidden([person["cat"]], True)

    regroup_with(lib, edit)
    store = PeopleStore(lib.db)
    assert store.get(person["dan"]).name == "Dana" and store.get(person["cat"]).hidden
    assert {lib.person_of(f) for f in faces["dan"]} == {person["dan"]}
    assert {lib.person_of(f) for f in faces["cat"]} == {person["cat"]}


def test_move_confirm_and_keep_apart_during_a_regroup_are_kept(grouped):
    lib, faces, person, editor = grouped
    moved, confirmed = faces["ann"][0], faces["bob"][1]

    def edit():
        editor.move_faces([moved], person["dan"])
        editor.answer(person["bob"], yes=[confirmed])
        editor.keep_apart(person["cat"], person["ann"])

    regroup_with(lib, edit)
    links = PeopleStore(lib.db).links()
    assert links[moved] == (person["dan"], "user")
    assert links[confirmed] == (person["bob"], "user")
    assert {lib.person_of(f) for f in faces["cat"]} == {person["cat"]}


def test_a_face_deleted_during_a_regroup_breaks_no_foreign_key(grouped):
    lib, faces, person, editor = grouped
    photo = lib.db.query("SELECT photo_id FROM faces WHERE id = ?", (faces["ann"][2],))[0][0]

    def forget():
        with editor.db.transaction() as c:
            c.execute("DELETE FROM photos WHERE id = ?", (photo,))

    update_people(lib.db, MODEL, full=True, before_apply=forget)
    assert lib.db.query("PRAGMA foreign_key_check") == []
    assert lib.person_of(faces["ann"][2]) is None
