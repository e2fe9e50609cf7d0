"""Undo of organize batches: exact round trips, restarts, files changed since."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from organize_support import Library, temp_leftovers, tree
from photosort.services.fileops import FileOps
from photosort.services.organize import execute_plan, plan_organize
from photosort.services.progress import CancelToken
from photosort.services.undo import undo_last
from photosort.store.db import Database
from photosort.store.journal import Journal

SHM = Path("/dev/shm")


@pytest.fixture()
def lib(tmp_path, db_path):
    library = Library(db_path, tmp_path / "library")
    anna, bob, unnamed = library.person("Anna"), library.person("Bob"), library.person(None)
    library.photo("2019/a.jpg", [(anna, 30)])
    library.photo("2019/g.jpg", [(anna, 20), (bob, 40)])
    library.photo("2020/a.jpg", [(anna, 30)])
    library.photo("2020/deep/u.jpg", [(unnamed, 30)])
    library.photo("n.jpg")
    yield library
    library.close()


def catalog(lib: Library) -> list[tuple]:
    return [tuple(r) for r in lib.db.query("SELECT id, path, size, mtime_ns FROM photos ORDER BY id")]


def organize(lib: Library, dest: Path, mode: str = "move", fs: FileOps | None = None):
    plan = plan_organize(lib.db, dest, mode=mode, group_photos="copy", unsorted="move")
    return execute_plan(lib.db, plan, fs=fs)


@pytest.mark.parametrize("mode", ["move", "copy"])
@pytest.mark.parametrize("where", ["inside", "outside", "forced", "second file system"])
def test_round_trip_restores_the_exact_tree(lib, tmp_path, mode, where):
    fs = None
    if where == "inside":
        dest = lib.root / "Sorted"
    elif where == "outside":
        dest = tmp_path / "out" / "people"
    elif where == "forced":
        dest, fs = tmp_path / "out", FileOps(force_cross_device=True)
    else:
        if os.stat(SHM).st_dev == os.stat(tmp_path).st_dev:
            pytest.skip("/dev/shm is on the same file system here; the forced case covers it")
        dest = Path(tempfile.mkdtemp(dir=SHM)) / "out"
    try:
        before, rows = tree(tmp_path / "library"), catalog(lib)
        summary = organize(lib, dest, mode, fs)
        assert summary.counts["moved" if mode == "move" else "copied"] >= 5
        assert sum(kind == "file" for kind, _, _ in tree(dest).values()) >= 6  # photos + marker
        undone = undo_last(lib.db, fs=fs)
        assert undone.batch_id == summary.batch_id and not undone.left_alone and not undone.failed
        assert tree(lib.root) == before  # paths, bytes, file and folder modification times
        assert catalog(lib) == rows
        assert not dest.exists() and not (tmp_path / "out").exists()
        assert temp_leftovers(tmp_path) == []
        assert Journal(lib.db).batch(summary.batch_id).status == "undone"
    finally:
        if where == "second file system":
            shutil.rmtree(dest.parent)


def test_undo_after_a_restart(lib, tmp_path):
    before = tree(lib.root)
    organize(lib, tmp_path / "out")
    lib.db.close()
    db = Database(lib.db_path)  # a new process would open the catalog like this
    assert undo_last(db).restored
    assert tree(lib.root) == before
    db.close()


def test_files_changed_since_are_left_alone_and_reported(lib, tmp_path):
    before = tree(lib.root)
    dest = tmp_path / "out"
    organize(lib, dest)
    edited = dest / "Anna" / "a.jpg"
    edited.write_bytes(b"edited by the user")
    (dest / "Bob" / "g.jpg").unlink()  # the user deleted the moved photo
    (lib.root / "2020" / "deep" / "u.jpg").write_bytes(b"a new file where a photo was")
    summary = undo_last(lib.db)
    reasons = dict(summary.left_alone)
    assert reasons[str(edited)] == "changed since it was organized"
    assert reasons[str(dest / "Bob" / "g.jpg")] == "no longer there"
    assert reasons[str(dest / "Unsorted" / "u.jpg")].startswith("its original place is taken")
    assert reasons[str(dest / "Anna" / "g.jpg")] == "its photo could not be moved back, so the copy is kept"
    assert reasons[str(dest / "Anna")] == "folder is not empty"
    assert edited.read_bytes() == b"edited by the user"
    assert (dest / "Anna" / "g.jpg").exists() and (dest / "Unsorted" / "u.jpg").exists()
    assert (lib.root / "2020" / "a.jpg").exists() and (lib.root / "n.jpg").exists()
    after = tree(lib.root)
    assert after["2020/a.jpg"] == before["2020/a.jpg"] and after["n.jpg"] == before["n.jpg"]
    assert any(line.startswith("left alone  ") for line in summary.describe())
    assert undo_last(lib.db).batch_id is None  # the batch counts as undone


def test_undo_of_copies_removes_only_true_copies(lib, tmp_path):
    dest = tmp_path / "out"
    organize(lib, dest, mode="copy")
    original = lib.root / "2019" / "a.jpg"
    original.write_bytes(b"the original was edited")  # its copy is now the only old version
    (lib.root / "n.jpg").unlink()  # the original is gone: its copy takes its place again
    n_copy = dest / "Unsorted" / "n.jpg"
    n_time = n_copy.stat().st_mtime_ns
    summary = undo_last(lib.db)
    assert dict(summary.left_alone)[str(dest / "Anna" / "a.jpg")].startswith("the original has changed")
    assert (dest / "Anna" / "a.jpg").exists()
    assert (lib.root / "n.jpg").stat().st_mtime_ns == n_time and not n_copy.exists()
    assert (str(n_copy), str(lib.root / "n.jpg")) in summary.restored
    assert not (dest / "Bob").exists()


def test_undo_goes_back_batch_by_batch(lib, tmp_path):
    before = tree(lib.root)
    first = organize(lib, tmp_path / "out", mode="copy")
    middle = tree(lib.root)
    second = organize(lib, lib.root / "Sorted", mode="move")
    assert undo_last(lib.db).batch_id == second.batch_id
    assert tree(lib.root) == middle
    assert undo_last(lib.db).batch_id == first.batch_id
    assert tree(lib.root) == before
    nothing = undo_last(lib.db)
    assert nothing.batch_id is None and nothing.describe() == ["Nothing to undo."]


def test_cancelled_undo_can_be_finished_later(lib, tmp_path):
    before = tree(lib.root)
    organize(lib, tmp_path / "out")
    token = CancelToken()

    def progress(event):
        if event.done == 3:
            token.cancel()

    partial = undo_last(lib.db, progress, token)
    assert partial.cancelled and len(partial.restored) + len(partial.removed) == 3
    rest = undo_last(lib.db)
    assert rest.batch_id == partial.batch_id and not rest.cancelled
    assert tree(lib.root) == before


def test_undo_waits_for_a_missing_destination(lib, tmp_path):
    """A destination that is gone (an unplugged drive) is reported; the batch stays undoable."""
    before = tree(lib.root)
    dest = tmp_path / "drive" / "out"
    summary = organize(lib, dest)
    (tmp_path / "drive").rename(tmp_path / "unplugged")
    refused = undo_last(lib.db)
    assert refused.batch_id == summary.batch_id and not refused.restored
    assert refused.failed == [(str(dest), "destination folder not found; is its drive connected?")]
    (tmp_path / "unplugged").rename(tmp_path / "drive")
    assert undo_last(lib.db).batch_id == summary.batch_id
    assert tree(lib.root) == before
