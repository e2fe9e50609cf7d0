"""Benchmark the desktop app: People view opening, person-page scrolling, start-up, a live scan.

    uv run photosort --db benchmarks/out/lfw.sqlite3 scan ../shared/data/lfw-dev   # once
    uv run python benchmarks/bench_gui.py [--db benchmarks/out/lfw.sqlite3] [--scan 40]

Works on a copy of a real catalog (lfw-dev: ~6,200 faces, ~1,000 people,
real detections and embeddings); in the copy the largest people are merged
until one has at least 1,000 faces. Runs real widgets on Qt's offscreen
platform (or the X server in $DISPLAY). Measures:

* People view open: window built, people loaded, grid painted (cold and warm
  thumbnail cache);
* the 1,000-face person page: open time, then scrolling top to bottom one
  wheel step (120 px) at a time, each step repainted — frame times, and frames
  over 50 ms ("stalls"); first with thumbnails still being cut in the
  background, then from the disk cache;
* face thumbnails cut per second;
* start-up: a fresh process until the window is shown (no torch imported);
* with ``--scan N``: scanning N lfw photos through the window, the longest
  time the GUI thread went without running its event loop.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import OUT, REPO, data_dir, table

STALL_MS = 50.0
STEP_PX = 120


def prepare(source: Path, work: Path, big: int) -> tuple[Path, int, int]:
    """Copy the catalog and merge the largest people until one has ``big`` faces."""
    from photosort.services.edits import PeopleEditor
    from photosort.store.db import Database, copy_catalog
    from photosort.store.people import PeopleStore

    target = copy_catalog(source, work / "catalog.sqlite3")
    db = Database(target)
    people = sorted(PeopleStore(db).list(), key=lambda p: -p.face_count)
    total, merge = 0, []
    for p in people:
        merge.append(p.id)
        total += p.face_count
        if total >= big:
            break
    PeopleEditor(db).merge(merge[0], merge[1:])
    faces = db.query("SELECT COUNT(*) AS n FROM faces")[0]["n"]
    db.close()
    return target, merge[0], faces


def pump(app, seconds: float = 0.0) -> None:
    end = time.perf_counter() + seconds
    app.processEvents()
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.005)


def open_people(app, db_path: Path, log: Path):
    from photosort.gui.main_window import MainWindow

    start = time.perf_counter()
    window = MainWindow(db_path, log)
    window.resize(1280, 840)
    window.show()
    window.show_library()
    app.processEvents()
    window.people_view.grid.viewport().repaint()
    return window, time.perf_counter() - start


def scroll(app, grid) -> list[float]:
    """Frame times (ms) scrolling ``grid`` from top to bottom one wheel step at a time."""
    bar = grid.verticalScrollBar()
    bar.setValue(0)
    app.processEvents()
    frames = []
    for value in range(0, bar.maximum() + STEP_PX, STEP_PX):
        start = time.perf_counter()
        bar.setValue(min(value, bar.maximum()))
        grid.viewport().repaint()
        app.processEvents()
        frames.append((time.perf_counter() - start) * 1000)
    return frames


def wait_thumbnails(app, cache, items, px: int, timeout: float = 600.0) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        missing = [i for i in items if cache.get(i, px) is None and not cache.is_broken(i)]
        if not missing:
            break
        pump(app, 0.05)
    return time.perf_counter() - start


def frame_row(name: str, frames: list[float]) -> list[object]:
    ordered = sorted(frames)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return [name, len(frames), statistics.mean(frames), p95, max(frames),
            sum(f > STALL_MS for f in frames)]


def startup_seconds(db_path: Path) -> float:
    code = ("import sys, time; t = time.perf_counter();"
            "from PySide6.QtWidgets import QApplication; app = QApplication([]);"
            "from photosort.gui.main_window import MainWindow;"
            f"w = MainWindow({str(db_path)!r}, {str(db_path.parent / 'start.log')!r});"
            "w.show(); app.processEvents(); assert 'torch' not in sys.modules; print('ok')")
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True,
                         text=True)
    elapsed = time.perf_counter() - start
    if out.stdout.strip() != "ok":
        raise RuntimeError(out.stderr)
    return elapsed


def scan_stall(app, work: Path, count: int) -> tuple[float, float]:
    """Scan ``count`` lfw photos through the window; (longest GUI gap s, scan s)."""
    from PySide6.QtCore import QTimer

    from photosort.gui.main_window import MainWindow

    folder = work / "scan_photos"
    folder.mkdir()
    for src in sorted((data_dir() / "lfw-dev").glob("*/*.jpg"))[:count]:
        shutil.copyfile(src, folder / src.name)
    window = MainWindow(work / "scan.sqlite3", work / "scan.log", workers=1)
    window.show()
    state = {"last": time.perf_counter(), "gap": 0.0}

    def beat() -> None:
        now = time.perf_counter()
        state["gap"] = max(state["gap"], now - state["last"])
        state["last"] = now

    timer = QTimer(interval=10)
    timer.timeout.connect(beat)
    timer.start()
    start = time.perf_counter()
    window.open_folder(str(folder))
    while window.runner.busy:
        app.processEvents()
        time.sleep(0.002)
    elapsed = time.perf_counter() - start
    timer.stop()
    window.close()
    return state["gap"], elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", default=str(OUT / "lfw.sqlite3"))
    ap.add_argument("--big", type=int, default=1000, help="faces of the big person")
    ap.add_argument("--scan", type=int, default=0, metavar="N", help="also scan N photos")
    args = ap.parse_args()
    source = Path(args.db)
    if not source.is_file():
        print(f"no catalog at {source}; make it once with:\n  uv run photosort --db {source} "
              "scan ../shared/data/lfw-dev", file=sys.stderr)
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")
    from PySide6.QtWidgets import QApplication

    work = Path(tempfile.mkdtemp(prefix="bench-gui-"))
    db_path, big_id, faces = prepare(source, work, args.big)
    app = QApplication([])
    app.setOrganizationName("PhotoSortBench")
    from photosort.gui import theme
    from photosort.gui.thumbnails import default_threads

    theme.apply_theme(app)
    opens, frames = [], []
    window, cold = open_people(app, db_path, work / "log")
    model = window.people_view.model
    people = model.rowCount()
    covers = [r.cover for r in model.rows_of(range(min(40, people))) if r.cover]
    wait_thumbnails(app, window.library.thumbnails, covers, 128)
    start = time.perf_counter()
    window.open_person(big_id)
    app.processEvents()
    window.person_page.grid.viewport().repaint()
    page_open = time.perf_counter() - start
    grid = window.person_page.grid
    n_big = grid.model().rowCount()
    frames.append(frame_row("scroll, thumbnails being cut", scroll(app, grid)))
    ratio = grid.devicePixelRatioF()
    cut = wait_thumbnails(app, window.library.thumbnails, grid.faces(), round(112 * ratio))
    frames.append(frame_row("scroll, memory cache", scroll(app, grid)))
    window.close()
    window, warm = open_people(app, db_path, work / "log")
    window.open_person(big_id)
    app.processEvents()
    frames.append(frame_row("scroll, disk cache (new window)", scroll(app, window.person_page.grid)))
    window.close()
    opens += [["People view open, cold thumbnail cache", cold * 1000],
              ["People view open, warm thumbnail cache", warm * 1000],
              [f"person page open ({n_big} faces)", page_open * 1000],
              [f"cut {n_big} face thumbnails ({default_threads()} thread(s))", cut * 1000],
              ["start-up to window shown (new process)", startup_seconds(db_path) * 1000]]
    if args.scan:
        gap, seconds = scan_stall(app, work, args.scan)
        opens.append([f"scan {args.scan} photos: longest GUI-thread gap", gap * 1000])
        opens.append([f"scan {args.scan} photos: duration", seconds * 1000])
    print(f"catalog: {faces:,} faces, {people:,} people; big person: {n_big:,} faces; "
          f"platform {app.platformName()}, {os.cpu_count()} cores")
    print(table("Times", ["what", "ms"], opens))
    print(table(f"Scrolling {n_big} faces, {STEP_PX} px per step",
                ["pass", "frames", "mean ms", "p95 ms", "max ms", f"> {STALL_MS:.0f} ms"], frames))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
