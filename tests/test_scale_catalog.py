"""The scale benchmark's catalog builder (``benchmarks/scale_catalog.py``) at a small size."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from photosort.services.scan import scan
from photosort.store.db import Database
from photosort.store.people import PeopleStore

REPO = Path(__file__).resolve().parent.parent


def _builder():
    spec = importlib.util.spec_from_file_location("scale_catalog",
                                                  REPO / "benchmarks" / "scale_catalog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_small_catalog_is_real_and_rescans_unchanged(tmp_path: Path) -> None:
    db_path, files = tmp_path / "scale.sqlite3", tmp_path / "Pictures"
    facts = _builder().build_catalog(db_path, photos=1_000, faces=2_000, seed=3, files_root=files)
    db = Database(db_path)
    try:
        counts = {k: db.query(f"SELECT COUNT(*) FROM {k}")[0][0]
                  for k in ("photos", "faces", "people", "rejections", "cannot_link")}
        assert counts == {"photos": 1_000, "faces": 2_000, "people": facts["people"],
                          "rejections": facts["rejections"], "cannot_link": facts["cannot_links"]}
        assert db.query("PRAGMA foreign_key_check") == []
        # no person twice in one photo; strangers are unknown; the big person is the biggest
        assert db.query("SELECT 1 FROM face_person fp JOIN faces f ON f.id = fp.face_id"
                        " GROUP BY f.photo_id, fp.person_id HAVING COUNT(*) > 1") == []
        people = PeopleStore(db)
        biggest = max(people.list(), key=lambda p: p.face_count)
        assert biggest.id == facts["big_person"] and biggest.face_count == facts["big_person_faces"]
        assert biggest.name
        assert db.query("SELECT COUNT(*) FROM faces WHERE id NOT IN"
                        " (SELECT face_id FROM face_person)")[0][0] == facts["unknown_faces"]
        assert facts["stranger_faces"] == 1_000 and facts["small_people"] > 300
        sources = {r[0]: r[1] for r in db.query("SELECT source, COUNT(*) FROM face_person"
                                                 " GROUP BY source")}
        assert sources["user"] == facts["user_links"] > 0 and sources["ml"] > 0
        files_made = sorted(p for p in files.rglob("*") if p.is_file())
        assert len(files_made) == 1_000 and files_made[0].stat().st_size == 0
        # a rescan stats the empty files and finds every photo unchanged: nothing to analyze
        summary = scan(db, [files])
        assert (summary.discovered, summary.unchanged, summary.new, summary.changed,
                summary.missing, summary.analyzed) == (1_000, 1_000, 0, 0, 0, 0)
        names = {p.id: p.name for p in people.list() if p.name}
        assert len(names) == facts["named"]  # the regroup at the end of the scan kept every name
    finally:
        db.close()


def test_true_labels_are_the_catalogs_people(tmp_path: Path) -> None:
    """``true_labels`` recomputes who each face is; the catalog as built scores perfectly
    on precision, and ``scale_quality`` reads every group back."""
    import sys

    sys.path.insert(0, str(REPO / "benchmarks"))
    from scale_quality import regroup_quality

    builder = _builder()
    facts = builder.build_catalog(tmp_path / "s.sqlite3", photos=500, faces=1_000, seed=2)
    truth = builder.true_labels(1_000, 500, 2)
    db = Database(tmp_path / "s.sqlite3")
    try:
        quality = regroup_quality(db, truth)
        with db.transaction() as c:  # a wrong merge: the biggest person takes a small one
            small = c.execute("SELECT person_id FROM person_stats WHERE faces = 2 LIMIT 1").fetchone()[0]
            c.execute("UPDATE face_person SET person_id = ? WHERE person_id = ?",
                      (facts["big_person"], small))
        merged = regroup_quality(db, truth)
    finally:
        db.close()
    assert quality.pairwise[0] == 1.0 and quality.bcubed[0] == 1.0 and quality.worst_merge == 0
    assert quality.groups == facts["people"] and quality.true_groups >= facts["people"]
    assert merged.worst_merge == 2 and merged.worst_merge_size == facts["big_person_faces"] + 2
    assert merged.pairwise[0] < 1.0 and merged.groups == facts["people"] - 1


def _rows(db: Database, sql: str) -> list[tuple]:
    return [tuple(r) for r in db.query(sql)]


def _stats_are_exact(db: Database) -> None:
    """person_stats / person_photos (migration 8's triggers) equal the counts recomputed."""
    assert _rows(db, "SELECT person_id, faces, photos, face_sum FROM person_stats"
                     " WHERE faces > 0 ORDER BY person_id") == _rows(
        db, "SELECT person_id, COUNT(*), COUNT(DISTINCT photo_id), SUM(face_id) FROM face_person"
            " GROUP BY person_id ORDER BY person_id")
    assert _rows(db, "SELECT person_id, photo_id, faces FROM person_photos ORDER BY 1, 2") == \
        _rows(db, "SELECT person_id, photo_id, COUNT(*) FROM face_person GROUP BY 1, 2 ORDER BY 1, 2")


def test_a_full_regroup_keeps_person_stats_exact_and_rewrites_no_kept_link(tmp_path: Path) -> None:
    from photosort.services.cluster import update_people

    facts = _builder().build_catalog(tmp_path / "s.sqlite3", photos=1_500, faces=3_000, seed=4)
    db = Database(tmp_path / "s.sqlite3")
    try:
        first = update_people(db, facts["model"], full=True)
        _stats_are_exact(db)
        links = _rows(db, "SELECT face_id, person_id, source, confirmed FROM face_person ORDER BY 1")
        with db.transaction() as c:  # every link written again is counted
            c.execute("CREATE TEMP TABLE writes (n INTEGER)")
            c.execute("CREATE TEMP TRIGGER count_writes AFTER INSERT ON face_person"
                      " BEGIN INSERT INTO writes VALUES (1); END")
        again = update_people(db, facts["model"], full=True)
        writes = db.query("SELECT COUNT(*) FROM writes")[0][0]
        _stats_are_exact(db)
        assert _rows(db, "SELECT face_id, person_id, source, confirmed FROM face_person"
                         " ORDER BY 1") == links
    finally:
        db.close()
    assert first.people == again.people and writes == 0
