"""Organize: plan (the dry run / preview) and execute moves or copies into per-person folders.

:func:`plan_organize` reads the catalog and the destination and returns an
:class:`~photosort.core.plan_types.OrganizePlan`; nothing is touched.
:func:`execute_plan` carries a plan out, journal first: each operation is
committed as pending before its file is touched and marked done after, so a
crash at any moment is settled by :func:`~photosort.services.reconcile.reconcile`.
Per-file errors are recorded and skipped; the :class:`OrganizeSummary`
accounts for every planned operation.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from photosort.core.naming import numbered_name
from photosort.core.paths import key_under, path_key
from photosort.core.plan_types import Conflict, OrganizePlan, PlannedOp, Skipped, SKIP_PRESENT, render_lines
from photosort.core.planning import (
    DEFAULT_MODE, CatalogSnapshot, GroupPolicy, Mode, PersonEntry, PhotoEntry, UnsortedPolicy, norm_path, plan_moves,
)
from photosort.media.errors import ImageError
from photosort.media.hashing import content_hash
from photosort.services.companions import keep_together
from photosort.services.fileops import OUTPUT_MARKER, DiskProbe, FileOps, describe_error, same_content
from photosort.services.progress import CancelToken, Cancelled, Progress, ProgressEvent, no_progress
from photosort.services.reconcile import ReconcileReport, reconcile, reconcile_locked
from photosort.store.db import Database
from photosort.store.journal import Journal


def load_snapshot(db: Database) -> CatalogSnapshot:
    """The photos, their face counts and people (with each person's largest face), and all people."""
    people = {r["id"]: PersonEntry(r["id"], r["name"], bool(r["hidden"]))
              for r in db.query("SELECT id, name, hidden FROM people")}
    face_counts = {r["photo_id"]: r["n"]
                   for r in db.query("SELECT photo_id, COUNT(*) AS n FROM faces GROUP BY photo_id")}
    photo_people: dict[int, list[tuple[int, float]]] = {}
    for r in db.query("SELECT f.photo_id, fp.person_id, MAX((f.x2 - f.x1) * (f.y2 - f.y1)) AS area"
                      " FROM faces f JOIN face_person fp ON fp.face_id = f.id"
                      " GROUP BY f.photo_id, fp.person_id"):
        photo_people.setdefault(r["photo_id"], []).append((r["person_id"], float(r["area"])))
    photos = tuple(PhotoEntry(r["id"], r["path"], r["status"], face_counts.get(r["id"], 0),
                              tuple(photo_people.get(r["id"], ())))
                   for r in db.query("SELECT id, path, status FROM photos"))
    return CatalogSnapshot(photos, people)


def plan_organize(db: Database, dest: str | os.PathLike[str], *, mode: Mode = DEFAULT_MODE,
                  group_photos: GroupPolicy = "copy", unsorted: UnsortedPolicy = "leave") -> OrganizePlan:
    """Plan organizing the catalog into ``dest``; touches no file.

    A journal left pending by a crash is reconciled first, so the plan sees
    where files really are.
    """
    if Journal(db).pending():
        reconcile(db)
    return keep_together(plan_moves(load_snapshot(db), Path(os.path.abspath(dest)), DiskProbe(), mode=mode,
                                    group_photos=group_photos, unsorted=unsorted))


@dataclass
class OrganizeSummary:
    """What a real run did; every planned operation is in exactly one list.

    ``done`` holds the operations as performed (with the destination actually
    used); ``present`` and ``duplicates`` the ones found already done by an
    identical file at run time; ``failed`` pairs an operation with its reason;
    ``not_attempted`` the ones left when cancelled.
    """

    plan: OrganizePlan
    batch_id: int | None = None
    done: list[PlannedOp] = field(default_factory=list)
    present: list[Skipped] = field(default_factory=list)
    duplicates: list[Skipped] = field(default_factory=list)
    failed: list[tuple[PlannedOp, str]] = field(default_factory=list)
    not_attempted: list[PlannedOp] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    cancelled: bool = False
    reconciled: ReconcileReport = field(default_factory=ReconcileReport)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "moved": sum(op.kind == "move" for op in self.done),
            "copied": sum(op.kind == "copy" for op in self.done),
            "present": len(self.present),
            "duplicate": len(self.duplicates),
            "failed": len(self.failed),
            "not_attempted": len(self.not_attempted),
        }

    def describe(self) -> list[str]:
        """The report in the dry run's format: equal to ``plan.describe()`` when all went as planned."""
        plan = self.plan
        return render_lines(plan.header, self.done, plan.skipped + self.present,
                            plan.duplicates + self.duplicates, plan.conflicts + self.conflicts,
                            self.failed, self.not_attempted)


def execute_plan(db: Database, plan: OrganizePlan, progress: Progress = no_progress,
                 cancel: CancelToken | None = None, *, fs: FileOps | None = None) -> OrganizeSummary:
    """Carry out ``plan``, journal first; raises ``JournalBusy`` if another run is active."""
    fs = fs or FileOps()
    journal = Journal(db)
    with journal.exclusive():
        summary = OrganizeSummary(plan, reconciled=reconcile_locked(journal, fs))
        if not plan.ops:
            return summary
        batch_id = journal.start_batch("organize", str(plan.dest), plan.mode)
        summary.batch_id = batch_id
        runner = _Runner(db, journal, fs, plan, summary, batch_id)
        status, finished = "interrupted", 0
        try:
            for op in plan.ops:
                if cancel is not None:
                    cancel.check()
                runner.run(op)
                finished += 1
                progress(ProgressEvent("organize", finished, len(plan.ops), str(op.src)))
            status = "done"
        except Cancelled:
            summary.cancelled = True
            summary.not_attempted = plan.ops[finished:]
            status = "cancelled"
        finally:
            journal.finish_batch(batch_id, status)
    return summary


