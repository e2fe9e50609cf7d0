"""The organize journal: batches of file operations, recorded before they happen.

An operation is inserted as ``pending`` (and committed) before its file is
touched and marked ``done`` afterwards, in the same transaction that makes
the catalog follow a moved photo. After a crash, the pending rows say
exactly which files may be in flux; :mod:`photosort.services.reconcile`
settles them by looking at the disk. Undo reads the ``done`` rows of a batch.

Only one process may run file operations at a time: :meth:`Journal.exclusive`
takes an OS file lock next to the catalog, released automatically when the
process dies (even by SIGKILL).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from photosort.store.db import Database


class JournalBusy(Exception):
    """Another organize or undo is running on this catalog."""


@dataclass(frozen=True)
class Batch:
    """One organize or undo run."""

    id: int
    kind: str  # organize | undo
    dest: str
    mode: str  # move | copy
    status: str  # running | done | cancelled | interrupted | undone
    undoes: int | None
    started_at: float
    finished_at: float | None


@dataclass(frozen=True)
class Operation:
    """One journaled file operation.

    ``size`` and ``mtime_ns`` describe the file when the operation started;
    ``reverses`` links an undo operation to the operation it reverses.
    """

    id: int
    batch_id: int
    kind: str  # move | copy | mkdir | mark | remove | rmdir
    photo_id: int | None
    src: str | None
    dst: str
    size: int | None
    mtime_ns: int | None
    state: str  # pending | done | failed | rolled_back | undone
    error: str | None
    reverses: int | None
    content_hash: str | None = None  # the bytes placed (photosort.media.hashing), for undo


class Journal:
    """Reads and writes the ``batches``, ``operations`` and ``batch_folders`` tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- batches ------------------------------------------------------------
    def start_batch(self, kind: str, dest: str, mode: str, undoes: int | None = None) -> int:
        with self.db.transaction() as c:
            cur = c.execute("INSERT INTO batches (kind, dest, mode, undoes, started_at)"
                            " VALUES (?, ?, ?, ?, ?)", (kind, dest, mode, undoes, time.time()))
            return int(cur.lastrowid)

    def finish_batch(self, batch_id: int, status: str) -> None:
        with self.db.transaction() as c:
            c.execute("UPDATE batches SET status = ?, finished_at = ? WHERE id = ?",
                      (status, time.time(), batch_id))

    def batch(self, batch_id: int) -> Batch:
        return Batch(**dict(self.db.query("SELECT * FROM batches WHERE id = ?", (batch_id,))[0]))

    def last_undoable(self) -> Batch | None:
        """The newest organize batch that changed something and is not (completely) undone."""
        rows = self.db.query(
            "SELECT * FROM batches b WHERE kind = 'organize' AND status != 'undone'"
            " AND EXISTS (SELECT 1 FROM operations o WHERE o.batch_id = b.id"
            "             AND o.state IN ('done', 'undone'))"
            " ORDER BY id DESC LIMIT 1")
        return Batch(**dict(rows[0])) if rows else None

    def interrupt_running(self) -> int:
        """Mark batches left ``running`` by a dead process as ``interrupted``."""
        with self.db.transaction() as c:
            return c.execute("UPDATE batches SET status = 'interrupted', finished_at = ?"
                             " WHERE status = 'running'", (time.time(),)).rowcount

    def note_folder(self, batch_id: int, path: str, mtime_ns: int) -> None:
        """Remember a folder's modification time before the batch first changes it."""
        with self.db.transaction() as c:
            c.execute("INSERT OR IGNORE INTO batch_folders (batch_id, path, mtime_ns)"
                      " VALUES (?, ?, ?)", (batch_id, path, mtime_ns))

    def folder_times(self, batch_id: int) -> list[tuple[str, int]]:
        rows = self.db.query("SELECT path, mtime_ns FROM batch_folders WHERE batch_id = ?"
                             " ORDER BY length(path) DESC, path", (batch_id,))
        return [(r["path"], r["mtime_ns"]) for r in rows]

    # -- operations ---------------------------------------------------------
    def begin(self, batch_id: int, kind: str, dst: str, *, src: str | None = None,
              photo_id: int | None = None, size: int | None = None, mtime_ns: int | None = None,
              reverses: int | None = None, content_hash: str | None = None) -> Operation:
        """Record an operation as pending; commit before touching any file.

        The catalog runs ``synchronous=FULL``, so the row is on disk when this returns.
        """
        with self.db.transaction() as c:
            cur = c.execute(
                "INSERT INTO operations (batch_id, kind, photo_id, src, dst, size, mtime_ns,"
                " reverses, content_hash, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (batch_id, kind, photo_id, src, dst, size, mtime_ns, reverses, content_hash,
                 time.time()))
        return Operation(int(cur.lastrowid), batch_id, kind, photo_id, src, dst, size, mtime_ns,
                         "pending", None, reverses, content_hash)

    def complete(self, op: Operation) -> None:
        """Mark ``op`` done; a moved photo's catalog path follows, a reversed op becomes undone."""
        error = None
        with self.db.transaction() as c:
            if op.kind == "move" and op.photo_id is not None:
                try:
                    c.execute("UPDATE photos SET path = ? WHERE id = ?"
                              " AND path_key = photosort_path_key(?)",
                              (op.dst, op.photo_id, op.src))
                except sqlite3.IntegrityError:
                    error = "catalog not updated: another photo is recorded at the destination"
            if op.reverses is not None:
                c.execute("UPDATE operations SET state = 'undone', updated_at = ? WHERE id = ?",
                          (time.time(), op.reverses))
            c.execute("UPDATE operations SET state = 'done', error = ?, updated_at = ? WHERE id = ?",
                      (error, time.time(), op.id))

    def abandon(self, op: Operation, state: str, error: str | None = None) -> None:
        """Close a pending operation that did not happen (``failed`` or ``rolled_back``)."""
        with self.db.transaction() as c:
            c.execute("UPDATE operations SET state = ?, error = ?, updated_at = ? WHERE id = ?",
                      (state, error, time.time(), op.id))

    def mark_undone(self, op: Operation) -> None:
        """``op``'s effect is already gone (e.g. its copy was deleted): nothing left to undo."""
        with self.db.transaction() as c:
            c.execute("UPDATE operations SET state = 'undone', updated_at = ? WHERE id = ?",
                      (time.time(), op.id))

    def pending(self) -> list[Operation]:
        return self._ops("SELECT * FROM operations WHERE state = 'pending' ORDER BY id")

    def operations(self, batch_id: int, state: str | None = None) -> list[Operation]:
        if state is None:
            return self._ops("SELECT * FROM operations WHERE batch_id = ? ORDER BY id", (batch_id,))
        return self._ops("SELECT * FROM operations WHERE batch_id = ? AND state = ? ORDER BY id",
                         (batch_id, state))

    def _ops(self, sql: str, params: tuple = ()) -> list[Operation]:
        return [Operation(**{k: r[k] for k in Operation.__dataclass_fields__})
                for r in self.db.query(sql, params)]

    # -- the single-runner lock -----------------------------------------------
    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the journal lock for this catalog; raise :class:`JournalBusy` if taken."""
        lock_path = self.db.path.with_name(self.db.path.name + ".journal-lock")
        with open(lock_path, "a+b") as handle:
            try:
                _lock(handle.fileno())
            except OSError as exc:
                raise JournalBusy("another organize or undo is running on this catalog") from exc
            try:
                yield
            finally:
                _unlock(handle.fileno())


if os.name == "nt":
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
