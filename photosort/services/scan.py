"""Scan folders incrementally: discover files, reconcile them with the catalog, analyze what is new.

An unchanged file (same size and mtime) is not read again; a file whose
content hash matches a catalog photo that vanished is recognised as moved or
renamed and keeps its faces and names; a file no longer found is marked
missing and keeps them too (:mod:`photosort.services.catalog_sync`). A photo
whose analysis failed for a transient reason is tried again on the next scan.
Each analyzed photo is committed on its own, so a scan stopped by Ctrl-C or
a crash resumes where it stopped. Once discovery has found enough photos to
analyze for worker processes to pay off, the workers are started, so that
their start-up overlaps the rest of discovery; the clustering libraries are
imported in the background while the photos are analyzed. With
``on_people_changed`` (the window) new faces are grouped while the scan runs,
on a thread and connection of their own (:mod:`photosort.services.live_grouping`),
so the loop that saves the workers' results never waits for grouping; the
full regroup ends every scan that analyzed something.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from photosort.core.paths import key_under, path_key
from photosort.services.analyze import AnalyzeSettings, Analyzer, WorkerPool, analyze_paths
from photosort.services.catalog_sync import CatalogSync
from photosort.services.cluster import ClusterSettings, prewarm_clustering, update_people
from photosort.services.face_tags import apply_names
from photosort.services.live_thread import LiveGrouper
from photosort.services.progress import CancelToken, Cancelled, Progress, ProgressEvent, no_progress
from photosort.store.catalog import PhotoStore
from photosort.store.db import Database

RECLUSTER_EVERY_S = 5.0
"""Seconds between two live grouping steps while a scan runs."""


@dataclass
class ScanSummary:
    """What a scan found and did; every discovered file is in exactly one count."""

    discovered: int = 0
    new: int = 0
    unchanged: int = 0
    changed: int = 0
    moved: int = 0
    returned: int = 0
    missing: int = 0
    skipped_files: int = 0
    analyzed: int = 0
    faces_found: int = 0
    people: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    transient: set[str] = field(default_factory=set)
    """Paths in ``errors`` that failed for a transient reason: retried on the next scan."""
    discovery: str = ""
    cancelled: bool = False
    seconds: float = 0.0


def _under(path: str, roots: list[str]) -> bool:
    key = path_key(path)
    return any(key_under(key, path_key(r)) for r in roots)


def scan(db: Database, roots: Iterable[str | os.PathLike[str]], *,
         settings: AnalyzeSettings | None = None, cluster: ClusterSettings | None = None,
         progress: Progress = no_progress, cancel: CancelToken | None = None,
         workers: int | None = None, analyzer: Analyzer | None = None,
         on_people_changed: Callable[[], None] | None = None) -> ScanSummary:
    """Scan ``roots`` into the catalog, analyze new photos and update people."""
    with db.rederivable():  # a scan's rows are re-derived from the files by the next scan
        return _scan(db, roots, settings or AnalyzeSettings(), cluster, progress,
                     cancel or CancelToken(), workers, analyzer, on_people_changed)


def _scan(db: Database, roots: Iterable[str | os.PathLike[str]], settings: AnalyzeSettings,
          cluster: ClusterSettings | None, progress: Progress, cancel: CancelToken,
          workers: int | None, analyzer: Analyzer | None,
          on_people_changed: Callable[[], None] | None) -> ScanSummary:
    from photosort.media.decode import ImageError
    from photosort.media.discover import DiscoveryStats, iter_photo_paths
    from photosort.media.hashing import content_hash

    started = time.monotonic()
    summary = ScanSummary()
    root_paths = [os.path.abspath(os.fspath(r)) for r in roots]
    for r in root_paths:
        if not os.path.isdir(r):
            raise FileNotFoundError(f"folder not found: {r}")
    store = PhotoStore(db)
    _remember_roots(db, root_paths)
    sync = CatalogSync(store, root_paths)
    pool = WorkerPool(settings, workers)

    def on_error(path: Path, reason: str) -> None:
        summary.errors.append((str(path), reason))
        sync.could_not_read(str(path))

    try:
        stats = DiscoveryStats()
        for path in iter_photo_paths([Path(r) for r in root_paths], on_error=on_error,
                                     stats=stats):  # absolute already
            cancel.check()
            key = sync.saw(path)
            summary.discovered += 1
            if summary.discovered % 200 == 0:
                progress(ProgressEvent("discover", summary.discovered, 0, path))
            try:
                st = os.stat(path)
                sync.file(path, st, content_hash, key)
            except (OSError, ImageError) as exc:
                summary.errors.append((path, f"cannot read: {getattr(exc, 'reason', exc)}"))
                summary.transient.add(path)
            if analyzer is None:
                pool.start_if_worth(sync.counts["new"] + sync.counts["changed"])
        summary.skipped_files = stats.non_image_total
        summary.discovery = stats.summary()
        summary.missing = sync.mark_gone()
        _analyze(db, store, root_paths, settings, cluster, summary, progress, cancel, pool,
                 analyzer, on_people_changed)
    except Cancelled:
        summary.cancelled = True
    finally:
        pool.close()
        for name, count in sync.counts.items():  # new, unchanged, changed, moved, returned
            setattr(summary, name, count)
    summary.seconds = time.monotonic() - started
    return summary


def _remember_roots(db: Database, roots: list[str]) -> None:
    """Add the scanned folders to the catalog's roots, once per path key."""
    known = {path_key(r["path"]) for r in db.query("SELECT path FROM roots")}
    with db.transaction() as c:
        for root in roots:
            if path_key(root) not in known:
                known.add(path_key(root))
                c.execute("INSERT OR IGNORE INTO roots (path, added_at) VALUES (?, ?)",
                          (root, time.time()))