class _Runner:
    """Executes the operations of one batch, creating and marking folders on the way."""

    def __init__(self, db: Database, journal: Journal, fs: FileOps, plan: OrganizePlan,
                 summary: OrganizeSummary, batch_id: int) -> None:
        self.db = db
        self.journal = journal
        self.fs = fs
        self.plan = plan
        self.summary = summary
        self.batch_id = batch_id
        self.ready: set[str] = set()
        self.noted: set[str] = set()
        # The marker goes into DEST, unless a scanned root lies at or below DEST: then
        # into each output folder, so that scans skip the output but not the library.
        roots = [r["path"] for r in db.query("SELECT path FROM roots")]
        self.mark_dest = not any(_inside(root, plan.dest) for root in roots)

    def run(self, op: PlannedOp) -> None:
        try:
            st = os.stat(op.src)
        except FileNotFoundError:
            self.summary.failed.append((op, f"source vanished: {op.src}"))
            return
        except OSError as exc:
            self.summary.failed.append((op, describe_error(exc)))
            return
        try:
            self._ensure_folder(op.dst.parent)
        except OSError as exc:
            self.summary.failed.append((op, describe_error(exc)))
            return
        dst = self._free_destination(op)
        if dst is None:
            return
        actual = PlannedOp(op.src, dst, op.kind, op.reason, op.photo_id)
        if op.kind == "move":
            self._note(op.src.parent)
        self._note(dst.parent)
        try:
            digest = self._content_hash(op, st)
        except (OSError, ImageError) as exc:
            self.summary.failed.append((actual, getattr(exc, "reason", None) or str(exc)))
            return
        entry = self.journal.begin(self.batch_id, op.kind, str(dst), src=str(op.src),
                                   photo_id=op.photo_id, size=st.st_size, mtime_ns=st.st_mtime_ns,
                                   content_hash=digest)
        self.fs.checkpoint("pending")
        try:
            if op.kind == "move":
                self.fs.move(op.src, dst, entry.id)
            else:
                self.fs.copy(op.src, dst, entry.id)
        except OSError as exc:
            reason = describe_error(exc)
            self.journal.abandon(entry, "failed", reason)
            self.summary.failed.append((actual, reason))
            return
        self.journal.complete(entry)
        self.fs.checkpoint("done")
        self.summary.done.append(actual)

    def _content_hash(self, op: PlannedOp, st: os.stat_result) -> str:
        """The source's content hash, for undo: the catalog's while size and time still match."""
        rows = self.db.query("SELECT size, mtime_ns, content_hash FROM photos WHERE id = ?",
                             (op.photo_id,))
        if rows and rows[0]["content_hash"] and (rows[0]["size"], rows[0]["mtime_ns"]) == (
                st.st_size, st.st_mtime_ns):
            return rows[0]["content_hash"]
        return content_hash(op.src)

    def _free_destination(self, op: PlannedOp) -> Path | None:
        """The planned destination, or a numbered one if it got taken since; None if identical."""
        dst = op.dst
        if not os.path.lexists(dst) and not self._in_catalog(dst):
            return dst
        if same_content(op.src, dst):
            found = Skipped(op.photo_id, op.src, SKIP_PRESENT, dst)
            (self.summary.duplicates if op.kind == "move" else self.summary.present).append(found)
            return None
        number = 2
        while True:
            candidate = dst.with_name(numbered_name(dst.name, number))
            if not os.path.lexists(candidate) and not self._in_catalog(candidate):
                self.summary.conflicts.append(Conflict("file", dst.name, candidate.name, dst.parent))
                return candidate
            number += 1

    def _in_catalog(self, path: Path) -> bool:
        return bool(self.db.query("SELECT 1 FROM photos WHERE path_key = ?", (path_key(path),)))

    def _ensure_folder(self, folder: Path) -> None:
        key = norm_path(folder)
        if key in self.ready:
            return
        self._ensure_dir(folder)
        self._ensure_marker(self.plan.dest if self.mark_dest else folder)
        self.ready.add(key)

    def _ensure_dir(self, folder: Path) -> None:
        missing = []
        while not folder.is_dir() and folder.parent != folder:
            missing.append(folder)
            folder = folder.parent
        for path in reversed(missing):
            self._note(path.parent)
            self._journaled("mkdir", path, self.fs.make_dir)

    def _ensure_marker(self, folder: Path) -> None:
        marker = folder / OUTPUT_MARKER
        if not os.path.lexists(marker):
            self._note(folder)
            self._journaled("mark", marker, lambda _: self.fs.write_marker(folder))

    def _journaled(self, kind: str, path: Path, action: Callable[[Path], None]) -> None:
        entry = self.journal.begin(self.batch_id, kind, str(path))
        self.fs.checkpoint("pending")
        try:
            action(path)
        except OSError as exc:
            self.journal.abandon(entry, "failed", describe_error(exc))
            raise
        self.fs.checkpoint("applied")
        self.journal.complete(entry)
        self.fs.checkpoint("done")

    def _note(self, folder: Path) -> None:
        """Remember a folder's modification time before this batch first changes it."""
        key = norm_path(folder)
        if key in self.noted:
            return
        try:
            self.journal.note_folder(self.batch_id, str(folder), os.stat(folder).st_mtime_ns)
        except OSError:
            return
        self.noted.add(key)


def _inside(path: str, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies below it."""
    return key_under(norm_path(path), norm_path(folder))
