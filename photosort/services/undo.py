"""Undo: reverse the last organize batch exactly, from the journal, also after a restart.

Operations are reversed newest first, each journaled like any other (so an
undo interrupted by a crash is reconciled and can simply be run again):

* a move goes back to its original path, and the catalog follows;
* a copy is removed only when its source still holds the same bytes (nothing
  is lost); if the source is gone, the copy is moved back there instead;
* created folders are removed when empty, marker files are removed;
* the folders' modification times are restored at the end.

A file changed since the batch, missing, or whose original place is taken,
is left alone and reported. "Changed" is decided by size and content hash
(:mod:`photosort.services.timestamps`): the modification time is only a fast
path, compared at the destination file system's granularity, so files on a
FAT32/exFAT stick or an SMB share (which round timestamps) are undone too.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from photosort.core.paths import path_key
from photosort.media.errors import ImageError
from photosort.media.hashing import content_hash
from photosort.services.fileops import FileOps, describe_error, same_content
from photosort.services.progress import CancelToken, Cancelled, Progress, ProgressEvent, no_progress
from photosort.services.reconcile import ReconcileReport, reconcile_locked
from photosort.services.timestamps import Granularity
from photosort.store.db import Database
from photosort.store.journal import Journal, Operation


@dataclass
class UndoSummary:
    """What an undo did. ``batch_id`` is the organize batch undone (``None``: nothing to undo)."""

    batch_id: int | None = None
    undo_batch_id: int | None = None
    restored: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    left_alone: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False
    reconciled: ReconcileReport = field(default_factory=ReconcileReport)

    def describe(self) -> list[str]:
        if self.batch_id is None:
            return ["Nothing to undo."]
        lines = [f"Undo of organize batch {self.batch_id}" + (" (cancelled)" if self.cancelled else "")]
        lines += [f"restored  {src} -> {dst}" for src, dst in self.restored]
        lines += [f"removed  {path}" for path in self.removed]
        lines += [f"left alone  {path}  [{why}]" for path, why in self.left_alone]
        lines += [f"failed  {path}  [{why}]" for path, why in self.failed]
        return lines


def undo_last(db: Database, progress: Progress = no_progress, cancel: CancelToken | None = None,
              *, fs: FileOps | None = None) -> UndoSummary:
    """Reverse the newest organize batch not yet undone; raises ``JournalBusy`` if a run is active."""
    fs = fs or FileOps()
    journal = Journal(db)
    with journal.exclusive():
        summary = UndoSummary(reconciled=reconcile_locked(journal, fs))
        target = journal.last_undoable()
        if target is None:
            return summary
        summary.batch_id = target.id
        ops = journal.operations(target.id, "done")[::-1]
        if any(op.kind in ("move", "copy") for op in ops) and not os.path.isdir(target.dest):
            summary.failed.append((target.dest, "destination folder not found; is its drive connected?"))
            return summary
        summary.undo_batch_id = journal.start_batch("undo", target.dest, target.mode, undoes=target.id)
        undoer = _Undoer(journal, fs, summary, summary.undo_batch_id)
        status, finished = "interrupted", 0
        try:
            for op in ops:
                if cancel is not None:
                    cancel.check()
                undoer.undo(op)
                finished += 1
                progress(ProgressEvent("undo", finished, len(ops), op.dst))
            status = "done"
        except Cancelled:
            summary.cancelled = True
            status = "cancelled"
        finally:
            journal.finish_batch(summary.undo_batch_id, status)
        if not summary.cancelled:
            _restore_folder_times(journal.folder_times(target.id))
            journal.finish_batch(target.id, "undone")
            from photosort.services.tags import restore_catalog_records

            restore_catalog_records(db, target.id)
    return summary


class _Undoer:
    """Reverses the operations of one batch into an undo batch."""

    def __init__(self, journal: Journal, fs: FileOps, summary: UndoSummary, batch_id: int) -> None:
        self.journal = journal
        self.fs = fs
        self.summary = summary
        self.batch_id = batch_id
        self.stranded: set[str] = set()  # keys of sources whose move could not be reversed
        self.granularity = Granularity()

    def undo(self, op: Operation) -> None:
        if op.kind == "move":
            self._undo_move(op)
        elif op.kind == "copy":
            self._undo_copy(op)
        elif op.kind == "mark":
            self._remove(op, "remove", Path(op.dst), self.fs.remove_file)
        elif op.kind == "mkdir":
            self._undo_mkdir(op)

    def _undo_move(self, op: Operation) -> None:
        here, origin = Path(op.dst), Path(op.src or "")
        why = self._changed(op, here) or (f"its original place is taken: {origin}"
                                          if os.path.lexists(origin) else None)
        if why:
            self.stranded.add(path_key(origin))
            self.summary.left_alone.append((op.dst, why))
            return
        self._move_back(op, here, origin, op.photo_id)

    def _undo_copy(self, op: Operation) -> None:
        copy, source = Path(op.dst), Path(op.src or "")
        if not os.path.lexists(copy):
            self.journal.mark_undone(op)
            return
        why = self._changed(op, copy)
        if why is None and path_key(source) in self.stranded:
            why = "its photo could not be moved back, so the copy is kept"
        if why is None and os.path.lexists(source) and not same_content(source, copy):
            why = f"the original has changed since, so the copy is kept: {source}"
        if why:
            self.summary.left_alone.append((op.dst, why))
        elif os.path.lexists(source):
            self._remove(op, "remove", copy, self.fs.remove_file, src=str(source))
        else:  # the original is gone: this copy restores it
            self._move_back(op, copy, source, None)

    def _undo_mkdir(self, op: Operation) -> None:
        folder = Path(op.dst)
        if not os.path.isdir(folder):
            self.journal.mark_undone(op)
        elif os.listdir(folder):
            self.summary.left_alone.append((op.dst, "folder is not empty"))
        else:
            self._remove(op, "rmdir", folder, self.fs.remove_dir)

    def _changed(self, op: Operation, path: Path) -> str | None:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return "no longer there"
        except OSError as exc:
            return describe_error(exc)
        if st.st_size != op.size or op.mtime_ns is None:
            return "changed since it was organized"
        if self.granularity.same_time(path, st.st_mtime_ns, op.mtime_ns):
            return None  # the fast path: same size, same time as far as this file system tells
        if op.content_hash is None:  # journaled before content hashes were kept
            return "changed since it was organized"
        try:
            digest = content_hash(path)
        except ImageError as exc:
            return exc.reason
        return None if digest == op.content_hash else "changed since it was organized"

    def _move_back(self, op: Operation, here: Path, origin: Path, photo_id: int | None) -> None:
        try:
            origin.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.summary.failed.append((str(here), describe_error(exc)))
            return
        entry = self.journal.begin(self.batch_id, "move", str(origin), src=str(here), photo_id=photo_id,
                                   size=op.size, mtime_ns=op.mtime_ns, reverses=op.id,
                                   content_hash=op.content_hash)
        self.fs.checkpoint("pending")
        try:
            self.fs.move(here, origin, entry.id)
        except OSError as exc:
            self.journal.abandon(entry, "failed", describe_error(exc))
            self.summary.failed.append((str(here), describe_error(exc)))
            return
        self.journal.complete(entry)
        _restore_time(origin, op.mtime_ns)
        self.fs.checkpoint("done")
        self.summary.restored.append((str(here), str(origin)))

    def _remove(self, op: Operation, kind: str, path: Path, action: Callable[[Path], None],
                src: str | None = None) -> None:
        if not os.path.lexists(path):
            self.journal.mark_undone(op)
            return
        entry = self.journal.begin(self.batch_id, kind, str(path), src=src, reverses=op.id)
        self.fs.checkpoint("pending")
        try:
            action(path)
        except OSError as exc:
            self.journal.abandon(entry, "failed", describe_error(exc))
            self.summary.failed.append((str(path), describe_error(exc)))
            return
        self.fs.checkpoint("applied")
        self.journal.complete(entry)
        self.fs.checkpoint("done")
        self.summary.removed.append(str(path))


def _restore_time(path: Path, mtime_ns: int | None) -> None:
    """Give a file moved back its original time (a FAT or exFAT stick rounded it; its
    bytes were checked unchanged)."""
    try:
        st = os.stat(path)
        if mtime_ns is not None and st.st_mtime_ns != mtime_ns:
            os.utime(path, ns=(st.st_atime_ns, mtime_ns))
    except OSError:
        pass


def _restore_folder_times(folders: list[tuple[str, int]]) -> None:
    """Give the folders the batch changed their earlier modification times back (deepest first)."""
    for path, mtime_ns in folders:
        try:
            os.utime(path, ns=(os.stat(path).st_atime_ns, mtime_ns))
        except OSError:
            continue