def _analyze(db: Database, store: PhotoStore, roots: list[str], settings: AnalyzeSettings,
             cluster: ClusterSettings | None, summary: ScanSummary, progress: Progress,
             cancel: CancelToken, pool: WorkerPool, analyzer: Analyzer | None,
             on_people_changed: Callable[[], None] | None) -> None:
    todo = [p for p in store.to_analyze(settings.fingerprint) if _under(p.path, roots)]
    ids = {p.path: p.id for p in todo}
    total = len(todo)
    progress(ProgressEvent("analyze", 0, total, "", 0))
    live = None  # new faces are grouped on a thread of its own: the workers never wait for it
    known = db.query("SELECT COALESCE(MAX(id), 0) FROM faces")[0][0]  # newer faces: this scan's
    if on_people_changed and str(db.path) != ":memory:":
        live = LiveGrouper(db.path, settings.model_id, cluster, on_people_changed, RECLUSTER_EVERY_S,
                           known_up_to=known)
        live.start()  # loads the index while the workers start
    try:
        results = analyze_paths([p.path for p in todo], settings, count=total, cancel=cancel,
                                analyzer=analyzer, pool=pool)
        for result in results:
            if not summary.analyzed:  # the workers are up: now the cores can spare the import
                prewarm_clustering(known)
            photo_id = ids[result.path]
            if result.error:
                store.mark_error(photo_id, result.error, result.error_kind)
                summary.errors.append((result.path, result.error))
                if result.error_kind == "transient":
                    summary.transient.add(result.path)
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
    finally:
        if live is not None:
            live.stop()
        # Whatever was analyzed (also when cancelled) is grouped into people; a rescan that
        # found nothing to analyze has nothing new to group (a regroup is on request).
        if summary.analyzed:
            progress(ProgressEvent("cluster", 0, 1, "grouping faces into people"))
            summary.people = update_people(db, settings.model_id, cluster,
                                           full=not cancel.cancelled).people
            progress(ProgressEvent("cluster", 1, 1, ""))
        else:
            summary.people = db.query("SELECT COUNT(*) FROM people")[0][0]
        if on_people_changed:
            on_people_changed()
