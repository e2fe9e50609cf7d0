"""Settle a journal left pending by a crash, by looking where each file really is.

Runs at start-up and before every organize and undo. For each pending
operation, its temporary file (if any) is deleted (a temporary file is
never the only copy: the rename into place is the commit), then the disk
decides:

* move: the file at the destination and not at the source → done (the
  catalog follows); both present and identical → the source is removed, done;
  only at the source → rolled back.
* copy: the destination present → done (it only appears after verification);
  otherwise rolled back.
* mkdir / mark: present → done. remove / rmdir: gone → done.

Batches left ``running`` become ``interrupted``; they stay undoable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from photosort.services.fileops import FileOps, describe_error, remove_temp, same_content, temp_path
from photosort.store.db import Database
from photosort.store.journal import Journal, JournalBusy, Operation


@dataclass
class ReconcileReport:
    """What reconciling found: each settled operation as ``"kind src -> dst"``."""

    completed: list[str] = field(default_factory=list)
    rolled_back: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    temp_removed: list[str] = field(default_factory=list)
    interrupted_batches: int = 0
    busy: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.completed or self.rolled_back or self.failed or self.temp_removed
                    or self.interrupted_batches)

    def describe(self) -> list[str]:
        if self.busy:
            return ["Another organize or undo is running; its journal was left alone."]
        lines = [f"finished interrupted  {what}" for what in self.completed]
        lines += [f"rolled back  {what}" for what in self.rolled_back]
        lines += [f"unresolved  {what}  [{why}]" for what, why in self.failed]
        lines += [f"removed temporary file  {path}" for path in self.temp_removed]
        return lines


def reconcile(db: Database, *, fs: FileOps | None = None) -> ReconcileReport:
    """Resolve every pending journal entry; a no-op (``busy``) while another run holds the journal."""
    journal = Journal(db)
    try:
        with journal.exclusive():
            return reconcile_locked(journal, fs or FileOps())
    except JournalBusy:
        return ReconcileReport(busy=True)


def reconcile_locked(journal: Journal, fs: FileOps) -> ReconcileReport:
    """:func:`reconcile` for a caller that already holds :meth:`Journal.exclusive`."""
    report = ReconcileReport()
    for op in journal.pending():
        _settle(journal, fs, op, report)
    report.interrupted_batches = journal.interrupt_running()
    return report


def _settle(journal: Journal, fs: FileOps, op: Operation, report: ReconcileReport) -> None:
    dst = Path(op.dst)
    what = f"{op.kind} {op.src} -> {op.dst}" if op.src else f"{op.kind} {op.dst}"
    if op.kind in ("move", "copy"):
        tmp = temp_path(op.id, dst)
        if remove_temp(tmp):
            report.temp_removed.append(str(tmp))
    if op.kind == "move":
        outcome, error = _settle_move(fs, Path(op.src or ""), dst)
    elif op.kind in ("copy", "mkdir", "mark"):
        outcome, error = ("done" if os.path.lexists(dst) else "rolled_back"), None
    else:  # remove, rmdir
        outcome, error = ("rolled_back" if os.path.lexists(dst) else "done"), None
    if outcome == "done":
        journal.complete(op)
        report.completed.append(what)
    elif outcome == "rolled_back":
        journal.abandon(op, "rolled_back", "interrupted before the file was touched")
        report.rolled_back.append(what)
    else:
        journal.abandon(op, "failed", error)
        report.failed.append((what, error or ""))


def _settle_move(fs: FileOps, src: Path, dst: Path) -> tuple[str, str | None]:
    src_there, dst_there = os.path.lexists(src), os.path.lexists(dst)
    if dst_there and not src_there:
        return "done", None
    if src_there and not dst_there:
        return "rolled_back", None
    if not src_there:
        return "failed", "the file is at neither place"
    if not (_same_file(src, dst) or same_content(src, dst)):
        return "failed", "interrupted; a different file is at the destination"
    try:  # both names hold the photo: finish the move
        fs.remove_file(src)
        return "done", None
    except OSError as exc:
        try:  # cannot finish: take back our verified copy instead
            fs.remove_file(dst)
            return "rolled_back", None
        except OSError:
            return "failed", f"two copies remain: {describe_error(exc)}"


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
