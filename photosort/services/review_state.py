"""What the review reads at once: descriptors, who owns each face, names, photos, decisions.

Suggestions and proposals are computed from one consistent :class:`ReviewState`
(read in a few queries), so a library of 100k faces costs a few blocked
matrix products, not a query per face.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from photosort.store.db import Database
from photosort.store.review import ReviewStore


@dataclass
class ReviewState:
    """Every face with a descriptor of one model, and the people and decisions around them."""

    face_ids: np.ndarray            # (n,)
    photo_ids: np.ndarray           # (n,)
    X: np.ndarray                   # (n, d) float32
    owner: np.ndarray               # (n,) person id, -1 = unknown
    names: dict[int, str | None]
    hidden: set[int]
    rejections: set[tuple[int, int]]
    apart: set[tuple[int, int]]
    members: dict[int, np.ndarray] = field(default_factory=dict)  # person → row indices
    _centroids: dict[int, np.ndarray] | None = field(default=None, repr=False)

    def centroid(self, person: int) -> np.ndarray:
        return self.all_centroids()[person]

    def all_centroids(self) -> dict[int, np.ndarray]:
        """person → mean descriptor, computed for everyone at once (one sort, one reduceat)."""
        if self._centroids is None:
            known = np.flatnonzero(self.owner >= 0)
            order = known[np.argsort(self.owner[known], kind="stable")]
            owners = self.owner[order]
            if len(order) == 0:
                self._centroids = {}
            else:
                starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
                sums = np.add.reduceat(self.X[order], starts, axis=0, dtype=np.float64)
                counts = np.diff(np.r_[starts, len(order)])
                means = (sums / counts[:, None]).astype(np.float32)
                self._centroids = dict(zip(owners[starts].tolist(), means))
        return self._centroids

    def photos_of(self, person: int) -> set[int]:
        return set(self.photo_ids[self.members[person]].tolist())


def catalog_model(db: Database) -> str | None:
    """The embedder model most of the catalog's descriptors come from (``None`` without faces).

    The GUI asks this instead of the analysis settings, whose module imports the detector.
    """
    rows = db.query("SELECT model FROM faces WHERE embedding IS NOT NULL GROUP BY model"
                    " ORDER BY COUNT(*) DESC, model LIMIT 1")
    return rows[0]["model"] if rows else None


def load_state(db: Database, model_id: str) -> ReviewState:
    """Read the review's inputs for descriptors of ``model_id``."""
    rows = db.query("SELECT f.id, f.photo_id, f.embedding, fp.person_id FROM faces f"
                    " LEFT JOIN face_person fp ON fp.face_id = f.id"
                    " WHERE f.model = ? AND f.embedding IS NOT NULL ORDER BY f.id", (model_id,))
    n = len(rows)
    X = (np.frombuffer(b"".join(r["embedding"] for r in rows), dtype="<f4").reshape(n, -1)
         if n else np.zeros((0, 128), np.float32))
    owner = np.array([r["person_id"] if r["person_id"] is not None else -1 for r in rows],
                     dtype=np.int64)
    people = db.query("SELECT id, name, hidden FROM people")
    members: dict[int, list[int]] = defaultdict(list)
    for i, p in enumerate(owner.tolist()):
        if p >= 0:
            members[p].append(i)
    return ReviewState(
        face_ids=np.array([r["id"] for r in rows], dtype=np.int64),
        photo_ids=np.array([r["photo_id"] for r in rows], dtype=np.int64),
        X=np.ascontiguousarray(X, dtype=np.float32), owner=owner,
        names={r["id"]: r["name"] for r in people},
        hidden={r["id"] for r in people if r["hidden"]},
        rejections={(r[0], r[1]) for r in db.query("SELECT face_id, person_id FROM rejections")},
        apart=ReviewStore(db).cannot_links(),
        members={p: np.array(v, dtype=np.int64) for p, v in members.items()})
