"""Suggestions: "Is this Ann?" for faces that are probably a named person's but not theirs yet.

Candidates are unknown faces and faces of small unnamed groups (at most
``SMALL_GROUP`` faces). Each is asked about the one named person whose
centroid is nearest, when that distance is within the embedder's ``suggest``
band (``core.thresholds``); faces already rejected for that person ("No")
and faces of a group the user kept apart from the person are never asked.
A face of a photo the person is already in is still asked (after the
others): collages and "then and now" pictures show one person twice, and
on ``bollywood_actors`` 13 of the faces left over after the review were
such faces, 0.28–0.50 from their person's centroid. The list is ordered the way the
Review shows it: named people with the most faces first, each person's faces
nearest first, in pages of ``PAGE_SIZE``.

Answers go through :class:`~photosort.services.edits.PeopleEditor`, so each
is undoable: Yes is a user-confirmed link, No a remembered rejection, and
"Yes to all on this page" one edit that says Yes to the ticked faces and No
to the unticked ones.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from photosort.core.thresholds import thresholds_for
from photosort.services.edits import PeopleEditor
from photosort.services.review_state import ReviewState, load_state
from photosort.store.db import Database

SMALL_GROUP = 6
"""Faces of unnamed groups up to this size are asked one by one (larger groups are proposals).
benchmarks/bench_review.py, pages of 24, actions per 100 labelled faces with the Review on
bollywood_actors / blackpink, labels on the centre face (--truth centre) and on the face that is
clearly the person (--truth matched): groups up to 3 faces 27.8 / 155.4 and 12.1 / 160.3;
6: 26.7 / 153.9 and 9.3 / 159.0; 10: 28.3 / 155.5 and 9.3 / 158.6; 20: 30.1 / 149.7 and
8.7 / 158.8. 6 is the one that wins on both truths; five_celebrity is 9.4 / 6.8 throughout."""
KNN = 0  # measured on bollywood_actors: 3 gave 30.4 actions per 100 faces, 0 gave 30.2
PAGE_SIZE = 24
"""Faces per "Is this Ann?" page: three rows of the Review at the default window size. Same
benchmark, bollywood_actors, groups up to 3 faces: 12 per page 29.4 (centre) and 13.3 (matched),
24 per page 27.8 and 12.1."""
_BLOCK = 4096


@dataclass(frozen=True)
class Suggestion:
    """Face ``face_id`` is probably ``person_id`` (centroid ``distance`` away)."""

    face_id: int
    person_id: int
    distance: float
    photo_id: int
    current_person: int | None  # the small unnamed group it is in now, if any
    shares_photo: bool = False  # the person is already in this face's photo (asked last)


def suggestions(db: Database, model_id: str, *, state: ReviewState | None = None,
                person_id: int | None = None, band: float | None = None) -> list[Suggestion]:
    """Every open suggestion (for one person, or all), in the order the Review shows them.

    ``band`` (a distance) replaces the embedder's suggest band, also for the faces already
    answered No for their nearest person (``suggest_again``)."""
    st = state or load_state(db, model_id)
    t = thresholds_for(model_id)
    named = sorted((p for p, name in st.names.items()
                    if name and p not in st.hidden and p in st.members),
                   key=lambda p: (-len(st.members[p]), p))
    if person_id is not None:
        named = [p for p in named if p == person_id]
    if not named:
        return []
    groups = [p for p, m in st.members.items()
              if st.names.get(p) is None and len(m) <= SMALL_GROUP]
    small = (st.owner < 0) | np.isin(st.owner, np.array(groups, dtype=np.int64))
    candidates = np.flatnonzero(small)
    if not len(candidates):
        return []
    out: list[Suggestion] = []
    C = np.stack([st.centroid(p) for p in named]).astype(np.float32)
    photos = {p: st.photos_of(p) for p in named}
    again = band if band is not None else min(t.suggest, t.suggest_again)
    band = t.suggest if band is None else band
    for start in range(0, len(candidates), _BLOCK):
        rows = candidates[start:start + _BLOCK]
        d = _distances(st, named, st.X[rows], C)
        nearest = np.argmin(d, axis=1)
        # Only faces with someone within the band are looked at, each nearest first; a full
        # sort of every row was most of the time on 100k faces (bench_review_speed.py).
        for r in np.flatnonzero(d[np.arange(len(rows)), nearest] <= band).tolist():
            i = int(rows[r])
            face, owner = int(st.face_ids[i]), int(st.owner[i])
            cols = [int(nearest[r])]
            if not _allowed(st, face, owner, named[cols[0]]):
                # "No" for the nearest person: the next nearest only if close (``suggest_again``).
                # With the whole band, lfw-dev's one-photo strangers were asked about person
                # after person: 22,934 actions against 3,544 (bench_review.py --effort-on-lfw)
                inside = np.flatnonzero(d[r] <= again)
                cols = inside[np.argsort(d[r, inside], kind="stable")].tolist()
            for col in cols:
                p = named[col]
                if _allowed(st, face, owner, p):
                    photo = int(st.photo_ids[i])
                    out.append(Suggestion(face, p, float(d[r, col]), photo,
                                          owner if owner >= 0 else None, photo in photos[p]))
                    break  # each face is asked about one person: the nearest allowed
    rank = {p: k for k, p in enumerate(named)}
    out.sort(key=lambda s: (rank[s.person_id], s.shares_photo, s.distance, s.face_id))
    return out


def _distances(st: ReviewState, named: list[int], Y: np.ndarray, C: np.ndarray) -> np.ndarray:
    """(faces × people): the nearer of a person's centroid (rows of ``C``) and their
    ``KNN``-th nearest face.

    A person photographed over decades is several clumps; the centroid lies
    between them, but a face of one clump is near its members.
    """
    y2 = np.einsum("ij,ij->i", Y, Y)[:, None]
    d = np.sqrt(np.maximum(y2 + np.einsum("ij,ij->i", C, C)[None, :] - 2.0 * Y @ C.T, 0.0))
    if KNN <= 0:
        return d
    for col, p in enumerate(named):
        M = st.X[st.members[p]]
        k = min(KNN, len(M)) - 1
        dm = np.sqrt(np.maximum(y2 + np.einsum("ij,ij->i", M, M)[None, :] - 2.0 * Y @ M.T, 0.0))
        d[:, col] = np.minimum(d[:, col], np.partition(dm, k, axis=1)[:, k])
    return d


def _allowed(st: ReviewState, face: int, owner: int, person: int) -> bool:
    if (face, person) in st.rejections:
        return False
    return owner < 0 or (min(owner, person), max(owner, person)) not in st.apart


def pages(items: Sequence[Suggestion], size: int = PAGE_SIZE) -> list[list[Suggestion]]:
    """The Review's pages: one person's suggestions at a time, ``size`` per page."""
    by_person: dict[int, list[Suggestion]] = defaultdict(list)
    for s in items:
        by_person[s.person_id].append(s)
    out = []
    for person_items in by_person.values():
        out.extend(person_items[i:i + size] for i in range(0, len(person_items), size))
    return out


def _by_person(items: Iterable[Suggestion]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for s in items:
        out[s.person_id].append(s.face_id)
    return out


def accept(editor: PeopleEditor, items: Iterable[Suggestion]) -> None:
    """Yes: each face becomes a user-confirmed face of its suggested person (one edit per person)."""
    for person, faces in _by_person(items).items():
        editor.move_faces(faces, person)


def reject(editor: PeopleEditor, items: Iterable[Suggestion]) -> None:
    """No: remembered, so the face is never suggested for that person again."""
    for person, faces in _by_person(items).items():
        editor.reject_faces(faces, person)


def answer_page(editor: PeopleEditor, page: Sequence[Suggestion], unticked: Iterable[int] = ()) -> None:
    """"Yes to all on this page": Yes to every ticked face, No to the unticked ``face_id``s
    (one undoable edit per person; a page holds one person)."""
    off = set(unticked)
    for person, faces in _by_person(page).items():
        editor.answer(person, [f for f in faces if f not in off], [f for f in faces if f in off])
