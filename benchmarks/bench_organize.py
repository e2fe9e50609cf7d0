"""Organize and undo speed: planning, journaled moves and copies, on one volume and across volumes.

Run: ``uv run python benchmarks/bench_organize.py [--photos N] [--kib K]``

Builds a catalog of N photos (random bytes, K KiB each; one named person per
photo, every fifth photo with two people) in a temporary folder, then times
each step and prints a table. "cross (forced)" makes every move take the
copy-verify-delete path on the same disk; "cross (/dev/shm)" moves onto a
real second file system when /dev/shm is one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import table  # noqa: E402

from photosort.services.fileops import FileOps  # noqa: E402
from photosort.services.organize import execute_plan, plan_organize  # noqa: E402
from photosort.services.undo import undo_last  # noqa: E402
from photosort.store.db import Database  # noqa: E402


def build(base: Path, photos: int, kib: int) -> Database:
    db = Database(base / "catalog.sqlite3")
    now = time.time()
    with db.transaction() as c:
        people = [int(c.execute("INSERT INTO people (name, created_at) VALUES (?, ?)",
                                (f"Person {i}", now)).lastrowid) for i in range(20)]
        for i in range(photos):
            path = base / "library" / f"{i // 100:03d}" / f"IMG_{i:05d}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(os.urandom(kib * 1024))
            st = path.stat()
            photo = c.execute("INSERT INTO photos (path, size, mtime_ns, status) VALUES (?, ?, ?, 'done')",
                              (str(path), st.st_size, st.st_mtime_ns)).lastrowid
            for person in {people[i % 20], people[(i * 7) % 20]} if i % 5 == 0 else {people[i % 20]}:
                face = c.execute("INSERT INTO faces (photo_id, x1, y1, x2, y2, landmarks, score)"
                                 " VALUES (?, 0, 0, 50, 50, x'00', 1)", (photo,)).lastrowid
                c.execute("INSERT INTO face_person (face_id, person_id, source) VALUES (?, ?, 'ml')",
                          (face, person))
    return db


def timed(rows: list, label: str, files: int, mib: float, action) -> object:
    start = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - start
    rows.append([label, files, seconds, files / seconds, mib / seconds])
    return result


def run_case(rows: list, label: str, base: Path, dest: Path, mode: str, fs: FileOps | None,
             photos: int, kib: int) -> None:
    db = build(base, photos, kib)
    plan = timed(rows, f"plan ({label})", photos, 0.0,
                 lambda: plan_organize(db, dest, mode=mode, group_photos="copy"))
    mib = sum(op.src.stat().st_size for op in plan.ops) / 2**20
    summary = timed(rows, f"{mode} ({label})", len(plan.ops), mib, lambda: execute_plan(db, plan, fs=fs))
    assert not summary.failed
    timed(rows, f"undo {mode} ({label})", len(plan.ops), mib, lambda: undo_last(db, fs=fs))
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=1000)
    parser.add_argument("--kib", type=int, default=256)
    args = parser.parse_args()
    rows: list = []
    with tempfile.TemporaryDirectory() as tmp:
        cases = [("one volume", "move", None), ("one volume", "copy", None),
                 ("cross (forced)", "move", FileOps(force_cross_device=True))]
        for i, (label, mode, fs) in enumerate(cases):
            base = Path(tmp) / f"case{i}"
            run_case(rows, label, base, base / "out", mode, fs, args.photos, args.kib)
        shm = Path("/dev/shm")
        if shm.is_dir() and os.stat(shm).st_dev != os.stat(tmp).st_dev:
            other = Path(tempfile.mkdtemp(dir=shm))
            try:
                run_case(rows, "cross (/dev/shm)", Path(tmp) / "shm", other / "out", "move", None,
                         args.photos, args.kib)
            finally:
                shutil.rmtree(other)
    print(table(f"Organize {args.photos} photos of {args.kib} KiB (every 5th with two people)",
                ["step", "files", "seconds", "files/s", "MiB/s"], rows))


if __name__ == "__main__":
    main()
