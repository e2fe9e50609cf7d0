"""Fault injection: SIGKILL organize and undo at every journal step, restart, reconcile.

Each run happens in a separate process (forked by ``organize_fault_server.py``)
that kills itself with SIGKILL at the n-th journal step. The test process
then restarts on the same catalog, reconciles and checks: every photo exists
exactly once at its catalog path with its original bytes and modification
time (move), or the sources are untouched (copy); no temporary or partial
file remains; then it resumes the organize (same layout as an undisturbed
run) and undoes everything (the exact original tree, folder times included).

Moves are exercised on one volume (destination inside the source tree), with
``os.rename`` failing as EXDEV (forced), and onto a real second file system
(``/dev/shm``, when it is a different device than the temporary folder).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from organize_support import Library, files_by_content, temp_leftovers, tree
from photosort.media.hashing import content_hash
from photosort.services.organize import execute_plan, plan_organize
from photosort.services.reconcile import reconcile
from photosort.services.undo import undo_last
from photosort.store.db import Database
from photosort.store.journal import Journal

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="SIGKILL and fork are POSIX-only")

SHM = Path("/dev/shm")


@pytest.fixture(scope="module")
def server():
    """Send a job to the fork server and get the child's fate back."""
    script = Path(__file__).with_name("organize_fault_server.py")
    proc = subprocess.Popen([sys.executable, str(script)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)

    def run(**job) -> dict:
        proc.stdin.write(json.dumps(job) + "\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())

    yield run
    proc.stdin.close()
    proc.wait(timeout=30)


@pytest.fixture()
def second_fs(tmp_path):
    """A folder on another file system than ``tmp_path`` (``/dev/shm``), removed afterwards."""
    if not SHM.is_dir() or os.stat(SHM).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("/dev/shm is not a separate file system here (forced EXDEV still runs)")
    folder = Path(tempfile.mkdtemp(prefix="photosort-test-", dir=SHM))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def build(base: Path) -> Library:
    """Three photos: one person (several copy chunks), two people (move + copy), unnamed (Unsorted)."""
    lib = Library(base / "catalog.sqlite3", base / "library")
    anna, bob, unnamed = lib.person("Anna"), lib.person("Bob"), lib.person(None)
    lib.photo("a.jpg", [(anna, 120)], size=17_000)
    lib.photo("sub/b.jpg", [(anna, 80), (bob, 100)])
    lib.photo("sub/c.jpg", [(unnamed, 90)])
    return lib


class Scenario:
    """The library built once, then restored byte- and time-exactly for every run.

    Catalog paths are absolute, so every run happens at the same ``base``.
    """

    def __init__(self, tmp_path: Path, where: str, shm: Path | None) -> None:
        self.base = tmp_path / "run"
        self.template = tmp_path / "template"
        lib = build(self.base)
        lib.close()
        self.before = tree(lib.root)
        self.db_path, self.root = lib.db_path, lib.root
        self.base.rename(self.template)
        if where == "same":  # the destination inside the source tree
            self.dest, self.outside = self.root / "Sorted", self.root
        elif where == "forced":
            self.dest, self.outside = self.base / "out" / "Sorted", self.base / "out"
        else:
            self.dest, self.outside = shm / "out" / "Sorted", shm / "out"

    def fresh(self) -> None:
        shutil.rmtree(self.base, ignore_errors=True)
        shutil.rmtree(self.outside, ignore_errors=True)
        shutil.copytree(self.template, self.base)
        assert tree(self.root) == self.before


def layout(dest: Path) -> dict[str, str]:
    return {rel: digest for rel, (kind, digest, _) in tree(dest).items() if kind == "file"}


def check_consistent(db: Database, sc: Scenario, mode: str, copies: set[Path],
                     originals: dict[int, tuple[str, int]], where: str) -> None:
    assert Journal(db).pending() == [], where
    assert not db.query("SELECT 1 FROM batches WHERE status = 'running'"), where
    assert temp_leftovers(sc.root, sc.outside) == [], where
    contents = files_by_content(sc.root, sc.outside)
    photo_hashes = set()
    for row in db.query("SELECT id, path, content_hash, mtime_ns FROM photos"):
        path = Path(row["path"])
        assert path.is_file(), f"{where}: catalog path missing {path}"
        assert content_hash(path) == row["content_hash"], where
        assert path.stat().st_mtime_ns == row["mtime_ns"], f"{where}: mtime of {path}"
        photo_hashes.add(row["content_hash"])
        places = contents[row["content_hash"]]
        # exactly once, plus the planned copies (several people, policy "copy")
        assert [p for p in places if p not in copies] == [path], f"{where}: {places}"
        if mode == "copy":
            assert (str(path), row["mtime_ns"]) == originals[row["id"]], f"{where}: source moved"
    stray = [p for digest, places in contents.items() if digest not in photo_hashes
             for p in places if p.name != ".photosort-output"]
    assert stray == [], f"{where}: partial or unknown files {stray}"


def plan(db: Database, sc: Scenario, mode: str):
    return plan_organize(db, sc.dest, mode=mode, group_photos="copy", unsorted="move")


def run_kill_matrix(server, tmp_path: Path, mode: str, where: str, shm: Path | None) -> list[str]:
    """Kill a run at each of its journal steps in turn; return the step names."""
    sc = Scenario(tmp_path, where, shm)
    sc.fresh()
    log = tmp_path / "steps.json"
    job = dict(db=str(sc.db_path), dest=str(sc.dest), mode=mode, forced=where == "forced",
               action="organize", log=str(log))
    assert server(**job, kill_at=0) == {"signal": 0, "exit": 0}
    steps = json.loads(log.read_text())
    expected = layout(sc.dest)
    for kill_at, step in enumerate(steps, start=1):
        where_ = f"{mode}/{where}: killed at step {kill_at} ({step})"
        sc.fresh()
        db = Database(sc.db_path)
        originals = {r["id"]: (r["path"], r["mtime_ns"])
                     for r in db.query("SELECT id, path, mtime_ns FROM photos")}
        copies = {op.dst for op in plan(db, sc, mode).ops if op.kind == "copy"}
        db.close()
        answer = server(**dict(job, kill_at=kill_at))
        assert answer["signal"] == signal.SIGKILL, where_
        db = Database(sc.db_path)  # the restart
        assert not reconcile(db).busy, where_
        check_consistent(db, sc, mode, copies, originals, where_)
        execute_plan(db, plan(db, sc, mode))  # resume: the same result as an undisturbed run
        assert layout(sc.dest) == expected, where_
        for _ in range(3):  # undo it all (the resumed and the killed batch): the original tree
            if undo_last(db).batch_id is None:
                break
        assert tree(sc.root) == sc.before, where_
        assert sc.outside == sc.root or not sc.outside.exists(), where_
        db.close()
    return steps


@pytest.mark.parametrize("mode", ["move", "copy"])
def test_kill_at_every_step_same_volume(server, tmp_path, mode):
    steps = run_kill_matrix(server, tmp_path, mode, "same", None)
    assert {"pending", "applied", "placed", "done"} <= set(steps)
    if mode == "move":
        assert {"linked", "moved"} <= set(steps)


def test_kill_at_every_step_forced_cross_device(server, tmp_path):
    steps = run_kill_matrix(server, tmp_path, "move", "forced", None)
    assert {"copy-partial", "temp-written", "placed", "source-removed"} <= set(steps)
    assert "linked" not in steps


@pytest.mark.parametrize("mode", ["move", "copy"])
def test_kill_at_every_step_second_file_system(server, tmp_path, second_fs, mode):
    steps = run_kill_matrix(server, tmp_path, mode, "shm", second_fs)
    assert {"copy-partial", "temp-written", "placed"} <= set(steps)
    if mode == "move":
        assert "source-removed" in steps


def test_kill_undo_at_every_step(server, tmp_path):
    """An undo killed anywhere is reconciled, and undo run again restores the original tree."""
    sc = Scenario(tmp_path, "forced", None)
    sc.fresh()
    db = Database(sc.db_path)
    execute_plan(db, plan(db, sc, "move"))
    db.close()
    organized = tmp_path / "organized"
    shutil.copytree(sc.base, organized)
    log = tmp_path / "steps.json"
    job = dict(db=str(sc.db_path), dest=str(sc.dest), mode="move", forced=True, action="undo",
               log=str(log))
    assert server(**job, kill_at=0) == {"signal": 0, "exit": 0}
    steps = json.loads(log.read_text())
    assert {"pending", "temp-written", "source-removed", "applied", "done"} <= set(steps)
    for kill_at, step in enumerate(steps, start=1):
        where = f"undo killed at step {kill_at} ({step})"
        shutil.rmtree(sc.base)
        shutil.copytree(organized, sc.base)
        answer = server(**dict(job, kill_at=kill_at))
        assert answer["signal"] == signal.SIGKILL, where
        db = Database(sc.db_path)
        reconcile(db)
        assert temp_leftovers(sc.base) == [], where
        for row in db.query("SELECT path, content_hash FROM photos"):
            assert content_hash(Path(row["path"])) == row["content_hash"]
        assert undo_last(db).batch_id is not None, where
        assert tree(sc.root) == sc.before, where
        assert not sc.outside.exists(), where
        db.close()
