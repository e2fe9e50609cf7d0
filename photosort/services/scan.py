"""Scan folders incrementally: discover files, reconcile them with the catalog, analyze what is new.

An unchanged file (same size and mtime) is not read again; a file whose
content hash matches a catalog photo that vanished is recognised as moved or
renamed and keeps its faces and names; a deleted file leaves the catalog.
Each analyzed photo is committed on its own, so a scan stopped by Ctrl-C or
a crash resumes where it stopped. Once discovery has found enough photos to
analyze for worker processes to pay off, the workers are started, so that
their start-up overlaps the rest of discovery; the clustering libraries are
imported in the background while the photos are analyzed.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from photosort.services.analyze import AnalyzeSettings, Analyzer, WorkerPool, analyze_paths
from photosort.services.cluster import ClusterSettings, prewarm_clustering, update_people
from photosort.services.face_tags import apply_names
from photosort.services.progress import CancelToken, Cancelled, Progress, ProgressEvent, no_progress
from photosort.store.catalog import PhotoStore
from photosort.store.db import Database

RECLUSTER_EVERY_S = 5.0


@dataclass
class ScanSummary:
    """What a scan found and did; every discovered file is in exactly one count."""

    discovered: int = 0
    new: int = 0
    unchanged: int = 0
    changed: int = 0
    moved: int = 0
    removed: int = 0
    skipped_files: int = 0
    analyzed: int = 0
    faces_found: int = 0
    people: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    discovery: str = ""
    cancelled: bool = False
    seconds: float = 0.0


def _under(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def scan(db: Database, roots: Iterable[str | os.PathLike[str]], *,
         settings: AnalyzeSettings | None = None, cluster: ClusterSettings | None = None,
         progress: Progress = no_progress, cancel: CancelToken | None = None,
         workers: int | None = None, analyzer: Analyzer | None = None,
         on_people_changed: Callable[[], None] | None = None) -> ScanSummary:
    """Scan ``roots`` into the catalog, analyze new photos and update people."""
    from photosort.media.decode import ImageError
    from photosort.media.hashing import content_hash
    from photosort.media.discover import DiscoveryStats, iter_photos

    settings = settings or AnalyzeSettings()
    cancel = cancel or CancelToken()
    started = time.monotonic()
    summary = ScanSummary()
    root_paths = [os.path.abspath(os.fspath(r)) for r in roots]
    for r in root_paths:
        if not os.path.isdir(r):
            raise FileNotFoundError(f"folder not found: {r}")
    store = PhotoStore(db)
    with db.transaction() as c:
        c.executemany("INSERT OR IGNORE INTO roots (path, added_at) VALUES (?, ?)",
                      [(r, time.time()) for r in root_paths])
    known = store.all_photos()
    seen: set[str] = set()
    pool = WorkerPool(settings, workers)

    def on_error(path: Path, reason: str) -> None:
        summary.errors.append((str(path), reason))

    try:
        stats = DiscoveryStats()
        for path_obj in iter_photos([Path(r) for r in root_paths], on_error=on_error, stats=stats):
            cancel.check()
            path = os.path.abspath(path_obj)
            seen.add(path)
            summary.discovered += 1
            if summary.discovered % 200 == 0:
                progress(ProgressEvent("discover", summary.discovered, 0, path))
            try:
                st = os.stat(path)
                _reconcile_file(store, known, path, st, summary, content_hash)
            except (OSError, ImageError) as exc:
                summary.errors.append((path, f"cannot read: {getattr(exc, 'reason', exc)}"))
            if analyzer is None:
                pool.start_if_worth(summary.new + summary.changed)
        summary.skipped_files = stats.non_image_total
        summary.discovery = stats.summary()
        gone = [p for path, p in known.items()
                if path not in seen and _under(path, root_paths) and not os.path.exists(path)]
        summary.removed = store.remove(p.id for p in gone)
        _analyze(db, store, root_paths, settings, cluster, summary, progress, cancel, pool,
                 analyzer, on_people_changed)
    except Cancelled:
        summary.cancelled = True
    finally:
        pool.close()
    summary.seconds = time.monotonic() - started
    return summary


def _reconcile_file(store: PhotoStore, known: dict, path: str, st: os.stat_result,
                    summary: ScanSummary, content_hash) -> None:
    record = known.get(path)
    if record is not None:
        if record.size == st.st_size and record.mtime_ns == st.st_mtime_ns:
            summary.unchanged += 1
            return
        digest = content_hash(path)
        if digest == record.content_hash:
            store.touch(record.id, st.st_size, st.st_mtime_ns)
            summary.unchanged += 1
        else:
            store.reset(record.id, st.st_size, st.st_mtime_ns, digest)
            summary.changed += 1
        return
    digest = content_hash(path)
    for twin in store.by_hash(digest):
        if twin.path != path and not os.path.exists(twin.path):
            store.relocate(twin.id, path, st.st_size, st.st_mtime_ns)
            known.pop(twin.path, None)
            summary.moved += 1
            return
    store.add(path, st.st_size, st.st_mtime_ns, digest)
    summary.new += 1


def _analyze(db: Database, store: PhotoStore, roots: list[str], settings: AnalyzeSettings,
             cluster: ClusterSettings | None, summary: ScanSummary, progress: Progress,
             cancel: CancelToken, pool: WorkerPool, analyzer: Analyzer | None,
             on_people_changed: Callable[[], None] | None) -> None:
    todo = [p for p in store.to_analyze(settings.fingerprint) if _under(p.path, roots)]
    ids = {p.path: p.id for p in todo}
    total = len(todo)
    progress(ProgressEvent("analyze", 0, total, "", 0))
    last_cluster = time.monotonic()
    try:
        results = analyze_paths([p.path for p in todo], settings, count=total, cancel=cancel,
                                analyzer=analyzer, pool=pool)
        for result in results:
            if not summary.analyzed:  # the workers are up: now the cores can spare the import
                prewarm_clustering()
            photo_id = ids[result.path]
            if result.error:
                store.mark_error(photo_id, result.error)
                summary.errors.append((result.path, result.error))
            else:
                face_ids = store.save_analysis(photo_id, width=result.width, height=result.height,
                                               faces=result.faces, embeddings=result.embeddings,
                                               model=settings.model_id, analyzed_with=settings.fingerprint)
                apply_names(db, face_ids, result.names)
                summary.errors.extend((result.path, e) for e in result.tag_errors)
                summary.faces_found += len(result.faces)
            summary.analyzed += 1
            progress(ProgressEvent("analyze", summary.analyzed, total, result.path,
                                   summary.faces_found))
            if on_people_changed and time.monotonic() - last_cluster > RECLUSTER_EVERY_S:
                update_people(db, settings.model_id, cluster, full=False)
                on_people_changed()
                last_cluster = time.monotonic()
    finally:
        # Whatever was analyzed (also when cancelled) is grouped into people.
        progress(ProgressEvent("cluster", 0, 1, "grouping faces into people"))
        result = update_people(db, settings.model_id, cluster, full=not cancel.cancelled)
        summary.people = result.people
        progress(ProgressEvent("cluster", 1, 1, ""))
        if on_people_changed:
            on_people_changed()
