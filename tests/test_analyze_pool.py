"""Worker processes started ahead of the photos: taken over by the analysis, or shut down unused."""

from __future__ import annotations

import multiprocessing
import shutil
import time
from pathlib import Path

import pytest

import photosort.services.analyze as analyze
from photosort.services.analyze import AnalyzeSettings, WorkerPool, analyze_paths
from photosort.services.scan import scan
from photosort.store.db import Database


def _children_gone(timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while multiprocessing.active_children():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


@pytest.fixture()
def photos(tmp_path: Path, data_dir: Path) -> list[str]:
    lib = tmp_path / "lib"
    shutil.copytree(data_dir / "face_recognition_examples" / "obama", lib)
    return sorted(str(p) for p in lib.iterdir())


def test_a_started_pool_is_taken_over_by_the_analysis(photos, monkeypatch):
    monkeypatch.setattr(analyze, "IN_PROCESS_BELOW", 2)
    pool = WorkerPool(AnalyzeSettings(), workers=2)
    pool.start_if_worth(1)
    assert not pool.started
    pool.start_if_worth(2)
    assert pool.started
    results = list(analyze_paths(photos, AnalyzeSettings(), count=len(photos), pool=pool))
    assert sorted(r.path for r in results) == photos
    assert all(r.error is None and len(r.faces) >= 1 for r in results)
    assert not pool.started  # handed over, and shut down by the analysis
    assert _children_gone()


def test_an_unused_pool_is_shut_down(monkeypatch):
    pool = WorkerPool(AnalyzeSettings(), workers=2)
    pool.start()
    assert len(multiprocessing.active_children()) == 2
    pool.close()
    assert not pool.started
    assert _children_gone()
    one = WorkerPool(AnalyzeSettings(), workers=1)
    one.start()  # one core: analysis runs in-process, no worker is ever spawned
    assert not one.started and not multiprocessing.active_children()


def test_scan_starts_the_workers_during_discovery(photos, tmp_path, monkeypatch):
    monkeypatch.setattr(analyze, "IN_PROCESS_BELOW", 2)
    started_after: list[int] = []
    real_start = WorkerPool.start

    def start(self):
        if not self.started:
            started_after.append(len(discovered))
        real_start(self)

    discovered: list[str] = []
    monkeypatch.setattr(WorkerPool, "start", start)
    from photosort.services.catalog_sync import CatalogSync

    real_reconcile = CatalogSync.file

    def reconcile(self, path, *args):
        discovered.append(path)
        return real_reconcile(self, path, *args)

    monkeypatch.setattr(CatalogSync, "file", reconcile)
    summary = scan(Database(tmp_path / "c.sqlite3"), [Path(photos[0]).parent], workers=2)
    assert summary.analyzed == len(photos) and not summary.errors
    assert started_after == [2]  # right after the second photo to analyze was found
    assert _children_gone()
