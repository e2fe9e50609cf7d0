"""Group faces into people, keeping everything the user decided.

Faces the user placed, and faces of people the user named or hid, are fixed:
no re-clustering moves them, so names and hidden people are never lost. Other faces first join an
existing person whose centroid is close enough (without renaming anyone),
then the rest are clustered with HDBSCAN; new clusters are matched to the
unnamed people they overlap most, so ids stay stable from run to run.
"Not this person" pairs are honoured, and two faces of one photo are never
the same person. People the user kept apart ("Same person? No") stay apart:
no face of one joins the other, and a cluster holding faces of both is split
(``core.constraints``). Children's faces join a known person only when very
close, and children's groups are cut strictly (``core.childness``).
Thresholds come per embedder from ``core.thresholds``;
after every update the automatic cover faces are chosen again
(``services.cover``).

Edits never race grouping: the proposal is computed from a snapshot and
applied in one transaction that drops every part conflicting with an edit
made meanwhile (the design and why: :mod:`photosort.store.regroup`). While a
scan runs, new faces are grouped incrementally on a thread of their own
(:mod:`photosort.services.live_grouping`); this full recipe runs at its end.
"""

from __future__ import annotations

import importlib
import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable

import numpy as np

from photosort.core.childness import join_limits
from photosort.core.constraints import kept_apart_rejections, split_kept_apart
from photosort.core.grouping import GroupingParams, group_faces
from photosort.core.thresholds import thresholds_for
from photosort.services.cover import refresh_covers
from photosort.store.db import Database
from photosort.store.people import PeopleStore
from photosort.store.regroup import Proposal, Snapshot, apply_proposal, read_snapshot


_DEFAULT = GroupingParams()
_PREWARM_MODULES = ("scipy.sparse.csgraph", "hdbscan")
_prewarm_lock = threading.Lock()
_prewarm_thread: threading.Thread | None = None


def prewarm_clustering(faces: int = 0) -> None:
    """Import the clustering libraries in a background thread (once per process).

    ``hdbscan`` (with scikit-learn) takes about 2 s to import; a scan calls this
    once its first photo is analysed (the workers are up by then), so that
    grouping at its end does not wait for the import. A catalog of ``faces``
    that the regroup will cluster with fast_hdbscan (``AUTO_FAST_FROM``) also
    imports it and numba: 27 s of a 400k-face regroup on a busy 2-core machine.
    """
    from photosort.core.clustering import AUTO_FAST_FROM

    global _prewarm_thread
    modules = _PREWARM_MODULES + (("fast_hdbscan",) if faces >= AUTO_FAST_FROM else ())
    with _prewarm_lock:
        if _prewarm_thread is None:
            _prewarm_thread = threading.Thread(target=_import_all, args=(modules,),
                                               name="prewarm-clustering", daemon=True)
            _prewarm_thread.start()


def _import_all(modules: tuple[str, ...] = _PREWARM_MODULES) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # the real import, when clustering runs, reports the problem
            return


@dataclass(frozen=True)
class ClusterSettings:
    """How faces are grouped (see :class:`GroupingParams`) and how close a face
    must be to a known person's centroid to join them."""

    min_cluster_size: int = _DEFAULT.min_cluster_size
    min_samples: int = _DEFAULT.min_samples
    epsilon: float = _DEFAULT.epsilon
    link_threshold: float = _DEFAULT.link_threshold
    backend: str = _DEFAULT.backend
    merge_threshold: float = _DEFAULT.merge_threshold
    join_threshold: float = thresholds_for(None).auto
    cohesion: float = _DEFAULT.cohesion
    keep_photos_apart: bool = _DEFAULT.keep_photos_apart
    child_score: float = _DEFAULT.child_score
    child_cut: float = _DEFAULT.child_cut
    embedder: str = _DEFAULT.embedder

    @classmethod
    def for_model(cls, model_id: str | None) -> "ClusterSettings":
        """The settings measured for ``model_id``'s embedder (``core.thresholds``)."""
        g, t = GroupingParams.for_model(model_id), thresholds_for(model_id)
        return cls(epsilon=g.epsilon, link_threshold=g.link_threshold,
                   merge_threshold=g.merge_threshold, cohesion=g.cohesion, join_threshold=t.auto,
                   child_score=g.child_score, child_cut=g.child_cut, embedder=g.embedder)

    @property
    def grouping(self) -> GroupingParams:
        return GroupingParams(min_cluster_size=self.min_cluster_size,
                              min_samples=self.min_samples, epsilon=self.epsilon,
                              link_threshold=self.link_threshold, backend=self.backend,
                              merge_threshold=self.merge_threshold, cohesion=self.cohesion,
                              keep_photos_apart=self.keep_photos_apart,
                              child_score=self.child_score, child_cut=self.child_cut,
                              embedder=self.embedder)


@dataclass(frozen=True)
class ClusterResult:
    """Counts after an update."""

    faces: int
    joined: int
    clustered: int
    noise: int
    people: int
    dropped: int = 0
    """Faces and links of the proposal left out because the user edited them meanwhile."""


