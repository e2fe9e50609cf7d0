"""People editing with undo: rename, merge, hide, "not this person", move and split faces.

Every edit runs in one transaction together with a snapshot of the rows it
may change — the affected ``people`` rows, the ``face_person`` links of the
affected faces and the ``rejections`` touching either — stored in the
``edit_log`` table (migration 3). :meth:`PeopleEditor.undo` puts the newest
snapshot back exactly and drops it, so Ctrl+Z also works after a restart.
Rows outside a snapshot (say, faces a running scan added meanwhile) keep
whatever happened to them.

A person deleted by an edit (a merged source) comes back under its old id,
unless a new person took that id in between; then it comes back under a
fresh id with its faces, rather than being mixed into the newcomer.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Iterable, Sequence

from photosort.core.records import person_label
from photosort.store.db import Database, IDS
from photosort.store.people import merge_people
from photosort.store.review import add_cannot_link, pair

MAX_UNDO = 200


@dataclass(frozen=True)
class Edit:
    """One undoable edit as listed in the history: its id and a readable label."""

    id: int
    label: str
    created_at: float


class PeopleEditor:
    """The user's edits to people, each recorded so :meth:`undo` can reverse it."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- edits ----------------------------------------------------------------
    def rename(self, person_id: int, name: str | None) -> None:
        name = (name or "").strip() or None
        with self.db.transaction() as c:
            label = f"Rename {_display(c, person_id)} to {name or 'Unnamed'}"
            snap = _snapshot(c, people={person_id})
            c.execute("UPDATE people SET name = ? WHERE id = ?", (name, person_id))
            _record(c, label, snap)

    def set_hidden(self, person_ids: Iterable[int], hidden: bool) -> None:
        ids = sorted(set(person_ids))
        if not ids:
            return
        with self.db.transaction() as c:
            who = _display(c, ids[0]) if len(ids) == 1 else f"{len(ids)} people"
            label = f"{'Hide' if hidden else 'Show'} {who}"
            snap = _snapshot(c, people=set(ids))
            c.execute(f"UPDATE people SET hidden = ? WHERE id IN {IDS}",
                      (int(hidden), json.dumps(ids)))
            _record(c, label, snap)

    def merge(self, target: int, sources: Sequence[int]) -> None:
        """Move every face of ``sources`` to ``target`` and delete the sources.

        The target keeps its name, or takes the first source name when it has
        none; moved faces count as the user's decision. A face the user said is
        "not" the target or a source stays out of the merged person (unknown).
        """
        sources = sorted({s for s in sources if s != target})
        if not sources:
            return
        with self.db.transaction() as c:
            if c.execute("SELECT 1 FROM people WHERE id = ?", (target,)).fetchone() is None:
                raise KeyError(target)
            who = _display(c, sources[0]) if len(sources) == 1 else f"{len(sources)} people"
            label = f"Merge {who} into {_display(c, target)}"
            snap = _snapshot(c, people={target, *sources}, with_their_faces=True)
            merge_people(c, target, sources)
            _record(c, label, snap)

    def reject_faces(self, face_ids: Iterable[int], person_id: int) -> None:
        """"Not this person": the faces leave ``person_id`` and the pair is remembered."""
        faces = sorted(set(face_ids))
        if not faces:
            return
        with self.db.transaction() as c:
            label = f"Not {_display(c, person_id)} ({_count(faces, 'face')})"
            snap = _snapshot(c, people={person_id}, faces=set(faces))
            c.executemany("DELETE FROM face_person WHERE face_id = ? AND person_id = ?",
                          [(f, person_id) for f in faces])
            c.executemany("INSERT OR IGNORE INTO rejections (face_id, person_id) VALUES (?, ?)",
                          [(f, person_id) for f in faces])
            _record(c, label, snap)

    def move_faces(self, face_ids: Iterable[int], person_id: int) -> None:
        """Assign the faces to ``person_id`` (from whoever had them, or from nobody)."""
        faces = sorted(set(face_ids))
        if not faces:
            return
        with self.db.transaction() as c:
            label = f"Move {_count(faces, 'face')} to {_display(c, person_id)}"
            snap = _snapshot(c, people={person_id, *_owners(c, faces)}, faces=set(faces))
            _link(c, faces, person_id)
            _record(c, label, snap)

    def new_person(self, face_ids: Iterable[int], name: str | None = None) -> int:
        """Make a new person of the faces; returns the new person's id."""
        faces = sorted(set(face_ids))
        name = (name or "").strip() or None
        with self.db.transaction() as c:
            snap = _snapshot(c, people=set(_owners(c, faces)), faces=set(faces))
            person = int(c.execute("INSERT INTO people (name, created_at) VALUES (?, ?)",
                                   (name, time.time())).lastrowid)
            _link(c, faces, person)
            label = f"New person {person_label(name, person)} from {_count(faces, 'face')}"
            _record(c, label, snap, created=[person])
        return person

    def answer(self, person_id: int, yes: Iterable[int], no: Iterable[int] = ()) -> None:
        """A page of review answers as one edit: ``yes`` faces become the person's
        (user-confirmed), ``no`` faces are "not this person"."""
        yes = sorted(set(yes))
        no = sorted(set(no) - set(yes))
        if not yes and not no:
            return
        with self.db.transaction() as c:
            label = f"Review {_display(c, person_id)}: {len(yes)} yes, {len(no)} no"
            snap = _snapshot(c, people={person_id, *_owners(c, yes)}, faces=set(yes + no))
            _link(c, yes, person_id)
            c.executemany("DELETE FROM face_person WHERE face_id = ? AND person_id = ?",
                          [(f, person_id) for f in no])
            c.executemany("INSERT OR IGNORE INTO rejections (face_id, person_id) VALUES (?, ?)",
                          [(f, person_id) for f in no])
            _record(c, label, snap)

    def keep_apart(self, a: int, b: int) -> None:
        """"Not the same person": a cannot-link every later regroup and proposal honours."""
        if a == b:
            return
        with self.db.transaction() as c:
            label = f"Keep {_display(c, a)} and {_display(c, b)} apart"
            snap = _snapshot(c, people={a, b})
            add_cannot_link(c, a, b)
            _record(c, label, snap)

    # -- undo -----------------------------------------------------------------
    def last_edit(self) -> Edit | None:
        rows = self.db.query("SELECT id, label, created_at FROM edit_log ORDER BY id DESC LIMIT 1")
        return Edit(rows[0]["id"], rows[0]["label"], rows[0]["created_at"]) if rows else None

    def history(self, limit: int = 20) -> list[Edit]:
        rows = self.db.query("SELECT id, label, created_at FROM edit_log ORDER BY id DESC LIMIT ?",
                             (limit,))
        return [Edit(r["id"], r["label"], r["created_at"]) for r in rows]

    def undo(self) -> str | None:
        """Reverse the newest edit; returns its label, or ``None`` if there is none."""
        with self.db.transaction() as c:
            row = c.execute("SELECT id, label, snapshot FROM edit_log ORDER BY id DESC LIMIT 1"
                            ).fetchone()
            if row is None:
                return None
            _restore(c, json.loads(row["snapshot"]))
            c.execute("DELETE FROM edit_log WHERE id = ?", (row["id"],))
        return row["label"]


