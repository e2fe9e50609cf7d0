"""What the review reads at once: descriptors, who owns each face, names, photos, decisions.

Suggestions and proposals are computed from one consistent :class:`ReviewState`
(read in a few queries), so a library of 100k faces costs a few blocked
matrix products, not a query per face.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field

import numpy as np

from photosort.core.constraints import members_by_label
from photosort.store.db import Database
from photosort.store.review import ReviewStore

CENTROID_ROWS = 65536  # faces summed at a time for the people's centroids
CHUNK = 8192  # rows converted at a time: the only Python objects a load holds per face


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
            self._centroids = {}
            if len(order) == 0:
                return self._centroids
            starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
            ends = np.r_[starts[1:], len(order)]
            # blocks of whole people, ~CENTROID_ROWS rows each: the same sums person by
            # person as one reduceat over every row, without a float64 copy of all of X
            # (400k faces: 200 MB more than X itself)
            first = 0
            while first < len(starts):
                last = max(first + 1, int(np.searchsorted(ends, starts[first] + CENTROID_ROWS,
                                                          side="right")))
                lo, hi = starts[first], ends[last - 1]
                sums = np.add.reduceat(self.X[order[lo:hi]], starts[first:last] - lo, axis=0,
                                       dtype=np.float64)
                counts = ends[first:last] - starts[first:last]
                means = (sums / counts[:, None]).astype(np.float32)
                self._centroids.update(zip(owners[starts[first:last]].tolist(), means))
                first = last
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
    """Read the review's inputs for descriptors of ``model_id``.

    The faces are streamed from one read transaction ``CHUNK`` rows at a time into arrays
    allocated once (their size from the ``faces_model`` index), so reading 400k faces
    holds 400k float32 descriptors and three int64 columns (~210 MB), never 400k Python
    rows and their blobs besides (~800 MB, which also kept the garbage collector busy
    walking them while the window scrolled).
    """
    # one snapshot for the count and the rows (inside a caller's transaction: that one)
    with nullcontext(db.conn) if db.conn.in_transaction else db.read() as conn:
        bound = conn.execute("SELECT COUNT(*) FROM faces WHERE model = ?", (model_id,)).fetchone()[0]
        cur = conn.execute("SELECT f.id, f.photo_id, fp.person_id, f.embedding FROM faces f"
                           " LEFT JOIN face_person fp ON fp.face_id = f.id"
                           " WHERE f.model = ? AND f.embedding IS NOT NULL ORDER BY f.id",
                           (model_id,))
        cols = np.zeros((bound, 3), dtype=np.int64)
        X: np.ndarray | None = None
        n = 0
        while chunk := cur.fetchmany(CHUNK):
            k = len(chunk)
            blob = b"".join([r[3] for r in chunk])
            if X is None:
                X = np.zeros((bound, len(blob) // 4 // k), dtype=np.float32)
            X[n:n + k] = np.frombuffer(blob, dtype="<f4").reshape(k, -1)
            cols[n:n + k] = [(r[0], r[1], -1 if r[2] is None else r[2]) for r in chunk]
            n += k
            del chunk, blob
        people = conn.execute("SELECT id, name, hidden FROM people").fetchall()
        rejections = {(r[0], r[1]) for r in conn.execute("SELECT face_id, person_id FROM rejections")}
        apart = ReviewStore(db).cannot_links()
    X = X[:n] if X is not None else np.zeros((0, 128), np.float32)
    owner = np.ascontiguousarray(cols[:n, 2])
    members = dict(members_by_label(owner))
    return ReviewState(
        face_ids=np.ascontiguousarray(cols[:n, 0]), photo_ids=np.ascontiguousarray(cols[:n, 1]),
        X=np.ascontiguousarray(X, dtype=np.float32), owner=owner,
        names={r["id"]: r["name"] for r in people},
        hidden={r["id"] for r in people if r["hidden"]},
        rejections=rejections, apart=apart, members=members)
