"""Photos and faces in the catalog: the rows the scan and analyze services keep."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from photosort.core.records import Box, DetectedFace, PhotoRecord
from photosort.store.db import Database


def _photo(row) -> PhotoRecord:
    return PhotoRecord(id=row["id"], path=row["path"], size=row["size"], mtime_ns=row["mtime_ns"],
                       content_hash=row["content_hash"], status=row["status"], error=row["error"],
                       width=row["width"], height=row["height"],
                       missing=row["missing_since"] is not None, error_kind=row["error_kind"])


def to_blob(array: np.ndarray) -> bytes:
    return np.ascontiguousarray(array, dtype="<f4").tobytes()


def from_blob(blob: bytes, shape: tuple[int, ...] = (-1,)) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4").reshape(shape)


@dataclass(frozen=True)
class FaceRow:
    """A face as the clustering needs it: ids, photo and embedding."""

    face_id: int
    photo_id: int
    embedding: np.ndarray


class PhotoStore:
    """Reads and writes the ``photos`` and ``faces`` tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- photos ---------------------------------------------------------------
    def all_photos(self) -> dict[str, PhotoRecord]:
        """Every photo, by :func:`~photosort.core.paths.path_key` of its path."""
        return {r["path_key"]: _photo(r) for r in self.db.query(  # only what a record holds
            "SELECT id, path, path_key, size, mtime_ns, content_hash, status, error, width,"
            " height, missing_since, error_kind FROM photos")}

    def get(self, photo_id: int) -> PhotoRecord | None:
        rows = self.db.query("SELECT * FROM photos WHERE id = ?", (photo_id,))
        return _photo(rows[0]) if rows else None

    def by_hash(self, content_hash: str) -> list[PhotoRecord]:
        return [_photo(r) for r in
                self.db.query("SELECT * FROM photos WHERE content_hash = ?", (content_hash,))]

    def add(self, path: str, size: int, mtime_ns: int, content_hash: str | None) -> int:
        with self.db.transaction() as c:
            cur = c.execute(
                "INSERT INTO photos (path, size, mtime_ns, content_hash, status, seen_at)"
                " VALUES (?, ?, ?, ?, 'pending', ?)", (path, size, mtime_ns, content_hash, time.time()))
            return int(cur.lastrowid)

    def relocate(self, photo_id: int, path: str, size: int, mtime_ns: int) -> None:
        """A known photo found at a new path (moved or renamed): keep its faces."""
        with self.db.transaction() as c:
            c.execute("UPDATE photos SET path = ?, size = ?, mtime_ns = ?, missing_since = NULL"
                      " WHERE id = ?",
                      (path, size, mtime_ns, photo_id))

    def touch(self, photo_id: int, size: int, mtime_ns: int) -> None:
        """The same bytes found again (maybe after being missing): new size/time, nothing lost."""
        with self.db.transaction() as c:
            c.execute("UPDATE photos SET size = ?, mtime_ns = ?, missing_since = NULL WHERE id = ?",
                      (size, mtime_ns, photo_id))

    def reset(self, photo_id: int, size: int, mtime_ns: int, content_hash: str | None) -> None:
        """The file's content changed: forget its faces and analyze it again."""
        with self.db.transaction() as c:
            c.execute("DELETE FROM faces WHERE photo_id = ?", (photo_id,))
            c.execute("UPDATE photos SET size = ?, mtime_ns = ?, content_hash = ?,"
                      " status = 'pending', error = NULL, error_kind = NULL, analyzed_with = NULL,"
                      " missing_since = NULL WHERE id = ?",
                      (size, mtime_ns, content_hash, photo_id))

    def mark_missing(self, photo_ids: Iterable[int]) -> int:
        """Photos not found under their scanned folder: flagged, never deleted."""
        ids = [(time.time(), i) for i in photo_ids]
        with self.db.transaction() as c:
            c.executemany("UPDATE photos SET missing_since = ? WHERE id = ? AND missing_since IS NULL",
                          ids)
        return len(ids)

    def missing(self) -> list[PhotoRecord]:
        return [_photo(r) for r in self.db.query(
            "SELECT * FROM photos WHERE missing_since IS NOT NULL ORDER BY path")]

    def forget_missing(self, photo_ids: Iterable[int] | None = None) -> int:
        """Delete missing photos (all, or those of ``photo_ids`` still missing) with their faces."""
        with self.db.transaction() as c:
            if photo_ids is None:
                return c.execute("DELETE FROM photos WHERE missing_since IS NOT NULL").rowcount
            return sum(c.execute("DELETE FROM photos WHERE id = ? AND missing_since IS NOT NULL",
                                 (i,)).rowcount for i in photo_ids)

    def to_analyze(self, analyzed_with: str) -> list[PhotoRecord]:
        """Present photos never analyzed, analyzed with other models or settings, or whose
        last attempt failed for a transient reason."""
        rows = self.db.query(
            "SELECT * FROM photos WHERE missing_since IS NULL AND (status = 'pending'"
            " OR (status = 'done' AND analyzed_with IS NOT ?)"
            " OR (status = 'error' AND error_kind = 'transient')) ORDER BY path", (analyzed_with,))
        return [_photo(r) for r in rows]

    def mark_error(self, photo_id: int, reason: str, kind: str = "permanent") -> None:
        """Record a failed analysis; ``kind`` is ``transient`` (retry next scan) or ``permanent``."""
        with self.db.transaction() as c:
            c.execute("UPDATE photos SET status = 'error', error = ?, error_kind = ? WHERE id = ?",
                      (reason, kind, photo_id))

    def save_analysis(self, photo_id: int, *, width: int, height: int, faces: Sequence[DetectedFace],
                      embeddings: np.ndarray, model: str, analyzed_with: str) -> list[int]:
        """Replace the photo's faces with a fresh analysis, in one transaction.

        Faces that were already linked to people keep their link when the new
        face is the same one (same place in the photo), so re-analysis with a
        new embedder never loses names or user decisions; so do its rejections.
        Faces the user drew (``origin = 'user'``) are kept as they are; a detection
        on one of them or on a box the user called "not a face" is dropped, its id
        given as -1.
        """
        with self.db.transaction() as c:
            old = c.execute(
                "SELECT f.id, f.x1, f.y1, f.x2, f.y2, fp.person_id, fp.source, fp.confirmed"
                " FROM faces f LEFT JOIN face_person fp ON fp.face_id = f.id"
                " WHERE f.photo_id = ? AND f.origin != 'user'", (photo_id,)).fetchall()
            rejected = c.execute("SELECT r.face_id, r.person_id FROM rejections r JOIN faces f"
                                 " ON f.id = r.face_id WHERE f.photo_id = ? AND f.origin != 'user'",
                                 (photo_id,)).fetchall()
            # Faces the user drew stay; detections on them or on a "not a face" box are dropped.
            c.execute("DELETE FROM faces WHERE photo_id = ? AND origin != 'user'", (photo_id,))
            keep_out = [Box(r["x1"], r["y1"], r["x2"], r["y2"]) for r in c.execute(
                "SELECT x1, y1, x2, y2 FROM faces WHERE photo_id = ? UNION ALL"
                " SELECT x1, y1, x2, y2 FROM not_faces WHERE photo_id = ?", (photo_id, photo_id))]
            ids = []
            for face, emb in zip(faces, embeddings):
                b = face.box
                if any(_iou(b, other) >= 0.5 for other in keep_out):
                    ids.append(-1)
                    continue
                cur = c.execute(
                    "INSERT INTO faces (photo_id, x1, y1, x2, y2, landmarks, score, embedding, model,"
                    " sharpness) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (photo_id, b.x1, b.y1, b.x2, b.y2, to_blob(face.landmarks), face.score,
                     to_blob(emb), model, face.sharpness))
                ids.append(int(cur.lastrowid))
                link = _same_face(old, b)
                if link is not None:  # "not this person" decisions follow the face too
                    c.executemany("INSERT OR IGNORE INTO rejections (face_id, person_id) VALUES (?, ?)",
                                  [(ids[-1], r[1]) for r in rejected if r[0] == link["id"]])
                if link is not None and link["person_id"] is not None:
                    c.execute("INSERT INTO face_person (face_id, person_id, source, confirmed)"
                              " VALUES (?, ?, ?, ?)",
                              (ids[-1], link["person_id"], link["source"], link["confirmed"]))
            c.execute("UPDATE photos SET status = 'done', error = NULL, error_kind = NULL,"
                      " width = ?, height = ?,"
                      " analyzed_with = ? WHERE id = ?", (width, height, analyzed_with, photo_id))
        return ids

    # -- faces ----------------------------------------------------------------
    def embeddings(self, model: str) -> list[FaceRow]:
        rows = self.db.query("SELECT id, photo_id, embedding FROM faces"
                             " WHERE model = ? AND embedding IS NOT NULL ORDER BY id", (model,))
        return [FaceRow(r["id"], r["photo_id"], from_blob(r["embedding"])) for r in rows]

    def counts(self) -> dict[str, int]:
        row = self.db.query(
            "SELECT (SELECT COUNT(*) FROM photos) AS photos,"
            " (SELECT COUNT(*) FROM photos WHERE status = 'error') AS errors,"
            " (SELECT COUNT(*) FROM photos WHERE status = 'pending') AS pending,"
            " (SELECT COUNT(*) FROM photos WHERE missing_since IS NOT NULL) AS missing,"
            " (SELECT COUNT(*) FROM faces) AS faces,"
            " (SELECT COUNT(*) FROM people) AS people")[0]
        return dict(row)


def _same_face(old_rows, box: Box):
    """The old face row overlapping ``box`` by IoU ≥ 0.5, if any."""
    best, best_iou = None, 0.5
    for row in old_rows:
        iou = _iou(box, Box(row["x1"], row["y1"], row["x2"], row["y2"]))
        if iou >= best_iou:
            best, best_iou = row, iou
    return best


def _iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a.x2, b.x2) - max(a.x1, b.x1))
    iy = max(0.0, min(a.y2, b.y2) - max(a.y1, b.y1))
    inter = ix * iy
    union = a.width * a.height + b.width * b.height - inter
    return inter / union if union > 0 else 0.0
