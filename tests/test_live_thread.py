"""The live grouping thread (``services.live_thread``): batched steps, and a last one on stop."""

from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path

from photosort.services import live_thread
from photosort.services.live_thread import LiveGrouper
from photosort.store.db import Database

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def _module(name: str):
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_steps_wait_for_a_batch_and_the_last_one_runs_on_stop(tmp_path: Path) -> None:
    facts = _module("scale_catalog").build_catalog(tmp_path / "s.sqlite3", photos=500, faces=1_000)
    add_faces = _module("bench_scale").add_faces
    db = Database(tmp_path / "s.sqlite3")
    known = db.query("SELECT MAX(id) FROM faces")[0][0]
    changed = threading.Event()
    try:
        idle = LiveGrouper(db.path, facts["model"], None, changed.set, every=3600,
                           known_up_to=known)
        idle.start()
        add_faces(db, 10, facts["model"], seed=1)  # fewer than a batch, and no period ends
        idle.stop()
        assert [s.new_faces for s in idle.steps] == [10] and not idle.errors

        busy = LiveGrouper(db.path, facts["model"], None, changed.set, every=0.01,
                           known_up_to=known + 10)
        busy.start()
        add_faces(db, live_thread.STEP_FACES + 20, facts["model"], seed=2)
        for _ in range(3000):  # a full batch is stepped while the thread runs
            if busy.steps:
                break
            threading.Event().wait(0.01)
        running = busy._thread.is_alive()
        busy.stop()
    finally:
        db.close()
    assert running and busy.steps and not busy.errors
    assert sum(s.new_faces for s in busy.steps) == live_thread.STEP_FACES + 20
    assert changed.is_set()
