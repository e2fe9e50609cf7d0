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

from gui_support import copy_catalog, open_window, shown_people
from photosort.gui import library as library_module
from photosort.gui import map_data, people_model, person_picker
from photosort.gui.list_model import RowRole
from photosort.gui.people_view import HIDDEN, PEOPLE, UNKNOWN
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
    assert view.sections.button(UNKNOWN).text() == f"Unknown faces  {facts['unknown_faces']:,}"
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
    assert view.sections.button(UNKNOWN).text() == f"Unknown faces  {len(unknown) - 2:,}"
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
    view = window.people_view
    people = shown_people(view)
    view.show_section(HIDDEN)
    people += shown_people(view)  # the two sections together: everyone with faces
    view.show_section(PEOPLE)
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
    qtbot.waitUntil(lambda: all(r.cover is not None for r in shown_people(view)
                                if r.person.face_count), timeout=30000)
    assert threads and all(t is not threading.main_thread() for t in threads)
    row = next(r for r in shown_people(view) if r.id == facts["big_person"])
    assert row.cover.person_id == facts["big_person"]


def expected_order(db: Database, hidden: bool = False) -> list[int]:
    """The People grid's order computed here in Python: most photos, then named people by
    their case-folded name, then by id."""
    rows = db.query("SELECT p.id, p.name, s.photos FROM people p JOIN person_stats s"
                    " ON s.person_id = p.id WHERE s.faces > 0 AND p.hidden = ?", (int(hidden),))
    return [r[0] for r in sorted(rows, key=lambda r: (-r[2], (0, r[1].casefold()) if r[1]
                                                      else (1, ""), r[0]))]


def test_the_people_grid_reads_only_the_cards_it_shows(qtbot, big, tmp_path, monkeypatch):
    path, facts = big
    monkeypatch.setattr(people_model, "BLOCK", 8)
    asked: list[int | None] = []
    real = library_module.Library.person_rows

    def spy(self, person_ids=None):
        asked.append(None if person_ids is None else len(person_ids))
        return real(self, person_ids)

    monkeypatch.setattr(library_module.Library, "person_rows", spy)
    window = open_window(qtbot, path, tmp_path)
    view, lib = window.people_view, window.library
    qtbot.waitUntil(lambda: bool(asked))  # the grid painted its first cards
    order = expected_order(lib.db)
    assert view.model.ids == order and len(order) > 5 * 8
    assert None not in asked and max(asked) <= 8
    assert sum(asked) < len(order)  # only the blocks painted so far were read
    assert [r.id for r in shown_people(view)] == order  # and every one reads when asked
    lib.edit(lib.editor.rename, order[-1], "Élodie Ärger")
    view.search.setText("ärger")  # Python's case folding, not SQLite's ASCII-only lower()
    assert view.model.ids == [order[-1]]
    view.search.setText("ÉLO")
    assert view.model.ids == [order[-1]]
    unnamed = next(pid for pid in order if not lib.person(pid).name)
    view.search.setText(f"unnamed {unnamed}")  # by the name the grid shows; exact one first
    assert view.model.ids[0] == unnamed
    assert all(f"unnamed {unnamed}" in lib.person(p).display_name.casefold()
               for p in view.model.ids)
    view.search.clear()
    lib.edit(lib.editor.rename, order[-2], "Zebedee")
    view.model.refresh_rows()  # forget the rows read: type-to-find must not read them all
    before = sum(asked)
    view.grid.setFocus()
    qtbot.keyClicks(view.grid, "zeb")  # type-to-find, as in any list
    assert view.grid.current_id() == order[-2]
    assert sum(asked) - before <= 2 * 8  # the rows painted around it, not every name
    view.show_section(HIDDEN)
    assert view.model.ids == expected_order(lib.db, hidden=True) and view.model.ids


def test_selection_follows_a_person_when_the_order_changes(qtbot, big, tmp_path):
    path, facts = big
    window = open_window(qtbot, path, tmp_path)
    view, lib = window.people_view, window.library
    order = view.model.ids
    chosen = order[5]
    view.grid.setCurrentIndex(view.grid.index_of(chosen))
    assert view.grid.selected_ids() == [chosen]
    lib.edit(lib.editor.merge, order[20], order[21:40])  # a small person becomes big
    after = view.model.ids
    assert after == expected_order(lib.db) and after.index(order[20]) < after.index(chosen)
    assert view.grid.selected_ids() == [chosen]  # the same person, on another row
    assert view.grid.currentIndex().row() == after.index(chosen)


def test_the_person_picker_lists_a_few_and_finds_anyone_by_typing(qtbot, big, tmp_path,
                                                                 monkeypatch):
    path, facts = big
    monkeypatch.setattr(person_picker, "SHOWN", 5)
    window = open_window(qtbot, path, tmp_path)
    lib = window.library
    named = lib.person_ids(hidden=False, sort=browse.SORT_NAMED_FIRST)
    picker = person_picker.PersonPicker(lib, "Move to", "Who?", exclude={named[0]})
    qtbot.addWidget(picker)
    shown = [picker.list.item(i).data(RowRole).id for i in range(picker.list.count())]
    assert shown == named[1:6]
    last = lib.person(named[-1])
    picker.search.setText(last.display_name.upper())
    assert picker.list.item(0).data(RowRole).id == last.id  # the exact name first
    assert picker.pick().person_id == last.id
    picker.search.setText("Nobody Of That Name")
    assert picker.list.count() == 1 and picker.pick().new_name == "Nobody Of That Name"
    merge = person_picker.PersonPicker(lib, "Merge", "Into:", allow_new=False,
                                       only=[named[-1], named[-2]])
    qtbot.addWidget(merge)
    assert {merge.list.item(i).data(RowRole).id for i in range(merge.list.count())} == \
        {named[-1], named[-2]}
