"""Grouping faces into people in a real catalog, keeping what the user decided."""

from __future__ import annotations

import numpy as np
import pytest

from photosort.core.records import Box, DetectedFace
from photosort.services.cluster import update_people
from photosort.services.edits import PeopleEditor
from photosort.store.catalog import PhotoStore
from photosort.store.db import Database
from photosort.store.people import PeopleStore

MODEL = "test@1"


class Library:
    """A catalog whose faces have synthetic embeddings around a few identity centres."""

    def __init__(self, db_path):
        self.db = Database(db_path)
        self.photos = PhotoStore(self.db)
        self.people = PeopleStore(self.db)
        self.editor = PeopleEditor(self.db)
        self.rng = np.random.default_rng(7)
        self.centres = {}
        self.n = 0

    def centre(self, who: str) -> np.ndarray:
        if who not in self.centres:
            self.centres[who] = self.rng.normal(size=128) * 0.09  # ≈ 1.0 apart
        return self.centres[who]

    def photo(self, *who: str) -> list[int]:
        """A photo with one face per named identity; returns the face ids."""
        self.n += 1
        pid = self.photos.add(f"/lib/{self.n}.jpg", 1, 1, f"h{self.n}")
        emb = np.stack([self.centre(w) + self.rng.normal(size=128) * 0.02 for w in who])
        faces = [DetectedFace(Box(i * 100, 0, i * 100 + 80, 80), np.zeros((5, 2), np.float32), 0.99)
                 for i in range(len(who))]
        return self.photos.save_analysis(pid, width=100 * len(who), height=100, faces=faces,
                                         embeddings=emb.astype(np.float32), model=MODEL,
                                         analyzed_with="fp")

    def person_of(self, face_id: int):
        link = self.people.links().get(face_id)
        return None if link is None else link[0]


@pytest.fixture()
def lib(db_path) -> Library:
    return Library(db_path)


def test_identities_become_people_and_strangers_stay_unknown(lib):
    ann = [lib.photo("ann")[0] for _ in range(5)]
    bob = [lib.photo("bob")[0] for _ in range(4)]
    strangers = [lib.photo(f"stranger{i}")[0] for i in range(3)]
    result = update_people(lib.db, MODEL, full=True)
    assert result.people == 2
    assert len({lib.person_of(f) for f in ann}) == 1
    assert len({lib.person_of(f) for f in bob}) == 1
    assert lib.person_of(ann[0]) != lib.person_of(bob[0])
    assert all(lib.person_of(f) is None for f in strangers)


def test_names_and_user_decisions_survive_reclustering(lib):
    ann = [lib.photo("ann")[0] for _ in range(5)]
    bob = [lib.photo("bob")[0] for _ in range(4)]
    update_people(lib.db, MODEL, full=True)
    ann_id, bob_id = lib.person_of(ann[0]), lib.person_of(bob[0])
    lib.editor.rename(ann_id, "Ann")
    lib.editor.move_faces([bob[0]], ann_id)  # the user insists this face is Ann
    lib.editor.reject_faces([ann[1]], ann_id)  # and that this one is not
    update_people(lib.db, MODEL, full=True)
    update_people(lib.db, MODEL, full=True)
    assert lib.people.get(ann_id).name == "Ann"
    assert lib.person_of(bob[0]) == ann_id
    assert lib.person_of(ann[1]) != ann_id
    assert {lib.person_of(f) for f in ann[2:]} == {ann_id}
    assert lib.person_of(bob[1]) == bob_id  # unnamed people keep their ids too


def test_new_faces_join_known_people_without_renaming(lib):
    ann = [lib.photo("ann")[0] for _ in range(4)]
    update_people(lib.db, MODEL, full=True)
    ann_id = lib.person_of(ann[0])
    lib.editor.rename(ann_id, "Ann")
    later = [lib.photo("ann")[0] for _ in range(3)]
    update_people(lib.db, MODEL, full=False)
    assert {lib.person_of(f) for f in later} == {ann_id}
    assert lib.people.get(ann_id).name == "Ann"


def test_two_faces_of_one_photo_are_never_one_person(lib):
    ann = [lib.photo("ann")[0] for _ in range(4)]
    twins = lib.photo("ann", "ann")  # e.g. a photo of a photo
    update_people(lib.db, MODEL, full=True)
    ann_id = lib.person_of(ann[0])
    assert ann_id is not None and {lib.person_of(f) for f in ann} == {ann_id}
    a, b = lib.person_of(twins[0]), lib.person_of(twins[1])
    assert [a, b].count(ann_id) == 1  # one twin is Ann, the other is not
    rows = lib.db.query("SELECT fp.person_id, f.photo_id, COUNT(*) AS n FROM face_person fp"
                        " JOIN faces f ON f.id = fp.face_id GROUP BY fp.person_id, f.photo_id")
    assert max(r["n"] for r in rows) == 1


def test_prewarm_imports_the_clustering_libraries_once_in_the_background():
    import sys

    import photosort.services.cluster as cluster

    cluster.prewarm_clustering()
    thread = cluster._prewarm_thread
    assert thread is not None and thread.daemon
    cluster.prewarm_clustering()
    assert cluster._prewarm_thread is thread  # once per process
    thread.join(timeout=120)
    assert not thread.is_alive() and "hdbscan" in sys.modules
