"""The window on a large catalog: paged face grids, kept counts, indexed queries, the map, covers.

The catalog comes from the scale benchmark's builder (``benchmarks/scale_catalog.py``)
at a small size — real SQLite through the real store, people with hundreds of
faces, thousands of unknown faces — and the grids are given small pages, so
every list here needs several pages.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import pytest

from gui_support import copy_catalog, open_window
from photosort.gui import library as library_module
from photosort.gui import map_data
from photosort.gui.people_view import UNKNOWN
from photosort.store import browse
from photosort.store.db import Database

REPO = Path(__file__).resolve().parent.parent
PAGE = 50


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict]:
    spec = importlib.util.spec_from_file_location("scale_catalog",
                                                  REPO / "benchmarks" / "scale_catalog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = tmp_path_factory.mktemp("scale") / "template.sqlite3"
    return path, module.build_catalog(path, photos=2_000, faces=4_000, seed=5)


@pytest.fixture()
def big(built, tmp_path) -> tuple[Path, dict]:
    template, facts = built
    return copy_catalog(template, tmp_path / "catalog.sqlite3"), facts


def truth(db: Database) -> dict[int, tuple[int, int]]:
    """person → (faces, photos), counted from the links themselves."""
    return {r[0]: (r[1], r[2]) for r in db.query(
        "SELECT fp.person_id, COUNT(*), COUNT(DISTINCT f.photo_id) FROM face_person fp"
        " JOIN faces f ON f.id = fp.face_id GROUP BY fp.person_id")}


def kept(db: Database) -> dict[int, tuple[int, int]]:
    return {r[0]: (r[1], r[2]) for r in db.query(
        "SELECT person_id, faces, photos FROM person_stats WHERE faces > 0")}


def scroll_to_end(qtbot, grid) -> None:
    bar, model = grid.verticalScrollBar(), grid.model()
    for _ in range(1000):
        bar.setValue(bar.maximum())
        qtbot.wait(1)
        if not model.canFetchMore():
            return
    raise AssertionError("the grid never reached its end")


def test_a_big_person_opens_with_one_page_and_scrolls_to_every_face(qtbot, big, tmp_path):
    path, facts = big
    window = open_window(qtbot, path, tmp_path)
    grid = window.person_page.grid
    grid.face_model.page = PAGE
    window.open_person(facts["big_person"])
    expected = [r[0] for r in window.library.db.query(
        "SELECT face_id FROM face_person WHERE person_id = ? ORDER BY face_id",
        (facts["big_person"],))]
    assert len(expected) == facts["big_person_faces"] > 4 * PAGE
    assert grid.model().rowCount() == PAGE and grid.model().canFetchMore()
    assert f"{len(expected)} faces" in window.person_page.subtitle.text()  # the whole count
    scroll_to_end(qtbot, grid)
    assert [f.face_id for f in grid.faces()] == expected
    # a correction keeps what is loaded and updates in place
    first = grid.faces()[3]
    grid.select_rows([3])
    window.person_page.reject()
    assert first.face_id not in {f.face_id for f in grid.faces()}
    assert len(grid.faces()) == len(expected) - 1
    assert f"{len(expected) - 1} faces" in window.person_page.subtitle.text()


def test_unknown_faces_are_paged_and_counted_without_loading_them(qtbot, big, tmp_path):
    path, facts = big
    window = open_window(qtbot, path, tmp_path)
    view = window.people_view
    view.unknown.face_model.page = PAGE
    assert view.sections.button(UNKNOWN).text() == f"Unknown faces  {facts['unknown_faces']}"
    view.show_section(UNKNOWN)
    assert view.unknown.model().rowCount() == PAGE
    scroll_to_end(qtbot, view.unknown)
    unknown = [r[0] for r in window.library.db.query(
        "SELECT f.id FROM faces f WHERE NOT EXISTS"
        " (SELECT 1 FROM face_person fp WHERE fp.face_id = f.id) ORDER BY f.id")]
    assert [f.face_id for f in view.unknown.faces()] == unknown
    view.unknown.select_rows([0, 1])
    window.library.edit(window.library.editor.new_person,
                        [f.face_id for f in view.unknown.selected_faces()], "Newly Named")
    assert view.sections.button(UNKNOWN).text() == f"Unknown faces  {len(unknown) - 2}"
    assert [f.face_id for f in view.unknown.faces()] == unknown[2:]


def test_kept_counts_follow_edits_undo_and_reanalysis(qtbot, big, tmp_path):
    path, facts = big
    window = open_window(qtbot, path, tmp_path)
    lib, db = window.library, window.library.db
    assert kept(db) == truth(db)
    a, b = facts["big_people"][:2]
    faces_b = [f.face_id for f in lib.face_page(b, 0, 5)]
    lib.edit(lib.editor.reject_faces, faces_b[:2], b)
    lib.edit(lib.editor.move_faces, faces_b[2:4], a)
    lib.edit(lib.editor.new_person, [faces_b[4]], "Solo")
    assert kept(db) == truth(db)
    lib.edit(lib.editor.merge, a, [b])
    assert kept(db) == truth(db) and b not in kept(db)
    lib.undo()
    assert kept(db) == truth(db) and b in kept(db)
    photo = db.query("SELECT photo_id FROM faces WHERE id = ?", (faces_b[0],))[0][0]
    with db.transaction() as c:  # a changed file: its faces go (the links cascade)
        c.execute("DELETE FROM faces WHERE photo_id = ?", (photo,))
    assert kept(db) == truth(db)
    window.refresh_views()
    counts = lib.counts()
    assert window.commands.counts.text().startswith(f"{counts['photos']:,} photos · "
                                                     f"{counts['faces']:,} faces")
    people = [r for r in window.people_view.model.rows if r.person.face_count]
    stats = truth(db)
    assert {r.id: (r.person.face_count, r.person.photo_count) for r in people} == stats


def test_browsing_queries_use_indexes_not_table_scans(big):
    path, facts = big
    db = Database(path)
    try:
        def plan(sql: str, args: tuple = ()) -> str:
            return " | ".join(r[-1] for r in db.query("EXPLAIN QUERY PLAN " + sql, args))

        person = plan(browse.FACE_COLUMNS + " WHERE fp.person_id = ? AND fp.face_id > ?"
                      " ORDER BY fp.face_id LIMIT ?", (facts["big_person"], 0, PAGE))
        assert "USING COVERING INDEX face_person_person (person_id=? AND rowid>?)" in person
        unknown = plan(browse.FACE_COLUMNS + " WHERE f.id > ? AND fp.face_id IS NULL"
                       " ORDER BY f.id LIMIT ?", (0, PAGE))
        assert "SEARCH f USING INTEGER PRIMARY KEY (rowid>?)" in unknown
        for text in (person, unknown):
            assert "TEMP B-TREE" not in text and "SCAN" not in text
        people = plan(browse._PEOPLE)
        assert "face_person" not in people and "SCAN f" not in people
        model = db.query("SELECT model FROM faces LIMIT 1")[0][0]
        assert "COVERING INDEX faces_model" in plan("SELECT COUNT(*) FROM faces WHERE model = ?",
                                                    (model,))
        assert "COVERING INDEX faces_model" in plan(
            "SELECT f.id FROM faces f WHERE f.model = ? AND f.id % ? = 0", (model, 3))
    finally:
        db.close()


def test_the_map_samples_beyond_its_limit_through_its_own_connection(qtbot, big, tmp_path,
                                                                     monkeypatch):
    path, facts = big
    seen = []
    real_load = map_data.load

    def spy(db, limit):
        seen.append((db, threading.current_thread()))
        return real_load(db, limit)

    monkeypatch.setattr(map_data, "load", spy)
    monkeypatch.setattr("photosort.gui.map_view.MAX_POINTS", 500)
    window = open_window(qtbot, path, tmp_path)
    window.show_map()
    view = window.map_view
    qtbot.waitUntil(lambda: len(view.points) > 0, timeout=20000)
    assert view.total == facts["faces"] and 400 <= len(view.points) <= 500
    assert view.points.shape == (len(view.ids), 2) and (view.ids % (facts["faces"] // 500) == 0).all()
    db, thread = seen[0]
    assert db is not window.library.db and thread is not threading.main_thread()
    largest = window.library.person(facts["big_person"])
    assert view.legend()[0] == (largest.id, largest.display_name, largest.face_count)


def test_covers_of_big_people_are_found_off_the_gui_thread(qtbot, big, tmp_path, monkeypatch):
    path, facts = big
    threads = []
    real = library_module.CoverCache.put

    def put(self, found, keys):
        threads.append(threading.current_thread())
        real(self, found, keys)

    monkeypatch.setattr(library_module.CoverCache, "put", put)
    monkeypatch.setattr(library_module, "COVERS_NOW", 10)
    window = open_window(qtbot, path, tmp_path)
    view = window.people_view
    assert not window.library.db.query("SELECT 1 FROM person_cover")  # as built: none chosen
    qtbot.waitUntil(lambda: all(r.cover is not None for r in view.model.rows
                                if r.person.face_count), timeout=30000)
    assert threads and all(t is not threading.main_thread() for t in threads)
    row = next(r for r in view.model.rows if r.id == facts["big_person"])
    assert row.cover.person_id == facts["big_person"]
