"""The window's memory and GUI-thread work on a large catalog: read-ahead pages, the Review's
bounded reading, one Review computation at a time, the Review count's worker process.

Real SQLite catalogs from the scale benchmark's builder (``benchmarks/scale_catalog.py``)
at a small size (``test_gui_scale``'s fixtures), the real window (offscreen), real threads
and a real worker process.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
import tracemalloc

import numpy as np
import pytest

from gui_support import open_window
from photosort.gui import memory, review_compute, review_process
from photosort.gui.people_view import UNKNOWN
from photosort.services import review_state
from photosort.store import browse
from photosort.store.db import Database
from test_gui_scale import big, built, scroll_to_end  # noqa: F401 — fixtures shared

PAGE = 40


def _record_reads(monkeypatch, name: str) -> list[str]:
    """Wrap ``browse.<name>``: the names of the threads that call it."""
    threads: list[str] = []
    real = getattr(browse, name)

    def wrapper(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(browse, name, wrapper)
    return threads


def test_a_persons_later_pages_are_read_ahead_off_the_gui_thread(qtbot, big, tmp_path,
                                                                  monkeypatch):
    path, facts = big
    window = open_window(qtbot, path, tmp_path)
    grid = window.person_page.grid
    grid.face_model.page = PAGE
    threads = _record_reads(monkeypatch, "person_faces")
    window.open_person(facts["big_person"])
    expected = [r[0] for r in window.library.db.query(
        "SELECT face_id FROM face_person WHERE person_id = ? ORDER BY face_id",
        (facts["big_person"],))]
    assert len(expected) > 4 * PAGE and grid.model().rowCount() == PAGE
    scroll_to_end(qtbot, grid)
    assert [f.face_id for f in grid.faces()] == expected  # every face once, in order
    gui = threading.current_thread().name
    assert threads[0] == gui  # the first page is read at once, on the GUI thread
    later = threads[1:]
    pages = -(-len(expected) // PAGE)
    assert len(later) >= pages - 1 and all(t.startswith("page-reader") for t in later)
    # an edit re-reads what is loaded; a page read ahead for the old state is not appended
    moved = expected[-5:]
    window.library.edit(window.library.editor.reject_faces, moved, facts["big_person"])
    assert [f.face_id for f in grid.faces()] == expected[:-5]


def test_unknown_faces_read_ahead_show_every_face_after_an_edit(qtbot, big, tmp_path,
                                                                 monkeypatch):
    path, _ = big
    window = open_window(qtbot, path, tmp_path)
    view = window.people_view
    view.unknown.face_model.page = PAGE
    threads = _record_reads(monkeypatch, "unknown_faces")
    view.show_section(UNKNOWN)
    # a new person from the first two faces while the second page is being read ahead
    view.unknown.select_rows([0, 1])
    window.library.edit(window.library.editor.new_person,
                        [f.face_id for f in view.unknown.selected_faces()], "Ahead")
    scroll_to_end(qtbot, view.unknown)
    unknown = [r[0] for r in window.library.db.query(
        "SELECT f.id FROM faces f WHERE NOT EXISTS"
        " (SELECT 1 FROM face_person fp WHERE fp.face_id = f.id) ORDER BY f.id")]
    assert [f.face_id for f in view.unknown.faces()] == unknown
    assert any(t.startswith("page-reader") for t in threads)


def _rows_reference(db: Database, model: str):
    rows = db.query("SELECT f.id, f.photo_id, f.embedding, fp.person_id FROM faces f"
                    " LEFT JOIN face_person fp ON fp.face_id = f.id"
                    " WHERE f.model = ? AND f.embedding IS NOT NULL ORDER BY f.id", (model,))
    X = np.stack([np.frombuffer(r["embedding"], "<f4") for r in rows])
    owner = np.array([-1 if r["person_id"] is None else r["person_id"] for r in rows])
    return np.array([r["id"] for r in rows]), np.array([r["photo_id"] for r in rows]), X, owner


def test_the_review_reads_every_face_in_chunks_into_arrays(big, monkeypatch):
    path, facts = big
    monkeypatch.setattr(review_state, "CHUNK", 7)  # many chunks, the last one short
    db = Database(path)
    try:
        model = review_state.catalog_model(db)
        ids, photos, X, owner = _rows_reference(db, model)
        st = review_state.load_state(db, model)
        assert len(ids) == facts["faces"]
        assert np.array_equal(st.face_ids, ids) and np.array_equal(st.photo_ids, photos)
        assert np.array_equal(st.owner, owner) and np.array_equal(st.X, X)
        assert st.X.dtype == np.float32 and st.X.flags.c_contiguous
        people = {p: np.flatnonzero(owner == p) for p in set(owner.tolist()) - {-1}}
        assert st.members.keys() == people.keys()
        assert all(np.array_equal(st.members[p], rows) for p, rows in people.items())
        assert st.hidden == {r[0] for r in db.query("SELECT id FROM people WHERE hidden")}
        assert len(st.rejections) == facts["rejections"]
    finally:
        db.close()


def test_the_reviews_reading_holds_arrays_not_rows(big, monkeypatch):
    """At 400k faces, 400k rows with their blobs were ~800 MB besides the arrays."""
    path, facts = big
    monkeypatch.setattr(review_state, "CHUNK", 64)
    db = Database(path)
    try:
        model = review_state.catalog_model(db)
        tracemalloc.start()
        try:
            st = review_state.load_state(db, model)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        arrays = st.X.nbytes + 3 * st.face_ids.nbytes
        assert len(st.face_ids) == facts["faces"]
        # the arrays, the people and decisions, and one chunk of rows: well under the rows'
        # blobs alone (faces × 512 bytes, as much again as X)
        assert peak < arrays + st.X.nbytes // 2
    finally:
        db.close()


def test_review_lists_are_computed_one_at_a_time(big, monkeypatch):
    path, _ = big
    inside, most, lock = [0], [0], threading.Lock()
    first_in, release = threading.Event(), threading.Event()
    real = review_compute.load_state

    def load(db, model):
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        first_in.set()
        release.wait(30)
        try:
            return real(db, model)
        finally:
            with lock:
                inside[0] -= 1

    monkeypatch.setattr(review_compute, "load_state", load)
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(review_compute.compute_lists(path)))
               for _ in range(2)]
    threads[0].start()
    assert first_in.wait(30)
    threads[1].start()
    threads[1].join(0.5)  # time for the second to get in, if nothing stopped it
    release.set()
    for t in threads:
        t.join(60)
    assert most[0] == 1 and len(results) == 2
    assert results[0] == results[1] and results[0].suggestions  # the same, real lists


def test_settle_freezes_the_start_up_objects_out_of_collections():
    before = gc.get_threshold()
    try:
        memory.settle()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] >= memory.GEN0_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def _worker_pids(process: review_process.ReviewProcess) -> set[int]:
    pool = process._pool
    return {p.pid for p in (getattr(pool, "_processes", None) or {}).values()} if pool else set()


def test_review_counts_come_from_a_worker_process(big):
    path, _ = big
    process = review_process.ReviewProcess()
    try:
        lists = review_compute.compute_lists(path)
        expected = (len(lists.suggestions), len(lists.proposals))
        assert expected[0] > 0
        assert process.counts(path) == expected
        workers = _worker_pids(process)
        assert len(workers) == 1 and os.getpid() not in workers
        assert process.counts(path) == expected and _worker_pids(process) == workers  # kept
    finally:
        process.close()
    with pytest.raises(RuntimeError):
        process.counts(path)


def test_a_count_for_a_closing_catalog_is_abandoned_and_the_next_one_runs(big):
    path, _ = big
    process = review_process.ReviewProcess()
    try:
        process.abandon(path)  # nothing running: the worker (none yet) is left alone
        failed: list[BaseException] = []

        def count() -> None:
            try:
                process.counts(path)
            except RuntimeError as exc:
                failed.append(exc)

        worker = threading.Thread(target=count)
        worker.start()
        while not process._running:  # the count is submitted
            worker.join(0.01)
        process.abandon(path)
        worker.join(60)
        assert not worker.is_alive()
        lists = review_compute.compute_lists(path)
        assert process.counts(path) == (len(lists.suggestions), len(lists.proposals))
    finally:
        process.close()


def test_centroids_summed_in_blocks_of_people_are_the_same(big, monkeypatch):
    path, _ = big
    db = Database(path)
    try:
        model = review_state.catalog_model(db)
        whole = review_state.load_state(db, model).all_centroids()
        monkeypatch.setattr(review_state, "CENTROID_ROWS", 5)  # most blocks: one person each
        blocked = review_state.load_state(db, model).all_centroids()
    finally:
        db.close()
    assert len(whole) > 10 and whole.keys() == blocked.keys()
    assert all(np.array_equal(whole[p], blocked[p]) for p in whole)


def test_the_count_worker_ends_when_the_window_process_dies(big):
    """``os._exit`` skips every clean-up, as a crash or a kill would."""
    path, _ = big
    script = (
        "import os, sys\n"
        "from photosort.gui import review_process\n"
        "p = review_process.ReviewProcess()\n"
        "p.counts(sys.argv[1])\n"
        "print([w.pid for w in p._pool._processes.values()][0], flush=True)\n"
        "os._exit(0)\n")
    out = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    worker = int(out.stdout.split()[-1])
    for _ in range(600):
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            return
        if open(f"/proc/{worker}/stat").read().split()[2] == "Z":  # ended, not yet reaped
            return
        threading.Event().wait(0.1)
    os.kill(worker, 9)
    raise AssertionError("the worker outlived the process that started it")
