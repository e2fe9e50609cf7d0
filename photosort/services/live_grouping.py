"""Group the faces a running scan finds, on a thread of its own, at a cost set by the new faces.

:class:`IncrementalGrouper` keeps every face's embedding in a growing
nearest-neighbour index (:class:`~photosort.core.face_index.FaceIndex`),
loaded once. Each :meth:`~IncrementalGrouper.step` reads only the faces
added since the last one and

* lets each join the person most of its ``VOTE_K`` nearest faces (within the
  embedder's ``auto`` distance) belong to; a confirmed or user-placed face
  is an anchor and counts twice, and the winner needs ``MIN_VOTES`` and half
  of the votes cast. Failing that, a person with a face among its neighbours
  (within ``suggest``) whose centroid is within ``auto`` (the full regroup's
  rule: for people of a few faces the centroid is the better estimate).
  Never a person the face was rejected from ("not this person"), never one
  already in the face's photo. Neighbours first, not centroids only: a
  person of 20k faces taken over 30 years is not one blob. Centroids are
  kept per person, moved as a running mean by a step's joins and recomputed
  for the people an edit changed;
* clusters the rest only together with their ``VOTE_K`` nearest unassigned
  faces (the local pool: near ones to join, far ones give HDBSCAN contrast;
  in a big catalog only the near ones, ``POOL_REACH``) with the whole grouping
  recipe (``core.grouping``); a cluster holding a new face becomes a new
  unnamed person.

Its database reads are the new faces and the links, rejections and
occupied photos of the faces involved, so a step costs about the same at
400k faces as at 4k. The proposal is applied like every regroup's
(:mod:`photosort.store.regroup`), so an edit made meanwhile wins. A face
whose id was reused (the highest faces deleted, then new ones written) is
left to the full regroup that ends every scan.

:class:`~photosort.services.live_thread.LiveGrouper` runs the steps on a
thread and database connection of their own.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable

import numpy as np

from photosort.core.childness import join_limits
from photosort.core.face_index import FaceIndex
from photosort.core.grouping import group_faces
from photosort.core.thresholds import thresholds_for
from photosort.services.cluster import ClusterSettings
from photosort.store.db import Database, IDS
from photosort.store.regroup import Proposal, apply_proposal, face_arrays, version

VOTE_K = 10
MIN_VOTES = 1.0
POOL_REACH = 0.8
"""In a catalog of more than ``POOL_REACH_FROM`` faces, unassigned neighbours farther than
this share of ``suggest`` stay out of a step's pool: with all ``VOTE_K`` of them, 500 new
strangers among 200k unknown faces made a pool of 5,500 faces and a 7.6 s step at 400k
(``bench_scale.py``; 1.3 s without); the full regroup that ends the scan sees every face.
In a small catalog the far neighbours are the contrast HDBSCAN needs to find the first
people of a scan at all (``tests/test_gui_scan.py``), and they are few."""
POOL_REACH_FROM = 20_000


@dataclass(frozen=True)
class StepResult:
    """What one incremental step did."""

    new_faces: int = 0
    joined: int = 0
    grouped: int = 0
    new_people: int = 0
    dropped: int = 0


class IncrementalGrouper:
    """Groups new faces by their nearest known faces; see the module docstring."""

    def __init__(self, db: Database, model_id: str, settings: ClusterSettings | None = None, *,
                 known_up_to: int | None = None) -> None:
        """``known_up_to``: faces with a higher id are new to the first step (default: none)."""
        self.db, self.model_id = db, model_id
        self.settings = settings or ClusterSettings.for_model(model_id)
        self.last_id = 0
        self._faces = np.zeros(0, dtype=np.int64)
        self._photos = np.zeros(0, dtype=np.int64)
        ids, photos, X = self._read_new(known_up_to)
        self.index = FaceIndex(X if len(X) else np.zeros((0, 128), np.float32))
        self._remember(ids, photos)
        if known_up_to is not None:
            self.last_id = known_up_to
        self._centroids: dict[int, np.ndarray] = {}
        self._sizes: dict[int, int] = {}
        with db.read() as c:
            self._seen_version = version(c)
        self._refresh_centroids(None)

    def pending(self) -> int:
        """How many faces were added since the last step (one indexed count)."""
        return int(self.db.query("SELECT COUNT(*) FROM faces WHERE id > ? AND model = ?"
                                 " AND embedding IS NOT NULL", (self.last_id, self.model_id))[0][0])

    def _read_new(self, up_to: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = self.db.query("SELECT id, photo_id, embedding FROM faces WHERE id > ? AND id <= ?"
                             " AND model = ? AND embedding IS NOT NULL ORDER BY id",
                             (self.last_id, (1 << 62) if up_to is None else up_to, self.model_id))
        return face_arrays(rows)

    def _remember(self, ids: np.ndarray, photos: np.ndarray) -> None:
        self._faces = np.concatenate([self._faces, ids])
        self._photos = np.concatenate([self._photos, photos])
        if len(ids):
            self.last_id = int(ids.max())

    def _refresh_centroids(self, persons: set[int] | None) -> None:
        """Recompute the centroids of ``persons`` (all when ``None``) from their faces now."""
        where, args = ("", ()) if persons is None else (f" WHERE person_id IN {IDS}",
                                                        (json.dumps(sorted(persons)),))
        rows = self.db.query("SELECT face_id, person_id FROM face_person" + where, args)
        for p in persons or ():
            self._centroids.pop(p, None)
            self._sizes.pop(p, None)
        if not rows or not len(self._faces):
            return
        faces = np.array([r[0] for r in rows], dtype=np.int64)
        owner = np.array([r[1] for r in rows], dtype=np.int64)
        at = np.minimum(np.searchsorted(self._faces, faces), len(self._faces) - 1)
        known = self._faces[at] == faces
        at, owner = at[known], owner[known]
        order = np.argsort(owner, kind="stable")
        at, owner = at[order], owner[order]
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        for a, b in zip(starts, np.r_[starts[1:], len(owner)]):
            self._centroids[int(owner[a])] = self.index.vectors(at[a:b]).mean(axis=0)
            self._sizes[int(owner[a])] = int(b - a)

    def _grow_centroids(self, links: list[tuple[int, int]], vectors: dict[int, np.ndarray],
                        new_people: set[int]) -> None:
        """Move the centroids of the people ``links`` joined by the new faces (a
        running mean: re-reading a 24k-face person's faces was 0.5 s a step);
        new people's centroids are computed from their faces."""
        unknown = set(new_people)
        for face, person in links:
            centre, size = self._centroids.get(person), self._sizes.get(person, 0)
            if centre is None or not size:
                unknown.add(person)
                continue
            self._centroids[person] = centre + (vectors[face] - centre) / (size + 1)
            self._sizes[person] = size + 1
        if unknown:
            self._refresh_centroids(unknown)

    def step(self, before_apply: Callable[[], None] | None = None) -> StepResult:
        """Group the faces added since the last step (``before_apply``: for tests)."""
        with self.db.read() as c:
            since = version(c)
            taken_at = time.time()
            edited = {r[0] for r in c.execute("SELECT person_id FROM user_changes WHERE version > ?"
                                              " AND person_id IS NOT NULL", (self._seen_version,))}
        if edited:
            self._refresh_centroids(edited)
        self._seen_version = since
        ids, photos, X = self._read_new()
        if not len(ids):
            return StepResult()
        rows = self.index.add(X)
        self._remember(ids, photos)
        near, dist = self.index.query(X, VOTE_K + 1)
        near_faces = np.where(near >= 0, self._faces[np.maximum(near, 0)], -1)
        owners, rejected, occupied = self._decisions(ids, photos, near_faces)
        st = self.settings  # a child's face joins only when very close (core.childness)
        limits = join_limits(X, st.join_threshold, embedder=st.embedder,
                             child_score=st.child_score, cut=st.child_cut)
        reach = (thresholds_for(self.model_id).suggest * POOL_REACH
                 if len(self.index) > POOL_REACH_FROM else np.inf)
        links, pool = [], set()
        for i, (face, photo) in enumerate(zip(ids.tolist(), photos.tolist())):
            limit = float(limits[i])
            person = self._vote(face, photo, near_faces[i], dist[i], owners, rejected, occupied, limit)
            if person is None:
                person = self._nearest_centroid(face, photo, X[i], near_faces[i], dist[i], owners,
                                                rejected, occupied, limit)
            if person is not None:
                links.append((face, person))
                occupied.add((person, photo))
                continue
            pool.add(int(rows[i]))
            pool.update(int(r) for r, f, d in zip(near[i], near_faces[i], dist[i])
                        if r >= 0 and f not in owners and d <= reach)
        joined = {f for f, _ in links}
        pool = {r for r in pool if int(self._faces[r]) not in joined}
        groups = self._cluster_pool(sorted(pool), set(ids.tolist()) - joined)
        proposal = Proposal(version=since, taken_at=taken_at, links=links, new_groups=groups)
        if before_apply is not None:
            before_apply()
        applied = apply_proposal(self.db, proposal)
        self._grow_centroids(links, dict(zip(ids.tolist(), X)), set(applied.new_people))
        return StepResult(new_faces=len(ids), joined=len(links), grouped=sum(map(len, groups)),
                          new_people=len(applied.new_people),
                          dropped=applied.dropped_faces + applied.dropped_links)

    def _decisions(self, ids: np.ndarray, photos: np.ndarray, near_faces: np.ndarray):
        """Owners of the faces involved, the new faces' rejections, people in their photos."""
        involved = json.dumps(sorted({int(f) for f in near_faces.ravel() if f >= 0} | set(ids.tolist())))
        new = json.dumps(ids.tolist())
        with self.db.read() as c:
            owners = {r[0]: (r[1], r[2] == "user" or bool(r[3])) for r in c.execute(
                f"SELECT face_id, person_id, source, confirmed FROM face_person"
                f" WHERE face_id IN {IDS}", (involved,))}
            rejected = {(r[0], r[1]) for r in c.execute(
                f"SELECT face_id, person_id FROM rejections WHERE face_id IN {IDS}", (new,))}
            occupied = {(r[0], r[1]) for r in c.execute(
                f"SELECT fp.person_id, f.photo_id FROM face_person fp JOIN faces f"
                f" ON f.id = fp.face_id WHERE f.photo_id IN {IDS}",
                (json.dumps(sorted(set(photos.tolist()))),))}
        return owners, rejected, occupied

    @staticmethod
    def _vote(face: int, photo: int, near: np.ndarray, dist: np.ndarray, owners: dict,
              rejected: set, occupied: set, limit: float) -> int | None:
        """The person most of the face's near neighbours belong to, if the rules allow."""
        weights: dict[int, float] = defaultdict(float)
        for f, d in zip(near.tolist(), dist.tolist()):
            if f == face or f < 0:
                continue
            if d > limit:
                break
            if (own := owners.get(f)) is not None:
                weights[own[0]] += 2.0 if own[1] else 1.0
        total = sum(weights.values())
        for person, w in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0])):
            if w < MIN_VOTES or 2 * w < total:
                return None
            if (face, person) not in rejected and (person, photo) not in occupied:
                return person
        return None

    def _nearest_centroid(self, face: int, photo: int, x: np.ndarray, near: np.ndarray,
                          dist: np.ndarray, owners: dict, rejected: set, occupied: set,
                          limit: float) -> int | None:
        """Else the person with a face among the neighbours (within ``suggest``) whose
        centroid is within ``limit`` (``auto``, or the children's cut): the full regroup's
        rule, for people of few faces."""
        reach = thresholds_for(self.model_id).suggest
        candidates = {owners[f][0] for f, d in zip(near.tolist(), dist.tolist())
                      if d <= reach and f in owners and f != face}
        best = None
        for person in sorted(candidates):
            centre = self._centroids.get(person)
            if centre is None or (face, person) in rejected or (person, photo) in occupied:
                continue
            d = float(np.linalg.norm(centre - x))
            if d <= limit and (best is None or d < best[0]):
                best = (d, person)
        return None if best is None else best[1]

    def _cluster_pool(self, pool: list[int], new: set[int]) -> list[list[int]]:
        """New people from the local pool: clusters that hold at least one new face."""
        if len(pool) < 2:
            return []
        rows = np.array(pool)
        X, photos = self.index.vectors(rows), self._photos[rows]
        labels = group_faces(X, photos, self.settings.grouping)
        groups: dict[int, list[int]] = defaultdict(list)
        for r, label in zip(rows.tolist(), labels.tolist()):
            if label >= 0:
                groups[label].append(int(self._faces[r]))
        return [g for g in groups.values() if new.intersection(g)]

