"""Review speed on a synthetic library: the recompute behind the Review, and what a Y costs the GUI.

    uv run python benchmarks/bench_review_speed.py [--faces 100000] [--people 6000] [--db PATH]

Builds (once, cached at ``--db``) a catalog of random 128-d descriptors shaped
like a big library: ``--people`` groups of Zipf-like sizes (a quarter named,
the rest unnamed), a fifth of the faces unknown, two faces per photo. It then
prints, for the photosort on ``sys.path``:

* ``load_state`` / ``suggestions`` / ``proposals``: one recompute's parts (best of 3);
* ``answer (GUI thread)``: the time the Review's Y handler keeps the GUI thread
  (median of 5 answers in the real window, offscreen), and ``until fresh lists``:
  until the recomputed lists are shown.

Compare two versions in one run by pointing ``PYTHONPATH`` at the other checkout
(``git archive main | tar -x -C /tmp/before``; ``PYTHONPATH=/tmp/before``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

MODEL = "dlib-resnet-v1@1"


def build(path: Path, faces: int, people: int, seed: int = 0) -> None:
    """The synthetic catalog (through the real schema; descriptors only, no photos on disk)."""
    from photosort.store.db import Database

    rng = np.random.default_rng(seed)
    db = Database(path)  # creates and migrates (and registers the catalog's SQL functions)
    sizes = np.maximum(1, (faces * 0.8 / np.arange(1, people + 1) ** 0.8
                           / (1.0 / np.arange(1, people + 1) ** 0.8).sum())).astype(int)
    centres = rng.normal(0, 1 / 16, (people, 128)).astype(np.float32)
    split = np.arange(5, people, 10)  # every tenth person is another one split in two
    centres[split] = centres[split - 1] + rng.normal(0, 0.15 / np.sqrt(128), (len(split), 128))
    owner = np.repeat(np.arange(people), sizes)[:faces]
    owner = np.r_[owner, -np.ones(faces - len(owner), int)]
    base = np.where(owner[:, None] >= 0, centres[np.maximum(owner, 0)],
                    centres[rng.integers(0, people, faces)])  # unknown faces: someone's too
    X = (base + rng.normal(0, 0.3 / np.sqrt(128), (faces, 128))).astype("<f4")
    with db.transaction() as conn:
        conn.executemany("INSERT INTO photos (id, path, size, mtime_ns, status) VALUES (?, ?, 0, 0, 'done')",
                         [(i + 1, f"/synthetic/{i}.jpg") for i in range((faces + 1) // 2)])
        conn.executemany(
            "INSERT INTO faces (id, photo_id, x1, y1, x2, y2, landmarks, score, embedding, model)"
            " VALUES (?, ?, 0, 0, 10, 10, x'', 1, ?, ?)",
            [(i + 1, int(p) + 1, X[i].tobytes(), MODEL)
             for i, p in enumerate(rng.permutation(faces) // 2)])
        conn.executemany("INSERT INTO people (id, name, created_at) VALUES (?, ?, 0)",
                         [(p + 1, f"Person {p}" if p % 4 == 0 else None) for p in range(people)])
        conn.executemany("INSERT INTO face_person (face_id, person_id, source) VALUES (?, ?, 'ml')",
                         [(i + 1, int(o) + 1) for i, o in enumerate(owner) if o >= 0])
    db.close()


def best(fn, repeat: int = 3) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def services(path: Path) -> list[tuple[str, float, str]]:
    from photosort.services import proposals, suggest
    from photosort.services.review_state import load_state
    from photosort.store.db import Database

    db = Database(path)
    t_state, state = best(lambda: load_state(db, MODEL))
    t_sugg, items = best(lambda: suggest.suggestions(db, MODEL, state=load_state(db, MODEL)))
    t_prop, props = best(lambda: proposals.proposals(db, MODEL, state=load_state(db, MODEL)))
    db.close()
    return [("load_state", t_state, f"{len(state.face_ids)} faces"),
            ("suggestions (incl. load_state)", t_sugg, f"{len(items)} suggestions"),
            ("proposals (incl. load_state)", t_prop, f"{len(props)} proposals")]


def gui(path: Path, answers: int = 5) -> list[tuple[str, float, str]]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from photosort.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    work = Path(tempfile.mkdtemp(prefix="bench-review-"))
    window = MainWindow(path, work / "photosort.log", workers=1)
    window.show()
    review = window.review_view

    def settle(timeout: float = 600.0) -> None:
        deadline = time.monotonic() + timeout
        while getattr(review, "busy", False) and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.005)
        app.processEvents()

    window.show_library()
    window.show_review()
    settle()
    held, fresh = [], []
    for k in range(answers):
        t = time.perf_counter()
        QTest.keyClick(review.tiles, Qt.Key.Key_Y if k % 2 == 0 else Qt.Key.Key_N)
        held.append(time.perf_counter() - t)
        settle()
        fresh.append(time.perf_counter() - t)
    window.close()
    app.processEvents()
    return [("answer (GUI thread)", statistics.median(held), f"median of {answers}"),
            ("answer until fresh lists", statistics.median(fresh), f"median of {answers}")]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--faces", type=int, default=100_000)
    ap.add_argument("--people", type=int, default=6000)
    ap.add_argument("--db", type=Path, default=None)
    args = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    path = args.db or Path(tempfile.gettempdir()) / f"review-{args.faces}-{args.people}.sqlite3"
    if not path.exists():
        build(path, args.faces, args.people)
    work = Path(tempfile.mkdtemp(prefix="bench-review-")) / "catalog.sqlite3"
    from photosort.store.db import copy_catalog

    copy_catalog(path, work)  # the answers below change the catalog: every run starts from the same one
    import photosort
    print(f"photosort from {Path(photosort.__file__).parent}; catalog {path}")
    print(f"{'step':34} {'seconds':>8}  note")
    for name, seconds, note in services(work) + gui(work):
        print(f"{name:34} {seconds:8.3f}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
