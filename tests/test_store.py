"""The catalog file: migrations, pragmas, photos/faces rows and people edits."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from catalog_queries import photo_by_path
from photosort.core.records import Box, DetectedFace
from photosort.store.catalog import PhotoStore
from photosort.store.db import CatalogError, Database, schema_version
from photosort.services.edits import PeopleEditor
from photosort.store.people import PeopleStore


def _face(x: float) -> DetectedFace:
    return DetectedFace(Box(x, 10, x + 50, 70), np.arange(10, dtype=np.float32).reshape(5, 2), 0.99)


def test_new_catalog_is_migrated_with_wal_and_foreign_keys(db_path):
    db = Database(db_path)
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == schema_version()
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    tables = {r[0] for r in db.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"photos", "faces", "people", "face_person", "rejections", "settings"} <= tables
    db.close()
    again = Database(db_path)  # reopening applies nothing twice
    assert again.conn.execute("PRAGMA user_version").fetchone()[0] == schema_version()


def test_catalog_from_a_newer_photosort_is_refused(db_path):
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {schema_version() + 1}")
    conn.close()
    with pytest.raises(CatalogError, match="newer"):
        Database(db_path)


def test_analysis_round_trip_and_relink_on_reanalysis(db_path):
    db = Database(db_path)
    photos, people = PhotoStore(db), PeopleStore(db)
    pid = photos.add("/p/a.jpg", 10, 20, "h1")
    emb = np.random.default_rng(0).normal(size=(2, 128)).astype(np.float32)
    ids = photos.save_analysis(pid, width=100, height=80, faces=[_face(0), _face(100)],
                               embeddings=emb, model="m@1", analyzed_with="fp1")
    rows = photos.embeddings("m@1")
    assert [r.face_id for r in rows] == ids
    np.testing.assert_array_equal(rows[0].embedding, emb[0])
    alice = PeopleEditor(db).new_person([ids[0]], "Alice")
    # re-analysis (e.g. a new embedder) keeps the name on the same face
    new_ids = photos.save_analysis(pid, width=100, height=80, faces=[_face(1), _face(101)],
                                   embeddings=emb, model="m@2", analyzed_with="fp2")
    assert people.links()[new_ids[0]] == (alice, "user")
    assert new_ids[1] not in people.links()
    assert photos.get(pid).status == "done"
    assert photos.to_analyze("fp2") == []
    assert [p.id for p in photos.to_analyze("fp3")] == [pid]


def test_forgetting_a_missing_photo_cascades_to_faces_and_links(db_path):
    db = Database(db_path)
    photos, people = PhotoStore(db), PeopleStore(db)
    pid = photos.add("/p/a.jpg", 10, 20, "h1")
    ids = photos.save_analysis(pid, width=100, height=80, faces=[_face(0)],
                               embeddings=np.zeros((1, 128), np.float32), model="m",
                               analyzed_with="fp")
    bob = PeopleEditor(db).new_person(ids, "Bob")
    assert photos.forget_missing() == 0  # only missing photos can be forgotten
    assert db.query("SELECT COUNT(*) AS n FROM faces")[0]["n"] == 1
    photos.mark_missing([pid])
    assert photos.get(pid).missing and people.links()  # missing keeps everything
    assert photos.forget_missing() == 1
    assert db.query("SELECT COUNT(*) AS n FROM faces")[0]["n"] == 0
    assert people.links() == {}
    assert people.get(bob).name == "Bob"  # a named person is never dropped


def test_people_edits(db_path):
    db = Database(db_path)
    photos, people = PhotoStore(db), PeopleStore(db)
    pid = photos.add("/p/a.jpg", 10, 20, "h1")
    ids = photos.save_analysis(pid, width=300, height=80, faces=[_face(0), _face(100), _face(200)],
                               embeddings=np.zeros((3, 128), np.float32), model="m",
                               analyzed_with="fp")
    editor = PeopleEditor(db)
    a, b = people.apply_clustering([], [], [ids[:2], ids[2:]])  # two unnamed people, as grouped
    editor.rename(b, "Bea")
    assert people.find(f"Unnamed {a}").id == a
    assert people.find("bea").id == b
    editor.merge(a, [b])  # the unnamed target takes the source's name
    merged = people.get(a)
    assert (merged.name, merged.face_count, merged.photo_count) == ("Bea", 3, 1)
    assert people.get(b) is None
    editor.reject_faces([ids[0]], a)
    assert (ids[0], a) in people.rejections()
    assert ids[0] not in people.links()
    editor.set_hidden([a], True)
    assert people.list(include_hidden=False) == []
    editor.rename(a, "  Beatrice ")
    assert people.get(a).name == "Beatrice"


def test_migration_4_gives_old_catalogs_one_identity_per_file(db_path, monkeypatch):
    """A catalog from before path keys, made on Windows with two spellings of one photo:
    the older row keeps the key, the other becomes missing (nothing is deleted)."""
    import functools
    import sqlite3

    import photosort.core.paths as paths
    from photosort.store.migrations import MIGRATIONS

    conn = sqlite3.connect(db_path)
    for version in (1, 2, 3):
        conn.executescript(MIGRATIONS[version])
    conn.execute("PRAGMA user_version = 3")
    for path in (r"C:\Photos\a.jpg", r"c:\photos\A.JPG", r"C:\Photos\b.jpg"):
        conn.execute("INSERT INTO photos (path, size, mtime_ns, status) VALUES (?, 1, 1, 'done')",
                     (path,))
    conn.executemany("INSERT INTO roots (path, added_at) VALUES (?, 0)",
                     [(r"C:\Photos",), (r"c:\photos",)])
    conn.commit()
    conn.close()
    windows_key = functools.partial(paths.path_key, windows=True)
    monkeypatch.setattr(paths, "path_key", windows_key)  # what the SQL function calls
    db = Database(db_path)
    rows = {r["path"]: (r["path_key"], r["missing_since"] is not None)
            for r in db.query("SELECT * FROM photos")}
    assert rows[r"C:\Photos\a.jpg"] == (r"C:\PHOTOS\A.JPG", False)
    assert rows[r"c:\photos\A.JPG"][1] is True
    assert rows[r"C:\Photos\b.jpg"] == (r"C:\PHOTOS\B.JPG", False)
    assert [r["path"] for r in db.query("SELECT path FROM roots")] == [r"C:\Photos"]
    store = PhotoStore(db)
    assert photo_by_path(db, r"c:\PHOTOS\b.JPG").path == r"C:\Photos\b.jpg"
    with pytest.raises(sqlite3.IntegrityError):  # a third spelling cannot be added
        store.add(r"C:\PHOTOS\B.jpg", 1, 1, None)


def test_migrations_run_as_whole_scripts_one_transaction_per_step(tmp_path, monkeypatch):
    from photosort.store import db as db_module

    steps = dict(db_module.MIGRATIONS)
    latest = max(steps)
    steps[latest + 1] = ""  # a placeholder another branch fills
    steps[latest + 2] = """
        CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
        CREATE TRIGGER notes_trim AFTER INSERT ON notes BEGIN
            UPDATE notes SET text = trim(text) WHERE id = new.id;
        END;
        INSERT INTO notes (text) VALUES ('  a; b  ');
    """
    monkeypatch.setattr(db_module, "MIGRATIONS", steps)
    db = Database(tmp_path / "c.sqlite3")
    assert db.query("PRAGMA user_version")[0][0] == latest + 2
    assert [r["text"] for r in db.query("SELECT text FROM notes")] == ["a; b"]
    db.close()
    steps[latest + 3] = "CREATE TABLE half (x); INSERT INTO nowhere VALUES (1);"
    with pytest.raises(sqlite3.OperationalError):
        Database(tmp_path / "c.sqlite3")
    conn = sqlite3.connect(tmp_path / "c.sqlite3")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == latest + 2  # nothing half-done
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'half'").fetchall() == []
    conn.close()
