"""Durability: the order of commits, fsyncs and renames for real moves and copies.

A power cut cannot be pulled in a test; instead every call that matters is
recorded on real files, and the order is checked: each rename comes after a
durable (``synchronous=FULL``) commit of its pending journal row, a copied
file is fsynced before it gets its real name, and each rename is followed by
an fsync of the folder it changed before the journal records it as done.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

from organize_support import Library
from photosort.services.fileops import FileOps, TMP_PREFIX
from photosort.services.organize import execute_plan, plan_organize
from photosort.store.db import Database

SHM = Path("/dev/shm")
# The call recorder below follows POSIX calls (os.rename/os.link, and fsync
# targets through /proc/self/fd); Windows renames with MoveFileExW and
# MOVEFILE_WRITE_THROUGH instead, checked by the windows-marked test below.
posix_calls = pytest.mark.skipif(os.name == "nt", reason="records POSIX renames and /proc/self/fd; Windows uses MoveFileExW")


@pytest.fixture()
def calls(monkeypatch):
    """Record commits (with their synchronous level), fsyncs, links, renames and unlinks."""
    events: list[tuple] = []
    transaction = Database.transaction

    @contextmanager
    def recorded(self):
        with transaction(self) as conn:
            yield conn
        level = self.conn.execute("PRAGMA synchronous").fetchone()[0]
        events.append(("commit", level == 2))  # 2 = FULL

    def wrap(name, record):
        real = getattr(os, name)

        def call(*args, **kwargs):
            result = real(*args, **kwargs)
            events.append(record(*args))
            return result

        monkeypatch.setattr(os, name, call)

    def fsync_record(fd):
        path = os.readlink(f"/proc/self/fd/{fd}")
        return ("fsync", "dir" if os.path.isdir(path) else "file", path)

    monkeypatch.setattr(Database, "transaction", recorded)
    wrap("fsync", fsync_record)
    wrap("link", lambda src, dst, **_: ("rename", str(src), str(dst)))
    wrap("rename", lambda src, dst: ("rename", str(src), str(dst)))
    wrap("unlink", lambda path, **_: ("unlink", str(path)))
    return events


def _check_order(events: list[tuple]) -> None:
    renames = [i for i, e in enumerate(events) if e[0] == "rename"]
    assert renames, events
    for i in renames:
        _, src, dst = events[i]
        before = [e for e in events[:i] if e[0] == "commit"]
        assert before and before[-1][1], f"rename {src} -> {dst} without a durable journal row first"
        last_commit = max(j for j in range(i) if events[j][0] == "commit")
        if Path(src).name.startswith(TMP_PREFIX):  # a copy: its bytes on disk before the name
            assert ("fsync", "file", src) in events[last_commit:i], events
        following = next((j for j in range(i + 1, len(events)) if events[j][0] == "commit"), None)
        assert following is not None, "the journal never recorded the rename as done"
        assert ("fsync", "dir", str(Path(dst).parent)) in events[i + 1:following], events
        if events[i + 1][0] == "unlink":  # a move by link + unlink: the source folder too
            assert ("fsync", "dir", str(Path(src).parent)) in events[i + 1:following], events


def _library(tmp_path: Path) -> Library:
    lib = Library(tmp_path / "c.sqlite3", tmp_path / "lib")
    ann = lib.person("Ann")
    lib.photo("2020/a.jpg", [(ann, 80.0)])
    return lib


@posix_calls
def test_one_move_commits_then_renames_then_fsyncs_the_folders(tmp_path, calls):
    lib = _library(tmp_path)
    (tmp_path / "out").mkdir()
    plan = plan_organize(lib.db, tmp_path / "out", mode="move")
    calls.clear()
    summary = execute_plan(lib.db, plan)
    assert [op.kind for op in summary.done] == ["move"]
    moved = summary.done[0]
    assert ("rename", str(moved.src), str(moved.dst)) in calls
    _check_order(calls)
    lib.close()


@posix_calls
@pytest.mark.parametrize("how", ["copy to another file system", "move across devices"])
def test_one_cross_device_copy_is_fsynced_before_and_after_its_rename(tmp_path, calls, how):
    lib = _library(tmp_path)
    fs = None
    if how == "move across devices" or os.stat(SHM).st_dev == os.stat(tmp_path).st_dev:
        dest, fs = tmp_path / "out", FileOps(force_cross_device=True)
    else:
        dest = Path(tempfile.mkdtemp(dir=SHM)) / "out"
    mode = "copy" if how.startswith("copy") else "move"
    plan = plan_organize(lib.db, dest, mode=mode)
    calls.clear()
    summary = execute_plan(lib.db, plan, fs=fs)
    assert [op.kind for op in summary.done] == [mode]
    assert any(e[0] == "fsync" and e[1] == "file" for e in calls)
    _check_order(calls)
    if mode == "move":
        src = str(summary.done[0].src)
        gone = calls.index(("unlink", src))
        commit = next(j for j in range(gone, len(calls)) if calls[j][0] == "commit")
        assert ("fsync", "dir", str(Path(src).parent)) in calls[gone:commit]
    lib.close()


def test_the_catalog_is_opened_with_full_synchronous_commits(db_path):
    db = Database(db_path)
    assert db.query("PRAGMA synchronous")[0][0] == 2
    assert db.query("PRAGMA journal_mode")[0][0] == "wal"


@pytest.mark.windows
@pytest.mark.skipif(os.name != "nt", reason="MoveFileExW exists only on Windows")
def test_the_windows_rename_never_replaces_and_maps_errors(tmp_path):
    from photosort.services.winfs import move_file_write_through

    a, b = tmp_path / "a.jpg", tmp_path / "b.jpg"
    a.write_bytes(b"a")
    b.write_bytes(b"b")
    with pytest.raises(FileExistsError):
        move_file_write_through(a, b)
    assert a.read_bytes() == b"a" and b.read_bytes() == b"b"
    move_file_write_through(a, tmp_path / "c.jpg")
    assert not a.exists() and (tmp_path / "c.jpg").read_bytes() == b"a"


def test_a_scan_commits_with_normal_sync_and_restores_full(tmp_path, db_path):
    """A scan's rows are re-derived from the files, so it skips the per-commit fsync; user
    decisions (other connections, or this one after the scan) stay FULL."""
    from photosort.services.scan import scan

    (tmp_path / "empty").mkdir()
    db = Database(db_path)
    levels = []
    scan(db, [tmp_path / "empty"], progress=lambda event: levels.append(
        db.query("PRAGMA synchronous")[0][0]))
    assert levels and set(levels) == {1}  # NORMAL while scanning
    assert db.query("PRAGMA synchronous")[0][0] == 2
    assert Database(db_path).query("PRAGMA synchronous")[0][0] == 2
