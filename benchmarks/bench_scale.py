"""A lifetime library (issue 13): 200k photos, 400k faces — grouping, rescan, size, scan speed.

    uv run python benchmarks/bench_scale.py [--cache DIR] [--photos 200000] [--faces 400000]
        [--new 1000] [--real 200] [--skip-full]

Builds the catalog with ``scale_catalog.build_catalog`` (or reuses the one in
``--cache``, with its empty photo files), then measures on a fresh copy each:

* live grouping: the start (load every face, build the index) and one
  incremental step after ``--new`` faces were added (half new photos of known
  people, half strangers) — the step is what a scan pays every few seconds;
* a full regroup of every face (what ends a scan), with the noise count
  against the old noise-linking cap, and how right it is against who each
  face really is (``scale_quality``: pairwise and BCubed scores, groups
  against true people, the largest wrong merge);
* a rescan of the unchanged library (stat only, the real empty files);
* the catalog's size on disk;
* the scan's photos/s with live grouping on and off: ``--real`` generated
  12 MP photos (``common.make_12mp_photos``) scanned into the big catalog,
  the steady rate from the first analysed photo to the last;
* the GUI's rows, from ``scale_gui.measure_gui`` when that module exists, and
  the People view on the catalog the full regroup left (tens of thousands of
  people: ``scale_people.measure_people``).

Prints one table with the targets; name the CPU (printed) beside the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import make_12mp_photos, table  # noqa: E402
from scale_catalog import build_catalog, true_labels  # noqa: E402
from scale_quality import quality_rows, regroup_quality  # noqa: E402


def cpu_name() -> str:
    out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = next((line.split(":", 1)[1].strip() for line in out.splitlines()
                  if line.startswith("Model name")), "unknown CPU")
    return f"{model}, {os.cpu_count()} cores"


def catalog(cache: Path | None, photos: int, faces: int) -> tuple[Path, dict, float | None]:
    """(catalog, facts, build seconds or None when reused)."""
    folder = cache or Path(tempfile.mkdtemp(prefix="photosort-scale-"))
    path, facts_file = folder / "scale.sqlite3", folder / "facts.json"
    if facts_file.exists() and path.exists():
        facts = json.loads(facts_file.read_text())
        if facts["photos"] == photos and facts["faces"] == faces:
            return path, facts, None
    for old in (path, folder / "files", facts_file):
        if old.is_dir():
            shutil.rmtree(old)
        elif old.exists():
            old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    facts = build_catalog(path, photos=photos, faces=faces, files_root=folder / "files")
    facts_file.write_text(json.dumps(facts))
    return path, facts, facts["seconds"]


def work_copy(base: Path, work: Path) -> Path:
    """A fresh copy of the catalog ``base`` in ``work`` (copy0, copy1, ...)."""
    from photosort.store.db import copy_catalog

    return copy_catalog(base, work / f"copy{len(list(work.glob('copy*.sqlite3')))}.sqlite3")


def add_faces(db, count: int, model: str, seed: int = 1, facts: dict | None = None) -> None:
    """``count`` new faces in new photos: half near existing faces of people, half strangers.

    With ``facts`` the strangers come from the catalog's own generator
    (``scale_catalog.new_strangers``), as a scan's would; without, from
    ``make_faces`` with another seed: another subspace, far from every face
    (the case ``core.grouping.DOMINANT`` is about).
    """
    from bench_cluster import make_faces
    from scale_catalog import new_strangers

    from photosort.store.catalog import to_blob

    rng = np.random.default_rng(seed)
    known = db.query("SELECT f.embedding FROM faces f JOIN face_person fp ON fp.face_id = f.id"
                     " ORDER BY RANDOM() LIMIT ?", (count // 2,))
    near = np.stack([np.frombuffer(r[0], dtype="<f4") for r in known])
    near = near + rng.normal(scale=0.3 / np.sqrt(80), size=near.shape) * (np.abs(near) > 0)
    strangers = (new_strangers(count - len(near), facts["faces"], facts["seed"]) if facts
                 else make_faces(count - len(near), seed=seed + 100)[0])
    X = np.vstack([near, strangers]).astype(np.float32)
    now = time.time()
    with db.transaction() as c:
        for i in range(0, count, 2):
            photo = c.execute("INSERT INTO photos (path, size, mtime_ns, status, seen_at)"
                              " VALUES (?, 1, 1, 'done', ?)", (f"/new/{seed}/{i}.jpg", now)).lastrowid
            for j in (i, i + 1):
                if j < count:
                    c.execute("INSERT INTO faces (photo_id, x1, y1, x2, y2, landmarks, score,"
                              " embedding, model) VALUES (?, ?, 0, ?, 100, ?, 0.99, ?, ?)",
                              (photo, 200.0 * (j - i), 200.0 * (j - i) + 100,
                               to_blob(np.zeros((5, 2))), to_blob(X[j]), model))


def show(row: list) -> list:
    print("  ".join(str(c) for c in row), flush=True)
    return row


def grouping_rows(base: Path, work: Path, facts: dict, new: int,
                  skip_full: bool) -> tuple[list[list], Path | None]:
    """The grouping rows, and the catalog after the full regroup (``None`` if skipped)."""
    from photosort.core.linking import MAX_NOISE
    from photosort.services.cluster import update_people
    from photosort.services.live_grouping import IncrementalGrouper
    from photosort.store.db import Database

    rows = []
    path = work_copy(base, work)
    db = Database(path)
    start = time.perf_counter()
    grouper = IncrementalGrouper(db, facts["model"])
    rows.append(show(["live grouping start (load faces, build index)",
                      f"{time.perf_counter() - start:.1f} s", "once per scan", "-"]))
    add_faces(db, new, facts["model"], facts=facts)
    import hdbscan  # noqa: F401  (a scan imports it while its first photos are analysed)

    start = time.perf_counter()
    step = grouper.step()
    seconds = time.perf_counter() - start
    rows.append(show([f"incremental regroup after {new:,} new faces", f"{seconds:.2f} s", "< 2 s",
                      "ok" if seconds < 2 else "MISSED"]))
    rows.append(show(["  of which joined / in new people", f"{step.joined} / {step.grouped}", "", ""]))
    if not skip_full:
        import fast_hdbscan  # noqa: F401  (prewarmed by a scan of a catalog this big)

        start = time.perf_counter()
        result = update_people(db, facts["model"], full=True)
        seconds = time.perf_counter() - start
        rows.append(show([f"full regroup of {result.faces:,} faces", f"{seconds:.1f} s", "< 60 s",
                          "ok" if seconds < 60 else "MISSED"]))
        rows.append(show(["  people / noise faces (exact noise linking up to)",
                          f"{result.people:,} / {result.noise:,} ({MAX_NOISE:,})", "", ""]))
        truth = true_labels(facts["faces"], facts["photos"], facts["seed"])
        for row in quality_rows(regroup_quality(db, truth)):
            rows.append(show(row))
    db.close()
    return rows, None if skip_full else path


def rescan_rows(base: Path, work: Path, facts: dict) -> list[list]:
    from photosort.services.scan import scan
    from photosort.store.db import Database

    db = Database(work_copy(base, work))
    start = time.perf_counter()
    summary = scan(db, [facts["files_root"]])
    seconds = time.perf_counter() - start
    db.close()
    ok = summary.unchanged == facts["photos"] and summary.analyzed == 0
    return [show([f"rescan of the unchanged {facts['photos']:,}-photo library", f"{seconds:.1f} s",
                  "< 20 s", "ok" if seconds < 20 and ok else "MISSED"])]


def scan_rate(base: Path, work: Path, photos: list[Path], live: bool) -> tuple[float, float]:
    """(steady photos/s, seconds of the final regroup) scanning ``photos`` into a copy."""
    from photosort.services.scan import scan
    from photosort.store.db import Database

    lib = work / f"new_photos_{'on' if live else 'off'}"
    lib.mkdir()
    for p in photos:
        os.symlink(p, lib / p.name)
    db = Database(work_copy(base, work))
    analysed: list[float] = []
    grouping: list[float] = []

    def progress(event) -> None:
        if event.stage == "analyze" and event.done:
            analysed.append(time.perf_counter())
        elif event.stage == "cluster":
            grouping.append(time.perf_counter())

    summary = scan(db, [lib], progress=progress, on_people_changed=(lambda: None) if live else None)
    db.close()
    assert summary.analyzed == len(photos), summary
    return (len(analysed) - 1) / (analysed[-1] - analysed[0]), grouping[-1] - grouping[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="keep (and reuse) the catalog and its files here")
    parser.add_argument("--photos", type=int, default=200_000)
    parser.add_argument("--faces", type=int, default=400_000)
    parser.add_argument("--new", type=int, default=1_000)
    parser.add_argument("--real", type=int, default=200, help="12 MP photos scanned (0: skip)")
    parser.add_argument("--skip-full", action="store_true", help="skip the full regroup")
    parser.add_argument("--only-scan", action="store_true", help="only the scan's photos/s")
    args = parser.parse_args()

    print(f"# CPU: {cpu_name()}", flush=True)
    base, facts, built = catalog(args.cache, args.photos, args.faces)
    rows = [["catalog built" if built is not None else "catalog reused",
             f"{built:.0f} s" if built is not None else "-", "", ""],
            ["catalog size on disk", f"{facts['size_bytes'] / 2**20:.0f} MiB", "", "-"]]
    with tempfile.TemporaryDirectory(prefix="photosort-scale-work-") as tmp:
        work = Path(tmp)
        regrouped = None
        if not args.only_scan:
            rows += rescan_rows(base, work, facts)
            more, regrouped = grouping_rows(base, work, facts, args.new, args.skip_full)
            rows += more
        if args.real:
            photos = make_12mp_photos(args.real)
            off, _ = scan_rate(base, work, photos, live=False)
            rows.append(show([f"scan of {args.real} 12 MP photos, grouping off",
                              f"{off:.2f} photos/s", "", ""]))
            on, final = scan_rate(base, work, photos, live=True)
            rows.append(show([f"scan of {args.real} 12 MP photos, live grouping on",
                              f"{on:.2f} photos/s", "within 10 %",
                              "ok" if on >= 0.9 * off else f"MISSED ({on / off - 1:+.0%})"]))
            rows.append(show(["  the scan's final full regroup", f"{final:.1f} s", "", ""]))
        try:
            from scale_gui import measure_gui
        except ImportError:
            rows.append(["GUI rows (views, scrolling, map, RSS)", "-", "from scale_gui.py", "-"])
        else:
            # on a copy too: the window writes covers, a rename and its undo, thumbnails
            rows += [list(r) for r in measure_gui(work_copy(base, work), facts)]
            if regrouped is not None:  # tens of thousands of people, as a regroup leaves them
                from scale_people import measure_people

                rows += [list(r) for r in measure_people(regrouped)]
    print(table(f"lifetime library: {facts['photos']:,} photos, {facts['faces']:,} faces"
                f" ({cpu_name()})", ["measure", "value", "target", "ok"], rows))


if __name__ == "__main__":
    main()
