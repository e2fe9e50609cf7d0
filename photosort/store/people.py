"""People and face→person links in the catalog."""

from __future__ import annotations

import sqlite3
import time
from typing import Sequence

from photosort.core.records import PersonRecord
from photosort.store.db import Database
from photosort.store.review import move_cannot_links

_PEOPLE_SQL = """
SELECT p.id, p.name, p.hidden,
       COUNT(fp.face_id) AS face_count,
       COUNT(DISTINCT f.photo_id) AS photo_count,
       COALESCE((SELECT pc.face_id FROM person_cover pc JOIN face_person fp3
                  ON fp3.face_id = pc.face_id AND fp3.person_id = pc.person_id
                 WHERE pc.person_id = p.id),
        (SELECT fp2.face_id FROM face_person fp2 JOIN faces f2 ON f2.id = fp2.face_id
         WHERE fp2.person_id = p.id
         ORDER BY fp2.source = 'user' DESC, f2.score * (f2.x2 - f2.x1) DESC LIMIT 1)) AS cover
FROM people p
LEFT JOIN face_person fp ON fp.person_id = p.id
LEFT JOIN faces f ON f.id = fp.face_id
{where}
GROUP BY p.id
"""


def _person(row) -> PersonRecord:
    return PersonRecord(id=row["id"], name=row["name"], hidden=bool(row["hidden"]),
                        face_count=row["face_count"], photo_count=row["photo_count"],
                        cover_face_id=row["cover"])


def merge_people(c: sqlite3.Connection, target: int, sources: Sequence[int]) -> None:
    """The merge itself, inside the caller's transaction (see :meth:`PeopleStore.merge`)."""
    row = c.execute("SELECT name FROM people WHERE id = ?", (target,)).fetchone()
    if row is None:
        raise KeyError(target)
    if row["name"] is None:
        for s in sources:
            name = c.execute("SELECT name FROM people WHERE id = ?", (s,)).fetchone()
            if name and name["name"]:
                c.execute("UPDATE people SET name = ? WHERE id = ?", (name["name"], target))
                break
    move_cannot_links(c, target, sources)
    for s in sources:
        c.execute("UPDATE face_person SET person_id = ?, source = 'user', confirmed = 1"
                  " WHERE person_id = ?", (target, s))
        c.execute("UPDATE OR IGNORE rejections SET person_id = ? WHERE person_id = ?", (target, s))
        c.execute("DELETE FROM people WHERE id = ?", (s,))
    # "Not this person" holds through a merge: a face the user said is not the target, or
    # not a source (which is now the target), leaves the merged person and becomes unknown.
    c.execute("DELETE FROM face_person WHERE person_id = ? AND face_id IN"
              " (SELECT face_id FROM rejections WHERE person_id = ?)", (target, target))


class PeopleStore:
    """Reads and writes ``people``, ``face_person`` and ``rejections``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def list(self, include_hidden: bool = True) -> list[PersonRecord]:
        where = "" if include_hidden else "WHERE p.hidden = 0"
        rows = self.db.query(_PEOPLE_SQL.format(where=where) +
                             " ORDER BY photo_count DESC, p.id")
        return [_person(r) for r in rows]

    def get(self, person_id: int) -> PersonRecord | None:
        rows = self.db.query(_PEOPLE_SQL.format(where="WHERE p.id = ?"), (person_id,))
        return _person(rows[0]) if rows else None

    def find(self, key: str) -> PersonRecord | None:
        """A person by id (``12``), by ``Unnamed 12``, or by name (case-insensitive)."""
        key = key.strip()
        if key.isdigit():
            return self.get(int(key))
        if key.lower().startswith("unnamed ") and key[8:].strip().isdigit():
            return self.get(int(key[8:].strip()))
        rows = self.db.query("SELECT id FROM people WHERE name = ? COLLATE NOCASE ORDER BY id",
                             (key,))
        return self.get(rows[0]["id"]) if rows else None

    def faces(self, person_id: int) -> list[int]:
        rows = self.db.query("SELECT fp.face_id FROM face_person fp JOIN faces f ON f.id = fp.face_id"
                             " WHERE fp.person_id = ? ORDER BY f.photo_id, f.id", (person_id,))
        return [r["face_id"] for r in rows]

    def rejections(self) -> set[tuple[int, int]]:
        return {(r["face_id"], r["person_id"])
                for r in self.db.query("SELECT face_id, person_id FROM rejections")}

    def links(self) -> dict[int, tuple[int, str]]:
        """face id → (person id, source) for every linked face."""
        return {r["face_id"]: (r["person_id"], r["source"])
                for r in self.db.query("SELECT face_id, person_id, source FROM face_person")}

    def names(self) -> dict[int, str | None]:
        return {r["id"]: r["name"] for r in self.db.query("SELECT id, name FROM people")}

    def drop_empty_unnamed(self) -> int:
        with self.db.transaction() as c:
            return c.execute(
                "DELETE FROM people WHERE name IS NULL AND id NOT IN"
                " (SELECT DISTINCT person_id FROM face_person)").rowcount

    def apply_clustering(self, cleared: Sequence[int], links: Sequence[tuple[int, int]],
                         new_groups: Sequence[Sequence[int]]) -> list[int]:
        """One clustering outcome in one transaction.

        ``cleared`` faces lose their machine links, ``links`` are (face, person)
        machine links, and every group in ``new_groups`` becomes a new unnamed
        person. Returns the new people's ids.
        """
        now = time.time()
        with self.db.transaction() as c:
            c.executemany("DELETE FROM face_person WHERE face_id = ? AND source = 'ml'",
                          [(f,) for f in cleared])
            rows = [(f, p) for f, p in links]
            new_ids = []
            for group in new_groups:
                pid = int(c.execute("INSERT INTO people (name, created_at) VALUES (NULL, ?)",
                                    (now,)).lastrowid)
                new_ids.append(pid)
                rows.extend((f, pid) for f in group)
            c.executemany("INSERT INTO face_person (face_id, person_id, source, confirmed)"
                          " VALUES (?, ?, 'ml', 0) ON CONFLICT(face_id) DO UPDATE SET"
                          " person_id = excluded.person_id, source = 'ml', confirmed = 0"
                          " WHERE face_person.source = 'ml'", rows)
            c.execute("DELETE FROM people WHERE name IS NULL AND id NOT IN"
                      " (SELECT DISTINCT person_id FROM face_person)")
        return new_ids
