"""Merge proposals: "Same person?" for two people whose groups are close.

A pair is proposed when the centroids of the two people's faces are within
the embedder's ``propose`` distance (``core.thresholds``), most likely (the
closest) first. Never proposed: two named people (the user told them apart
by naming them), a pair the user kept apart ("No"), hidden people, and two
people who share a photo (two faces of one photo are two people). Each
proposal carries the face of each person nearest to the other, shown side
by side, and a few more of each for a closer look.

Yes merges through :class:`~photosort.services.edits.PeopleEditor` (undoable);
the named person survives, or else the larger. No records a cannot-link
(also undoable) that every later regroup honours (``services.cluster``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from photosort.core.thresholds import thresholds_for
from photosort.services.edits import PeopleEditor
from photosort.services.review_state import ReviewState, load_state
from photosort.store.db import Database

MORE_FACES = 4
_BLOCK = 2048


@dataclass(frozen=True)
class Proposal:
    """People ``a`` and ``b`` may be one person (centroids ``distance`` apart)."""

    a: int
    b: int
    distance: float
    face_a: int                # a's face nearest b's centroid
    face_b: int                # b's face nearest a's centroid
    more_a: tuple[int, ...]    # a few more faces of each, nearest first
    more_b: tuple[int, ...]


def proposals(db: Database, model_id: str, *, state: ReviewState | None = None,
              band: float | None = None) -> list[Proposal]:
    """Every open proposal, most likely first."""
    st = state or load_state(db, model_id)
    band = thresholds_for(model_id).propose if band is None else band
    people = sorted(p for p in st.members if p not in st.hidden)
    if len(people) < 2:
        return []
    C = np.stack([st.centroid(p) for p in people]).astype(np.float32)
    c2 = np.einsum("ij,ij->i", C, C)
    named = np.array([bool(st.names.get(p)) for p in people])
    found = []
    for start in range(0, len(people), _BLOCK):
        d2 = c2[start:start + _BLOCK, None] + c2[None, :] - 2.0 * C[start:start + _BLOCK] @ C.T
        for a, b in zip(*np.nonzero(d2 <= band * band)):
            a = start + int(a)
            if a < b and not (named[a] and named[b]):
                found.append((float(np.sqrt(max(d2[a - start, b], 0.0))), a, int(b)))
    found.sort()
    photos: dict[int, set[int]] = {}
    out = []
    for dist, i, j in found:
        a, b = people[i], people[j]
        if (a, b) in st.apart:
            continue
        pa = photos.setdefault(a, st.photos_of(a))
        pb = photos.setdefault(b, st.photos_of(b))
        if not pa.isdisjoint(pb):
            continue
        more_a, more_b = _nearest(st, a, C[j]), _nearest(st, b, C[i])
        out.append(Proposal(a, b, dist, more_a[0], more_b[0], more_a[1:], more_b[1:]))
    return out


def _nearest(st: ReviewState, person: int, to: np.ndarray) -> tuple[int, ...]:
    rows = st.members[person]
    d = np.linalg.norm(st.X[rows] - to, axis=1)
    return tuple(int(st.face_ids[rows[k]]) for k in np.argsort(d, kind="stable")[:1 + MORE_FACES])


def survivor(db: Database, proposal: Proposal) -> tuple[int, int]:
    """(target, source) of a Yes: the named person survives, else the one with more faces."""
    rows = {r["id"]: r for r in db.query(
        "SELECT p.id, p.name, (SELECT COUNT(*) FROM face_person fp WHERE fp.person_id = p.id) AS n"
        " FROM people p WHERE p.id IN (?, ?)", (proposal.a, proposal.b))}
    a, b = rows[proposal.a], rows[proposal.b]
    if bool(a["name"]) != bool(b["name"]):
        return (proposal.a, proposal.b) if a["name"] else (proposal.b, proposal.a)
    return (proposal.a, proposal.b) if a["n"] >= b["n"] else (proposal.b, proposal.a)


def accept(db: Database, editor: PeopleEditor, proposal: Proposal) -> int:
    """Yes: merge the two people (undoable); returns the surviving person's id."""
    target, source = survivor(db, proposal)
    editor.merge(target, [source])
    return target


def reject(editor: PeopleEditor, proposal: Proposal) -> None:
    """No: the two are kept apart by every later regroup and never proposed again."""
    editor.keep_apart(proposal.a, proposal.b)
