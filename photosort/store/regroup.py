"""A regroup's snapshot and the one transaction that applies its proposal, never racing an edit.

Design (issue 13): a regroup reads a consistent snapshot (one read
transaction) together with the version of the user's decisions
(``user_changes``, migration 7: triggers record every change to a name, a
hidden flag, a user link, a "not this person", a cannot-link and every
deleted person), computes its proposal without holding any lock, and then
applies it in ONE ``BEGIN IMMEDIATE`` transaction that first reads which
faces and people the user touched since the snapshot and drops every part
of the proposal that involves them:

* a face the user linked, moved or rejected since, or whose current person
  the user renamed, hid, merged, split or kept apart since, keeps its
  current link (it is neither cleared nor re-linked);
* no face joins a person touched since, nor a person that no longer exists;
* a face that no longer exists (its photo was re-analysed or forgotten) is
  skipped, so no insert can break a foreign key.

Why this rather than one writer queue: the edits stay where they are (one
short transaction each, through ``services.edits``), a regroup never blocks
the user for its seconds of clustering, and the conflict rule is checked
where it matters, inside the apply transaction, so it holds for any number
of connections and processes (the GUI, a CLI, a scan). Dropped parts are
picked up by the next regroup, computed from a snapshot that already holds
the edit. ``user_changes`` rows older than a day are pruned; a snapshot that
old is applied not at all.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from photosort.store.catalog import from_blob
from photosort.store.db import Database, IDS

PRUNE_AFTER_DAYS = 1.0


@dataclass
class Snapshot:
    """What a regroup computes from, read in one transaction."""

    version: int
    taken_at: float
    face_ids: np.ndarray
    photo_ids: np.ndarray
    X: np.ndarray
    links: dict[int, tuple[int, str]]
    names: dict[int, str | None]
    hidden: set[int]
    rejections: set[tuple[int, int]]
    apart: set[tuple[int, int]]


@dataclass
class Proposal:
    """A regroup's outcome: machine links cleared, (face, person) links, new people."""

    version: int
    taken_at: float
    cleared: Sequence[int] = ()
    links: Sequence[tuple[int, int]] = ()
    new_groups: Sequence[Sequence[int]] = ()


@dataclass
class Applied:
    """What :func:`apply_proposal` wrote and what it left out because of an edit since."""

    links: int = 0
    new_people: list[int] = field(default_factory=list)
    dropped_faces: int = 0
    dropped_links: int = 0
    dropped_groups: int = 0


def version(c) -> int:
    """The version of the user's decisions (0 before the first)."""
    row = c.execute("SELECT seq FROM sqlite_sequence WHERE name = 'user_changes'").fetchone()
    return int(row[0]) if row else 0