def update_people(db: Database, model_id: str, settings: ClusterSettings | None = None, *,
                  full: bool = False,
                  before_apply: Callable[[], None] | None = None) -> ClusterResult:
    """Assign faces to people. ``full`` re-clusters every face not fixed by the user.

    The proposal is computed from a snapshot and applied in one transaction that
    keeps every edit made meanwhile (:mod:`photosort.store.regroup`);
    ``before_apply`` runs between the two (tests make edits there).
    """
    settings = settings or ClusterSettings.for_model(model_id)
    people = PeopleStore(db)
    snap = read_snapshot(db, model_id)
    if not len(snap.face_ids):
        people.drop_empty_unnamed()
        return ClusterResult(0, 0, 0, 0, len(people.list()))
    proposal, counts = propose(snap, settings, full=full)
    if before_apply is not None:
        before_apply()
    applied = apply_proposal(db, proposal)
    refresh_covers(db)
    return ClusterResult(faces=len(snap.face_ids), people=len(people.list()),
                         dropped=applied.dropped_faces + applied.dropped_links, **counts)


def propose(snap: Snapshot, settings: ClusterSettings, *, full: bool) -> tuple[Proposal, dict]:
    """The regroup's proposal from ``snap`` (no database access) and its counts."""
    from photosort.core.clustering import match_clusters

    face_ids, photo_ids, X, links, names = snap.face_ids, snap.photo_ids, snap.X, snap.links, snap.names
    apart = snap.apart
    rejected = snap.rejections | kept_apart_rejections(links, apart)

    def is_fixed(person: int, source: str) -> bool:
        return (source == "user" or names.get(person) is not None or person in snap.hidden
                or not full)

    fixed = {f: p for f, (p, src) in links.items() if is_fixed(p, src)}
    free = np.array([i for i, f in enumerate(face_ids) if int(f) not in fixed], dtype=int)
    occupied = {(p, int(photo_ids[i])) for i, f in enumerate(face_ids)
                if (p := fixed.get(int(f))) is not None}

    limits = join_limits(X[free], settings.join_threshold, embedder=settings.embedder,
                         child_score=settings.child_score, cut=settings.child_cut)
    joined = _join_known(X, face_ids, photo_ids, fixed, free, rejected, occupied, limits)
    rest = np.array([i for i in free if int(face_ids[i]) not in joined], dtype=int)
    new_links: list[tuple[int, int]] = list(joined.items())
    new_groups: list[list[int]] = []
    n_clustered = 0
    if len(rest):
        labels = group_faces(X[rest], photo_ids[rest], settings.grouping)
        old = [links.get(int(face_ids[i]), (None, ""))[0] for i in rest]
        labels = split_kept_apart(X[rest], labels, old, apart)
        mapping = match_clusters(labels, old)
        groups: dict[int, list[int]] = defaultdict(list)
        for i, label in zip(rest, labels):
            if label >= 0:
                groups[int(label)].append(int(face_ids[i]))
        for label, members in groups.items():
            person = mapping.get(label)
            if person is None:
                new_groups.append(members)
            else:
                new_links.extend((f, person) for f in members if (f, person) not in rejected)
            n_clustered += len(members)
    proposal = Proposal(version=snap.version, taken_at=snap.taken_at,
                        cleared=[int(face_ids[i]) for i in free], links=new_links,
                        new_groups=new_groups)
    return proposal, dict(joined=len(joined), clustered=n_clustered,
                          noise=len(rest) - n_clustered)


def _join_known(X: np.ndarray, face_ids: np.ndarray, photo_ids: np.ndarray,
                fixed: dict[int, int], free: np.ndarray, rejected: set[tuple[int, int]],
                occupied: set[tuple[int, int]], threshold: np.ndarray) -> dict[int, int]:
    """Free faces closer to a known person's centroid than their ``threshold`` join that person."""
    if len(free) == 0 or not fixed:
        return {}
    index = {int(f): i for i, f in enumerate(face_ids)}
    by_person: dict[int, list[int]] = defaultdict(list)
    for f, p in fixed.items():
        if f in index:
            by_person[p].append(index[f])
    if not by_person:  # no known face has an embedding from this model yet
        return {}
    persons = sorted(by_person)
    centroids = np.stack([X[by_person[p]].mean(axis=0) for p in persons])
    candidates = []
    c2 = (centroids ** 2).sum(1)
    for start in range(0, len(free), 4096):
        block = X[free[start:start + 4096]]
        d2 = (block ** 2).sum(1)[:, None] + c2[None, :] - 2.0 * block @ centroids.T
        for a, b in zip(*np.nonzero(d2 <= threshold[start:start + 4096, None] ** 2)):
            candidates.append((float(d2[a, b]), start + int(a), int(b)))
    joined: dict[int, int] = {}
    taken = set(occupied)
    for dist, a, b in sorted(candidates):
        face, person, photo = int(face_ids[free[a]]), persons[b], int(photo_ids[free[a]])
        if face in joined or (face, person) in rejected or (person, photo) in taken:
            continue
        joined[face] = person
        taken.add((person, photo))
    return joined
