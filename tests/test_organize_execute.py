"""Executing organize plans on real files: moves, copies, volumes, collisions, per-file errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from organize_support import Library, read_only, temp_leftovers, tree
from photosort.media.hashing import content_hash
from photosort.services.fileops import OUTPUT_MARKER, FileOps
from photosort.services.organize import execute_plan, plan_organize
from photosort.services.progress import CancelToken
from photosort.services.reconcile import reconcile
from photosort.store.journal import Journal, JournalBusy

SHM = Path("/dev/shm")


@pytest.fixture()
def lib(tmp_path, db_path):
    library = Library(db_path, tmp_path / "library")
    yield library
    library.close()


def digest(path: Path) -> str:
    return content_hash(path)  # what organize_support.tree records


def people_of(lib: Library, path: Path) -> list[str]:
    rows = lib.db.query("SELECT DISTINCT pe.name FROM photos p JOIN faces f ON f.photo_id = p.id"
                        " JOIN face_person fp ON fp.face_id = f.id JOIN people pe ON pe.id = fp.person_id"
                        " WHERE p.path = ? ORDER BY pe.name", (str(path),))
    return [r["name"] for r in rows]


def check_done_as_planned(lib: Library, plan, summary, before: dict) -> None:
    """Each planned file is at its destination with the source's bytes and time; moves left the source."""
    assert [(o.src, o.dst, o.kind) for o in summary.done] == [(o.src, o.dst, o.kind) for o in plan.ops]
    moved = {op.src for op in plan.ops if op.kind == "move"}
    for op in plan.ops:
        rel = str(op.src.relative_to(lib.root))
        assert digest(op.dst) == before[rel][1] and op.dst.stat().st_mtime_ns == before[rel][2]
        assert op.src.exists() == (op.src not in moved)


def test_move_on_one_volume_follows_the_catalog(lib, tmp_path):
    anna, bob = lib.person("Anna"), lib.person("Bob")
    a = lib.photo("2021/a.jpg", [(anna, 30)])
    g = lib.photo("2021/g.jpg", [(anna, 30), (bob, 60)])
    before = tree(lib.root)
    dest = tmp_path / "out"
    plan = plan_organize(lib.db, dest, mode="move")
    summary = execute_plan(lib.db, plan)
    check_done_as_planned(lib, plan, summary, before)
    assert summary.describe() == plan.describe()
    assert lib.path_of(a) == dest / "Anna" / "a.jpg" and lib.path_of(g) == dest / "Bob" / "g.jpg"
    assert people_of(lib, dest / "Bob" / "g.jpg") == ["Anna", "Bob"]  # faces and names stay linked
    assert (dest / "Anna" / "g.jpg").is_file()  # the copy for Anna
    assert (dest / OUTPUT_MARKER).is_file() and not (dest / "Anna" / OUTPUT_MARKER).exists()
    assert summary.counts == {"moved": 2, "copied": 1, "present": 0, "duplicate": 0, "failed": 0,
                              "not_attempted": 0}
    states = lib.db.query("SELECT kind, state FROM operations ORDER BY id")
    assert {(r["kind"], r["state"]) for r in states} == {("mkdir", "done"), ("mark", "done"),
                                                         ("move", "done"), ("copy", "done")}
    assert Journal(lib.db).batch(summary.batch_id).status == "done"


def test_copy_mode_leaves_the_library_untouched(lib, tmp_path):
    anna = lib.person("Anna")
    a = lib.photo("a.jpg", [(anna, 30)])
    before = tree(lib.root)
    plan = plan_organize(lib.db, tmp_path / "out", mode="copy", unsorted="move")
    lib.photo("late.jpg")  # cataloged after planning: not in the plan, not touched
    before["late.jpg"] = tree(lib.root)["late.jpg"]
    summary = execute_plan(lib.db, plan)
    check_done_as_planned(lib, plan, summary, before)
    assert tree(lib.root) == before
    assert lib.path_of(a) == lib.root / "a.jpg"