def face_arrays(rows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(face ids, photo ids, float32 embeddings) from (id, photo_id, embedding blob) rows.

    The blobs are joined and read by one ``np.frombuffer``: one array per face
    took 4 s of the 8 s live grouping start at 400k faces.
    """
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 128), np.float32)
    blobs = [r[2] for r in rows]
    width = len(blobs[0])
    if all(len(b) == width for b in blobs):
        X = np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), -1)
    else:  # mixed lengths: numpy's own message
        X = np.stack([from_blob(b) for b in blobs])
    return (np.fromiter((r[0] for r in rows), np.int64, len(rows)),
            np.fromiter((r[1] for r in rows), np.int64, len(rows)), X.astype(np.float32))


def read_snapshot(db: Database, model_id: str) -> Snapshot:
    """Embeddings, links, names, rejections and cannot-links as of one moment."""
    with db.read() as c:
        v = version(c)
        rows = c.execute("SELECT id, photo_id, embedding FROM faces WHERE model = ?"
                         " AND embedding IS NOT NULL ORDER BY id", (model_id,)).fetchall()
        links = {r[0]: (r[1], r[2]) for r in
                 c.execute("SELECT face_id, person_id, source FROM face_person")}
        people = c.execute("SELECT id, name, hidden FROM people").fetchall()
        rejections = {(r[0], r[1]) for r in c.execute("SELECT face_id, person_id FROM rejections")}
        apart = {(r[0], r[1]) for r in c.execute("SELECT person_a, person_b FROM cannot_link")}
    face_ids, photo_ids, X = face_arrays(rows)
    return Snapshot(version=v, taken_at=time.time(), face_ids=face_ids, photo_ids=photo_ids,
                    X=X, links=links,
                    names={r[0]: r[1] for r in people}, hidden={r[0] for r in people if r[2]},
                    rejections=rejections, apart=apart)


def changed_since(c, since: int) -> tuple[set[int], set[int]]:
    """(faces, people) the user touched after version ``since``."""
    rows = c.execute("SELECT person_id, face_id FROM user_changes WHERE version > ?",
                     (since,)).fetchall()
    return ({r[1] for r in rows if r[1] is not None}, {r[0] for r in rows if r[0] is not None})


def apply_proposal(db: Database, proposal: Proposal) -> Applied:
    """Write ``proposal`` in one transaction, leaving out what conflicts with a later edit."""
    out = Applied()
    now = time.time()
    mentioned = sorted({*proposal.cleared, *(f for f, _ in proposal.links),
                        *(f for g in proposal.new_groups for f in g)})
    with db.transaction() as c:
        c.execute("DELETE FROM user_changes WHERE created_at < julianday('now') - ?",
                  (PRUNE_AFTER_DAYS,))
        if now - proposal.taken_at > PRUNE_AFTER_DAYS * 86400:
            out.dropped_faces = len(mentioned)
            return out
        dirty_faces, dirty_people = changed_since(c, proposal.version)
        ids = json.dumps(mentioned)
        present = {r[0] for r in c.execute(f"SELECT id FROM faces WHERE id IN {IDS}", (ids,))}
        owner = {r[0]: (r[1], r[2]) for r in c.execute(
            f"SELECT face_id, person_id, source FROM face_person WHERE face_id IN {IDS}", (ids,))}
        as_proposed = {r[0] for r in c.execute(  # machine links the proposal would write again
            f"SELECT face_id FROM face_person WHERE face_id IN {IDS} AND source = 'ml'"
            " AND confirmed = 0", (ids,))}
        people = {r[0] for r in c.execute("SELECT id FROM people")}

        def free(f: int) -> bool:
            now_owner = owner.get(f)
            return (f in present and f not in dirty_faces
                    and (now_owner is None or (now_owner[1] == "ml"
                                               and now_owner[0] not in dirty_people)))

        links = []
        for f, p in proposal.links:
            if not free(f):
                out.dropped_faces += 1
            elif p in dirty_people or p not in people:
                out.dropped_links += 1
            else:
                links.append((f, p))
        groups, proposed = [], {f for f, _ in proposal.links}
        for group in proposal.new_groups:  # (a face is either linked or in a new group)
            kept = [f for f in group if free(f) and f not in proposed]
            out.dropped_faces += len(group) - len(kept)
            if len(kept) >= 2:
                groups.append(kept)
            else:
                out.dropped_groups += 1
        placed = {f for f, _ in links} | {f for g in groups for f in g}
        linked_elsewhere = {f for f, _ in proposal.links} - placed
        # A link that stays as it is is neither deleted nor written again: each write
        # runs migration 8's count triggers, and a full regroup keeps most links.
        same = {f for f, p in links if f in as_proposed and owner[f][0] == p}
        cleared = [f for f in proposal.cleared
                   if free(f) and f not in linked_elsewhere and f not in same]
        c.executemany("DELETE FROM face_person WHERE face_id = ? AND source = 'ml'",
                      [(f,) for f in cleared])
        rows = [(f, p) for f, p in links if f not in same]
        for group in groups:
            pid = int(c.execute("INSERT INTO people (name, created_at) VALUES (NULL, ?)",
                                (now,)).lastrowid)
            out.new_people.append(pid)
            rows.extend((f, pid) for f in group)
        c.executemany("INSERT INTO face_person (face_id, person_id, source, confirmed)"
                      " VALUES (?, ?, 'ml', 0) ON CONFLICT(face_id) DO UPDATE SET"
                      " person_id = excluded.person_id, source = 'ml', confirmed = 0"
                      " WHERE face_person.source = 'ml'", rows)
        out.links = len(rows) + len(same)
        if proposal.cleared:  # a (full) regroup may leave people empty
            c.execute("DELETE FROM people WHERE name IS NULL AND id NOT IN"
                      " (SELECT DISTINCT person_id FROM face_person)")
    return out
