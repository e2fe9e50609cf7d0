"""Opening the catalog database: location, pragmas and migrations."""

from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from photosort.store.migrations import MIGRATIONS, register_functions

APP_NAME = "PhotoSort"
IDS = "(SELECT value FROM json_each(?))"
"""SQL for ``x IN {IDS}`` with one parameter, a JSON list of ids (no 999-variable limit)."""


def copy_catalog(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> Path:
    """A consistent copy of the catalog at ``source`` (SQLite's backup API: right for a
    WAL catalog another connection may be writing); returns ``target``."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        src.close()
        dst.close()
    return Path(target)


class CatalogError(Exception):
    """The catalog cannot be opened or is from a newer PhotoSort."""


def default_home() -> Path:
    """Where PhotoSort keeps its data: ``$PHOTOSORT_HOME`` or the user data dir."""
    env = os.environ.get("PHOTOSORT_HOME")
    if env:
        return Path(env)
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def default_db_path() -> Path:
    return default_home() / "catalog.sqlite3"


def schema_version() -> int:
    return max(MIGRATIONS)


def connect(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the catalog at ``path``.

    Settings, and why:

    * ``foreign_keys = ON``: faces, links and rejections follow their photo and person;
    * ``busy_timeout = 30 s``: the GUI and a scan write through separate connections,
      each transaction short, so waiting beats failing;
    * ``journal_mode = WAL``: readers (the GUI) never wait for the writer (a scan);
    * ``synchronous = FULL``: every commit is on disk when it returns — the organize
      journal's pending row before its file is touched, each state change of a batch,
      and every user decision (names, corrections, hidden people). NORMAL, in WAL mode,
      can lose the last commits to a power cut. A scan, whose writes can all be
      re-derived from the files, commits with NORMAL (:meth:`Database.rederivable`).
      Measured cost: README, "Benchmarks" (``benchmarks/bench_durability.py``).
    """
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(str(path), timeout=30.0, check_same_thread=False,
                               isolation_level=None)
    except sqlite3.Error as exc:
        raise CatalogError(f"cannot open catalog {path}: {exc}") from exc
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")  # see the docstring: the journal and user decisions
    register_functions(conn)
    migrate(conn)
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    """Apply every migration newer than the file's ``user_version``."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    latest = schema_version()
    if current > latest:
        raise CatalogError(
            f"catalog schema {current} is newer than this PhotoSort ({latest}); update PhotoSort")
    for version in range(current + 1, latest + 1):
        # One transaction per step: SQLite parses the script (triggers, literals with ";"),
        # and an empty placeholder script just moves user_version on.
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{MIGRATIONS[version]}\n;"
                               f"PRAGMA user_version = {version};\nCOMMIT;")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return latest


class Database:
    """One connection to the catalog, plus a lock for the threads that share it.

    ``transaction()`` serialises the writes made through this connection. Other
    connections may write too — the window has one and the running job (scan,
    regroup, organize, undo) opens its own — and SQLite serialises those:
    every write transaction is ``BEGIN IMMEDIATE`` and waits up to the 30 s
    busy timeout for the others, while WAL lets readers go on meanwhile.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.conn = connect(path)
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: every query in it sees the same moment (WAL snapshot)."""
        with self._lock:
            self.conn.execute("BEGIN")
            try:
                yield self.conn
            finally:
                self.conn.execute("COMMIT")

    @contextmanager
    def rederivable(self) -> Iterator[None]:
        """Meanwhile, commit with ``synchronous=NORMAL``: for writes a rescan re-derives from
        the files (a scan's photos, faces and groups). A power cut then costs at most the last
        photos' analysis; the next ``FULL`` commit (any user decision) makes them durable too,
        since the write-ahead log is flushed in order. Measured: 3–7 ms per photo less on a
        scan than FULL (``bench_durability.py``; a photo's analysis takes ~75 ms)."""
        with self._lock:
            self.conn.execute("PRAGMA synchronous = NORMAL")
        try:
            yield
        finally:
            with self._lock:
                self.conn.execute("PRAGMA synchronous = FULL")

    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    def close(self) -> None:
        with self._lock:
            self.conn.close()
