"""The cost of durability: ``synchronous=FULL`` and folder fsyncs, on organize and on a scan.

Run: ``uv run python benchmarks/bench_durability.py [--photos 1000] [--kib 256]``

Each case runs four times in the same process (best of two each, alternating),
"durable" (as shipped: every
commit fsynced, each created or renamed entry's folder fsynced) and
"relaxed" (what PhotoSort did before: ``synchronous=NORMAL``, no folder
fsyncs), and the table gives both and their ratio.

* organize: ``bench_organize``'s catalog (N photos of K KiB, random bytes,
  with the content hashes a scan records), moved on one volume, copied, and
  moved across devices (forced), each followed by its undo;
* scan: a first scan of N new files whose analysis is a stub returning one
  face per photo, so the table shows the catalog's side (discovery, hashing,
  two commits per photo, grouping). A scan ships with ``synchronous=NORMAL``
  (its rows are re-derived from the files, ``Database.rederivable``); the
  last row shows what FULL would cost it. Real analysis costs about 0.3-1 s per
  photo per core (``bench_pipeline``); compare the per-photo difference with that.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_organize import build  # noqa: E402
from common import table  # noqa: E402

import photosort.services.fileops as fileops  # noqa: E402
from photosort.core.records import Box, DetectedFace  # noqa: E402
from photosort.media.hashing import content_hash  # noqa: E402
from photosort.services.analyze import AnalyzeSettings, PhotoAnalysis  # noqa: E402
from photosort.services.organize import execute_plan, plan_organize  # noqa: E402
from photosort.services.scan import scan  # noqa: E402
from photosort.services.undo import undo_last  # noqa: E402
from photosort.store.db import Database  # noqa: E402


@contextmanager
def relaxed(db: Database | None, on: bool):
    """Before issue 10: synchronous=NORMAL and no folder fsyncs."""
    real = fileops.fsync_dir
    if on:
        fileops.fsync_dir = lambda folder: None
        if db is not None:
            db.conn.execute("PRAGMA synchronous = NORMAL")
    try:
        yield
    finally:
        fileops.fsync_dir = real


class StubAnalyzer:
    """One fixed face per photo, a random descriptor: analysis without the models."""

    def __init__(self) -> None:
        self.settings = AnalyzeSettings()
        self.rng = np.random.default_rng(0)

    def analyze(self, path: str) -> PhotoAnalysis:
        face = DetectedFace(Box(10, 10, 60, 60), np.zeros((5, 2), np.float32), 0.99)
        emb = self.rng.normal(size=(1, 128)).astype(np.float32)
        return PhotoAnalysis(path, 100, 100, [face], emb / np.linalg.norm(emb))


def organize_case(base: Path, mode: str, fs, photos: int, kib: int, relax: bool) -> tuple[float, float, int]:
    db = build(base, photos, kib)
    with db.transaction() as c:  # the content hashes a scan would have recorded
        for r in c.execute("SELECT id, path FROM photos").fetchall():
            c.execute("UPDATE photos SET content_hash = ? WHERE id = ?", (content_hash(r[1]), r[0]))
    plan = plan_organize(db, base / "out", mode=mode, group_photos="copy")
    with relaxed(db, relax):
        start = time.perf_counter()
        summary = execute_plan(db, plan, fs=fs)
        organized = time.perf_counter() - start
        assert not summary.failed
        start = time.perf_counter()
        undone = undo_last(db, fs=fs)
        undo_s = time.perf_counter() - start
        assert not undone.failed and not undone.left_alone
    db.close()
    return organized, undo_s, len(plan.ops)


@contextmanager
def full_scan(on: bool):
    """A scan committing with synchronous=FULL too (not what ships: scans use NORMAL)."""
    real = Database.rederivable
    if on:
        Database.rederivable = lambda self: nullcontext()
    try:
        yield
    finally:
        Database.rederivable = real


def scan_case(base: Path, photos: int, relax: bool, full: bool = False) -> float:
    folder = base / "photos"
    for i in range(photos):
        path = folder / f"{i // 100:03d}" / f"IMG_{i:05d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(64 * 1024))
    db = Database(base / "catalog.sqlite3")
    with relaxed(db, relax), full_scan(full):
        start = time.perf_counter()
        summary = scan(db, [folder], analyzer=StubAnalyzer(), workers=1)
        seconds = time.perf_counter() - start
    assert summary.analyzed == photos and not summary.errors
    db.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=1000)
    parser.add_argument("--kib", type=int, default=256)
    args = parser.parse_args()
    rows: list = []
    order = (True, False, False, True)  # relaxed, durable, durable, relaxed: the best of two each
    with tempfile.TemporaryDirectory() as tmp:
        n = 0
        for label, mode, fs in (("move, one volume", "move", None), ("copy", "copy", None),
                                ("move, cross-device", "move", fileops.FileOps(force_cross_device=True))):
            best: dict[bool, list[float]] = {}
            for relax in order:
                n += 1
                org, undo, ops = organize_case(Path(tmp) / f"o{n}", mode, fs, args.photos, args.kib, relax)
                old = best.get(relax, [org, undo])
                best[relax] = [min(old[0], org), min(old[1], undo)]
            rows.append([f"organize: {label}", ops, best[True][0], best[False][0],
                         best[False][0] / best[True][0]])
            rows.append([f"undo: {label}", ops, best[True][1], best[False][1],
                         best[False][1] / best[True][1]])
        scan_case(Path(tmp) / "warm-up", 20, False)  # imports (clustering) out of the timings
        scans: dict[str, float] = {}
        for i, variant in enumerate(("relaxed", "shipped", "full", "full", "shipped", "relaxed")):
            seconds = scan_case(Path(tmp) / f"s{i}", args.photos, variant == "relaxed",
                                full=variant == "full")
            scans[variant] = min(scans.get(variant, seconds), seconds)
        rows.append(["scan (stub analysis), as shipped", args.photos, scans["relaxed"],
                     scans["shipped"], scans["shipped"] / scans["relaxed"]])
        rows.append(["scan, if every commit were FULL", args.photos, scans["relaxed"],
                     scans["full"], scans["full"] / scans["relaxed"]])
    print(table(f"Durability cost: {args.photos} photos of {args.kib} KiB; "
                "relaxed = synchronous NORMAL, no folder fsyncs",
                ["step", "files", "relaxed s", "durable s", "durable/relaxed"], rows))
    for variant in ("shipped", "full"):
        per_photo = (scans[variant] - scans["relaxed"]) / args.photos * 1000
        print(f"scan {variant}: {per_photo:+.2f} ms per photo against relaxed")


if __name__ == "__main__":
    main()