@pytest.mark.parametrize("where", ["forced", "second file system"])
def test_move_across_volumes_verifies_and_keeps_times(lib, tmp_path, where):
    anna = lib.person("Anna")
    for i in range(3):
        lib.photo(f"p{i}.jpg", [(anna, 30)], size=40_000)
    if where == "forced":
        base, fs = tmp_path, FileOps(force_cross_device=True, chunk_size=4096)
    else:
        if os.stat(SHM).st_dev == os.stat(tmp_path).st_dev:
            pytest.skip("/dev/shm is on the same file system here; the forced case covers it")
        base, fs = Path(tempfile.mkdtemp(dir=SHM)), FileOps(chunk_size=4096)
    try:
        before = tree(lib.root)
        plan = plan_organize(lib.db, base / "out", mode="move")
        steps: list[str] = []
        fs.hook = steps.append
        summary = execute_plan(lib.db, plan, fs=fs)
        check_done_as_planned(lib, plan, summary, before)
        assert steps.count("source-removed") == 3 and "linked" not in steps
        assert temp_leftovers(lib.root, base) == []
    finally:
        if base != tmp_path:
            shutil.rmtree(base)


def test_nothing_is_overwritten_when_the_destination_changes_after_planning(lib, tmp_path):
    anna = lib.person("Anna")
    lib.photo("a.jpg", [(anna, 30)], content=b"photo a")
    lib.photo("b.jpg", [(anna, 30)], content=b"photo b")
    lib.photo("c.jpg", [(anna, 30)], content=b"photo c")
    dest = tmp_path / "out"
    plan = plan_organize(lib.db, dest, mode="move")
    (dest / "Anna").mkdir(parents=True)
    (dest / "Anna" / "a.jpg").write_bytes(b"the user's own file")
    (dest / "Anna" / "b.jpg").write_bytes(b"photo b")
    summary = execute_plan(lib.db, plan)
    assert (dest / "Anna" / "a.jpg").read_bytes() == b"the user's own file"
    assert (dest / "Anna" / "a (2).jpg").read_bytes() == b"photo a"
    assert [(c.wanted, c.actual) for c in summary.conflicts] == [("a.jpg", "a (2).jpg")]
    assert [(d.path.name, d.other.name) for d in summary.duplicates] == [("b.jpg", "b.jpg")]
    assert (lib.root / "b.jpg").exists()  # a duplicate stays where it is
    assert sorted(op.dst.name for op in summary.done) == ["a (2).jpg", "c.jpg"]
    assert summary.describe() != plan.describe()


def test_per_file_errors_are_reported_and_the_batch_goes_on(lib, tmp_path):
    anna, bob, cleo = lib.person("Anna"), lib.person("Bob"), lib.person("Cleo")
    lib.photo("vanishes.jpg", [(anna, 30)])
    lib.photo("ok.jpg", [(anna, 30)])
    lib.photo("locked/stuck.jpg", [(anna, 30)])
    lib.photo("to-bob.jpg", [(bob, 30)])
    lib.photo("to-cleo.jpg", [(cleo, 30)])
    dest = tmp_path / "out"
    plan = plan_organize(lib.db, dest, mode="move")
    (lib.root / "vanishes.jpg").unlink()
    (dest / "Bob").mkdir(parents=True)
    with read_only(dest / "Bob"), read_only(lib.root / "locked"):
        summary = execute_plan(lib.db, plan)
    failed = {op.src.name: reason for op, reason in summary.failed}
    assert failed["vanishes.jpg"].startswith("source vanished")
    assert failed["stuck.jpg"].startswith("permission denied")
    assert failed["to-bob.jpg"].startswith("permission denied")
    assert sorted(op.src.name for op in summary.done) == ["ok.jpg", "to-cleo.jpg"]
    assert len(summary.done) + len(summary.failed) == len(plan.ops)
    assert (lib.root / "locked" / "stuck.jpg").exists() and (lib.root / "to-bob.jpg").exists()
    assert temp_leftovers(lib.root, dest) == []
    assert {r["state"] for r in lib.db.query("SELECT state FROM operations WHERE kind = 'move'")} == {
        "done", "failed"}
    assert any(line.startswith("failed  ") for line in summary.describe())


DISK_FULL = r"""
import json, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, 1_000_000))
from photosort.services.organize import execute_plan, plan_organize
from photosort.store.db import Database
db = Database(sys.argv[1])
summary = execute_plan(db, plan_organize(db, sys.argv[2], mode="copy"))
print(json.dumps({"done": [op.src.name for op in summary.done],
                  "failed": {op.src.name: why for op, why in summary.failed}}))
"""


