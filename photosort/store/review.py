"""Review decisions in the catalog: "not the same person" pairs and cover faces (migration 6).

A cannot-link names two people; when one of them is merged into a third
person the link moves with it (:func:`move_cannot_links`, called inside
:func:`photosort.store.people.merge_people`), so a "No" is never lost by a
merge. A cover is either the user's ("Use as cover") or chosen automatically.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Iterable, Sequence

from photosort.store.db import Database


def pair(a: int, b: int) -> tuple[int, int]:
    """The stored order of a cannot-link pair."""
    return (a, b) if a < b else (b, a)


def add_cannot_link(c: sqlite3.Connection, a: int, b: int) -> None:
    """Record that people ``a`` and ``b`` are not the same person (inside a transaction)."""
    if a != b:
        c.execute("INSERT OR IGNORE INTO cannot_link (person_a, person_b, created_at)"
                  " VALUES (?, ?, ?)", (*pair(a, b), time.time()))


def move_cannot_links(c: sqlite3.Connection, target: int, sources: Sequence[int]) -> None:
    """The cannot-links of ``sources`` become the target's (inside the merge's transaction)."""
    for s in sources:
        rows = c.execute("SELECT person_a, person_b, created_at FROM cannot_link"
                         " WHERE person_a = ? OR person_b = ?", (s, s)).fetchall()
        c.execute("DELETE FROM cannot_link WHERE person_a = ? OR person_b = ?", (s, s))
        for a, b, created in rows:
            other = b if a == s else a
            if other != target:
                c.execute("INSERT OR IGNORE INTO cannot_link (person_a, person_b, created_at)"
                          " VALUES (?, ?, ?)", (*pair(target, other), created))


class ReviewStore:
    """Reads and writes ``cannot_link`` and ``person_cover``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def cannot_links(self) -> set[tuple[int, int]]:
        """Every (smaller id, larger id) pair the user kept apart."""
        return {(r[0], r[1]) for r in self.db.query("SELECT person_a, person_b FROM cannot_link")}

    def covers(self) -> dict[int, tuple[int, str]]:
        """person id → (cover face id, ``'auto'`` or ``'user'``)."""
        return {r[0]: (r[1], r[2])
                for r in self.db.query("SELECT person_id, face_id, source FROM person_cover")}

    def set_cover(self, person_id: int, face_id: int, source: str = "user") -> None:
        with self.db.transaction() as c:
            c.execute("INSERT INTO person_cover (person_id, face_id, source) VALUES (?, ?, ?)"
                      " ON CONFLICT(person_id) DO UPDATE SET face_id = excluded.face_id,"
                      " source = excluded.source", (person_id, face_id, source))

    def set_auto_covers(self, covers: Iterable[tuple[int, int]]) -> None:
        """Automatic covers (person, face); a user's choice is never replaced."""
        with self.db.transaction() as c:
            c.executemany("INSERT INTO person_cover (person_id, face_id, source) VALUES (?, ?, 'auto')"
                          " ON CONFLICT(person_id) DO UPDATE SET face_id = excluded.face_id"
                          " WHERE person_cover.source = 'auto'", list(covers))