def _count(items: Sequence, noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _display(c: sqlite3.Connection, person_id: int) -> str:
    row = c.execute("SELECT name FROM people WHERE id = ?", (person_id,)).fetchone()
    return person_label(row["name"] if row else None, person_id)


def _owners(c: sqlite3.Connection, faces: Sequence[int]) -> list[int]:
    rows = c.execute(f"SELECT DISTINCT person_id FROM face_person WHERE face_id IN {IDS}",
                     (json.dumps(list(faces)),)).fetchall()
    return [r[0] for r in rows]


def _link(c: sqlite3.Connection, faces: Sequence[int], person_id: int) -> None:
    c.executemany("DELETE FROM rejections WHERE face_id = ? AND person_id = ?",
                  [(f, person_id) for f in faces])
    c.executemany("INSERT INTO face_person (face_id, person_id, source, confirmed)"
                  " VALUES (?, ?, 'user', 1) ON CONFLICT(face_id) DO UPDATE SET"
                  " person_id = excluded.person_id, source = 'user', confirmed = 1",
                  [(f, person_id) for f in faces])


def _snapshot(c: sqlite3.Connection, people: set[int], faces: set[int] = frozenset(),
              with_their_faces: bool = False) -> dict:
    """The rows an edit of ``people`` and ``faces`` may change, as JSON-able lists."""
    people_json = json.dumps(sorted(people))
    faces = set(faces)
    if with_their_faces:
        faces |= {r[0] for r in c.execute(
            f"SELECT face_id FROM face_person WHERE person_id IN {IDS}", (people_json,))}
    faces_json = json.dumps(sorted(faces))
    return {
        "people": sorted(people),
        "faces": sorted(faces),
        "people_rows": [list(r) for r in c.execute(
            f"SELECT id, name, hidden, created_at FROM people WHERE id IN {IDS}", (people_json,))],
        "links": [list(r) for r in c.execute(
            f"SELECT face_id, person_id, source, confirmed FROM face_person"
            f" WHERE face_id IN {IDS}", (faces_json,))],
        "rejections": [list(r) for r in c.execute(
            f"SELECT face_id, person_id FROM rejections WHERE face_id IN {IDS}"
            f" OR person_id IN {IDS}", (faces_json, people_json))],
        "cannot_links": [list(r) for r in c.execute(
            f"SELECT person_a, person_b, created_at FROM cannot_link WHERE person_a IN {IDS}"
            f" OR person_b IN {IDS}", (people_json, people_json))],
    }


def _record(c: sqlite3.Connection, label: str, snap: dict, created: Sequence[int] = ()) -> None:
    snap["created"] = list(created)
    c.execute("INSERT INTO edit_log (label, created_at, snapshot) VALUES (?, ?, ?)",
              (label, time.time(), json.dumps(snap)))
    c.execute("DELETE FROM edit_log WHERE id NOT IN"
              " (SELECT id FROM edit_log ORDER BY id DESC LIMIT ?)", (MAX_UNDO,))


def _restore(c: sqlite3.Connection, snap: dict) -> None:
    """Put the snapshot's rows back (see the module docstring for reused ids)."""
    ids: dict[int, int] = {}
    for pid, name, hidden, created_at in snap["people_rows"]:
        now = c.execute("SELECT created_at FROM people WHERE id = ?", (pid,)).fetchone()
        if now is not None and now[0] != created_at:  # the id went to someone else
            ids[pid] = int(c.execute("INSERT INTO people (name, hidden, created_at)"
                                     " VALUES (?, ?, ?)", (name, hidden, created_at)).lastrowid)
            continue
        c.execute("INSERT INTO people (id, name, hidden, created_at) VALUES (?, ?, ?, ?)"
                  " ON CONFLICT(id) DO UPDATE SET name = excluded.name,"
                  " hidden = excluded.hidden, created_at = excluded.created_at",
                  (pid, name, hidden, created_at))
    people_json, faces_json = json.dumps(snap["people"]), json.dumps(snap["faces"])
    c.execute(f"DELETE FROM face_person WHERE face_id IN {IDS}", (faces_json,))
    c.executemany("INSERT INTO face_person (face_id, person_id, source, confirmed)"
                  " SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM faces WHERE id = ?)"
                  " AND EXISTS (SELECT 1 FROM people WHERE id = ?)",
                  [(f, ids.get(p, p), s, k, f, ids.get(p, p)) for f, p, s, k in snap["links"]])
    c.execute(f"DELETE FROM rejections WHERE face_id IN {IDS} OR person_id IN {IDS}",
              (faces_json, people_json))
    c.executemany("INSERT OR IGNORE INTO rejections (face_id, person_id)"
                  " SELECT ?, ? WHERE EXISTS (SELECT 1 FROM faces WHERE id = ?)"
                  " AND EXISTS (SELECT 1 FROM people WHERE id = ?)",
                  [(f, ids.get(p, p), f, ids.get(p, p)) for f, p in snap["rejections"]])
    c.execute(f"DELETE FROM cannot_link WHERE person_a IN {IDS} OR person_b IN {IDS}",
              (people_json, people_json))
    for a, b, created in snap.get("cannot_links", ()):  # older snapshots have none
        a, b = pair(ids.get(a, a), ids.get(b, b))
        c.execute("INSERT OR IGNORE INTO cannot_link (person_a, person_b, created_at)"
                  " SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM people WHERE id = ?)"
                  " AND EXISTS (SELECT 1 FROM people WHERE id = ?)", (a, b, created, a, b))
    c.execute(f"DELETE FROM people WHERE id IN {IDS}", (json.dumps(snap["created"]),))