def test_a_write_that_runs_out_of_space_is_skipped_cleanly(lib, tmp_path):
    """Writes beyond 1 MB fail (RLIMIT_FSIZE) in a child process, as on a full disk."""
    anna = lib.person("Anna")
    lib.photo("big.jpg", [(anna, 30)], size=1_500_000)
    lib.photo("small.jpg", [(anna, 30)], size=3_000)
    dest = tmp_path / "out"
    result = subprocess.run([sys.executable, "-c", DISK_FULL, str(lib.db_path), str(dest)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["done"] == ["small.jpg"]
    assert outcome["failed"]["big.jpg"].startswith("file too large for the destination")
    assert sorted(os.listdir(dest / "Anna")) == ["small.jpg"]  # no partial or temporary file
    assert lib.db.query("SELECT state FROM operations WHERE src LIKE '%big.jpg'")[0]["state"] == "failed"


def test_cancel_stops_between_files_and_accounts_for_the_rest(lib, tmp_path):
    anna = lib.person("Anna")
    for i in range(5):
        lib.photo(f"p{i}.jpg", [(anna, 30)])
    plan = plan_organize(lib.db, tmp_path / "out", mode="move")
    token = CancelToken()
    events = []

    def progress(event):
        events.append((event.stage, event.done, event.total))
        if event.done == 2:
            token.cancel()

    summary = execute_plan(lib.db, plan, progress, token)
    assert summary.cancelled and events == [("organize", 1, 5), ("organize", 2, 5)]
    assert [op.src.name for op in summary.not_attempted] == ["p2.jpg", "p3.jpg", "p4.jpg"]
    assert len(summary.done) == 2
    assert Journal(lib.db).batch(summary.batch_id).status == "cancelled"
    assert summary.describe()[-1] == "Total: 2 move, 0 copy, 0 skipped, 0 duplicate, 0 renamed, 3 not done"


def test_only_one_run_at_a_time(lib, tmp_path):
    anna = lib.person("Anna")
    lib.photo("a.jpg", [(anna, 30)])
    plan = plan_organize(lib.db, tmp_path / "out", mode="move")
    with Journal(lib.db).exclusive():
        with pytest.raises(JournalBusy):
            execute_plan(lib.db, plan)
        assert reconcile(lib.db).busy
    assert execute_plan(lib.db, plan).counts["moved"] == 1


def test_marker_goes_into_each_folder_when_the_destination_holds_the_library(lib):
    anna = lib.person("Anna")
    lib.photo("a.jpg", [(anna, 30)])
    lib.photo("b.jpg")
    execute_plan(lib.db, plan_organize(lib.db, lib.root, unsorted="move", mode="move"))
    assert not (lib.root / OUTPUT_MARKER).exists()
    assert (lib.root / "Anna" / OUTPUT_MARKER).is_file() and (lib.root / "Unsorted" / OUTPUT_MARKER).is_file()


def test_marker_matches_the_scanner():
    from photosort.media.discover import OUTPUT_MARKER as SCANNER_MARKER

    assert OUTPUT_MARKER == SCANNER_MARKER


@pytest.mark.parametrize("mode", ["move", "copy"])
@pytest.mark.parametrize("group_photos", ["copy", "together", "largest"])
@pytest.mark.parametrize("unsorted", ["leave", "move"])
def test_dry_run_equals_the_real_run(lib, tmp_path, mode, group_photos, unsorted):
    anna, bob, anna2 = lib.person("Anna"), lib.person("Bob"), lib.person("anna")
    hidden, unnamed = lib.person("H", hidden=True), lib.person(None)
    lib.photo("a.jpg", [(anna, 30)])
    lib.photo("x/a.jpg", [(anna2, 30)])
    lib.photo("y/a.jpg", [(anna, 30)])
    lib.photo("g.jpg", [(anna, 20), (bob, 50), (hidden, 90)])
    lib.photo("h.jpg", [(hidden, 20), (unnamed, 30)])
    lib.photo("n.jpg")
    lib.photo("dup.jpg", [(bob, 30)], content=b"same")
    lib.photo("z/dup.jpg", [(bob, 30)], content=b"same")
    dest = lib.root / "Sorted"
    before = tree(lib.root)
    plan = plan_organize(lib.db, dest, mode=mode, group_photos=group_photos, unsorted=unsorted)
    dry_run = plan.describe()
    summary = execute_plan(lib.db, plan)
    assert summary.describe() == dry_run
    check_done_as_planned(lib, plan, summary, before)
    organized = {p for p, (kind, _, _) in tree(dest).items() if kind == "file" and p != OUTPUT_MARKER}
    assert organized == {str(op.dst.relative_to(dest)) for op in plan.ops}
