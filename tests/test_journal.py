"""The organize journal: schema, the single-runner lock, and reconciling each pending state."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from organize_support import Library
from photosort.services.fileops import temp_path
from photosort.services.reconcile import reconcile
from photosort.store.db import Database
from photosort.store.journal import Journal, JournalBusy


@pytest.fixture()
def lib(tmp_path, db_path):
    library = Library(db_path, tmp_path / "library")
    yield library
    library.close()


@pytest.fixture()
def journal(lib):
    return Journal(lib.db)


def state(lib: Library, op_id: int) -> str:
    return lib.db.query("SELECT state FROM operations WHERE id = ?", (op_id,))[0]["state"]


def test_schema_has_the_journal_tables(lib):
    names = {r["name"] for r in lib.db.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"batches", "operations", "batch_folders"} <= names
    assert lib.db.conn.execute("PRAGMA user_version").fetchone()[0] >= 2


def test_lock_is_exclusive_and_dies_with_its_process(lib, journal):
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from photosort.store.db import Database;"
         "from photosort.store.journal import Journal;"
         "j = Journal(Database(sys.argv[1]));"
         "ctx = j.exclusive(); ctx.__enter__(); print('held', flush=True); time.sleep(60)",
         str(lib.db_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(JournalBusy), journal.exclusive():
            pass
        assert reconcile(lib.db).busy
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    with journal.exclusive():
        pass


def test_a_move_found_finished_is_completed_and_the_catalog_follows(lib, journal, tmp_path):
    photo = lib.photo("a.jpg")
    src, dst = lib.root / "a.jpg", tmp_path / "out" / "a.jpg"
    batch = journal.start_batch("organize", str(dst.parent), "move")
    op = journal.begin(batch, "move", str(dst), src=str(src), photo_id=photo, size=1, mtime_ns=1)
    dst.parent.mkdir()
    os.rename(src, dst)  # the process died right after the rename
    report = reconcile(lib.db)
    assert report.completed == [f"move {src} -> {dst}"] and report.interrupted_batches == 1
    assert state(lib, op.id) == "done" and lib.path_of(photo) == dst
    assert journal.batch(batch).status == "interrupted"


def test_a_move_caught_between_link_and_unlink_is_finished(lib, journal, tmp_path):
    photo = lib.photo("a.jpg")
    src, dst = lib.root / "a.jpg", lib.root / "b.jpg"
    op = journal.begin(journal.start_batch("organize", str(lib.root), "move"), "move", str(dst),
                       src=str(src), photo_id=photo)
    os.link(src, dst)
    reconcile(lib.db)
    assert not src.exists() and dst.exists() and state(lib, op.id) == "done"


def test_a_move_with_a_stranger_at_the_destination_keeps_both(lib, journal):
    lib.photo("a.jpg", content=b"mine")
    src, dst = lib.root / "a.jpg", lib.root / "b.jpg"
    dst.write_bytes(b"someone else's")
    op = journal.begin(journal.start_batch("organize", str(lib.root), "move"), "move", str(dst),
                       src=str(src))
    report = reconcile(lib.db)
    assert report.failed[0][1].startswith("interrupted; a different file")
    assert src.read_bytes() == b"mine" and dst.read_bytes() == b"someone else's"
    assert state(lib, op.id) == "failed"


def test_a_copy_killed_half_way_is_rolled_back_and_its_temp_file_removed(lib, journal, tmp_path):
    lib.photo("a.jpg")
    dst = tmp_path / "out" / "a.jpg"
    dst.parent.mkdir()
    op = journal.begin(journal.start_batch("organize", str(dst.parent), "copy"), "copy", str(dst),
                       src=str(lib.root / "a.jpg"))
    tmp = temp_path(op.id, dst)
    tmp.write_bytes(b"half a ph")
    report = reconcile(lib.db)
    assert report.temp_removed == [str(tmp)] and report.rolled_back
    assert not tmp.exists() and not dst.exists() and state(lib, op.id) == "rolled_back"


def test_folders_markers_and_removals(lib, journal, tmp_path):
    batch = journal.start_batch("organize", str(tmp_path), "move")
    made = journal.begin(batch, "mkdir", str(tmp_path / "made"))
    (tmp_path / "made").mkdir()
    not_made = journal.begin(batch, "mkdir", str(tmp_path / "not-made"))
    kept = journal.begin(batch, "remove", str(lib.root / "still-here"))
    (lib.root / "still-here").write_text("x")
    gone = journal.begin(batch, "rmdir", str(tmp_path / "gone"))
    reconcile(lib.db)
    assert [state(lib, op.id) for op in (made, not_made, kept, gone)] == [
        "done", "rolled_back", "rolled_back", "done"]


def test_a_finished_undo_step_marks_its_original_undone(lib, journal, tmp_path):
    photo = lib.photo("a.jpg")
    src, dst = lib.root / "a.jpg", tmp_path / "a.jpg"
    batch = journal.start_batch("organize", str(tmp_path), "move")
    original = journal.begin(batch, "move", str(dst), src=str(src), photo_id=photo)
    os.rename(src, dst)
    journal.complete(original)
    assert lib.path_of(photo) == dst
    undo = journal.start_batch("undo", str(tmp_path), "move", undoes=batch)
    back = journal.begin(undo, "move", str(src), src=str(dst), photo_id=photo, reverses=original.id)
    os.rename(dst, src)
    reconcile(lib.db)
    assert state(lib, back.id) == "done" and state(lib, original.id) == "undone"
    assert lib.path_of(photo) == src


def test_catalog_conflict_is_recorded_not_raised(lib, journal):
    photo = lib.photo("a.jpg")
    lib.photo("b.jpg")
    src, dst = lib.root / "a.jpg", lib.root / "b.jpg"
    op = journal.begin(journal.start_batch("organize", str(lib.root), "move"), "move", str(dst),
                       src=str(src), photo_id=photo)
    journal.complete(op)
    row = lib.db.query("SELECT state, error FROM operations WHERE id = ?", (op.id,))[0]
    assert row["state"] == "done" and row["error"].startswith("catalog not updated")
    assert lib.path_of(photo) == src


def test_reconcile_with_nothing_pending_changes_nothing(lib):
    report = reconcile(lib.db)
    assert not report.changed and report.describe() == []
    db = Database(lib.db_path)
    assert Journal(db).pending() == []
    db.close()
