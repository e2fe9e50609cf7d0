"""The map's data: faces of the current embedder (all, or an even sample), projected to 2-D.

:func:`load` runs on a worker thread (:class:`Compute`, Qt's global thread
pool) through a connection of its own; see :mod:`photosort.gui.map_view` for
why the map stops at :data:`MAX_POINTS` dots.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QRunnable, Signal

from photosort.core.records import person_label
from photosort.gui import memory
from photosort.gui.jobs import emit_if_alive
from photosort.store.catalog import from_blob
from photosort.store.db import Database

MAX_POINTS = 20_000
FIT_ROWS = 5_000
LEGEND = 14


def project(embeddings: np.ndarray, fit: int = FIT_ROWS) -> np.ndarray:
    """The rows of ``embeddings`` on their first two principal components, (n, 2); the
    components are found from at most ``fit`` evenly spaced rows (the axes of 5,000 faces
    and of 20,000 differ by less than a dot; the covariance of 20,000 costs 4× as much)."""
    if len(embeddings) < 2:
        return np.zeros((len(embeddings), 2))
    X = np.asarray(embeddings, dtype=np.float64)
    mean = X.mean(axis=0)
    pick = np.linspace(0, len(X) - 1, min(len(X), fit)).round().astype(int)
    sample = X[pick] - mean
    _, vectors = np.linalg.eigh(sample.T @ sample)
    return (X - mean) @ vectors[:, ::-1][:, :2]


class Done(QObject):
    """Carries the loaded map to the GUI thread."""

    done = Signal(object)


class Compute(QRunnable):
    """Loads the map on a pool thread through its own connection."""

    def __init__(self, db_path, signal: Done, limit: int) -> None:
        super().__init__()
        self.db_path, self.signal, self.limit = db_path, signal, limit

    def run(self) -> None:
        try:
            db = Database(self.db_path)
        except Exception:  # the catalog vanished meanwhile: nothing to show
            return
        try:
            result = load(db, self.limit)
        except Exception:
            return
        finally:
            db.close()
            memory.release()
        emit_if_alive(self.signal.done, result)


def load(db: Database, limit: int = MAX_POINTS) -> dict:
    """The faces of the most used embedder — every one, or every k-th when there are more
    than ``limit`` — projected; with the total and the largest people's face counts."""
    model = db.query("SELECT model FROM faces WHERE model IS NOT NULL"
                     " GROUP BY model ORDER BY COUNT(*) DESC LIMIT 1")
    if not model:
        return {"ids": np.zeros(0, np.int64), "people": np.zeros(0, np.int64),
                "points": np.zeros((0, 2)), "total": 0, "legend": []}
    # Both read the faces_model index alone; only the sampled faces' rows are visited.
    total = db.query("SELECT COUNT(*) FROM faces WHERE model = ?", (model[0][0],))[0][0]
    step = max(1, -(-total // limit))
    rows = [r for r in db.query(
        "SELECT f.id, f.embedding, fp.person_id FROM faces f"
        " LEFT JOIN face_person fp ON fp.face_id = f.id"
        " WHERE f.model = ? AND f.id % ? = 0", (model[0][0], step)) if r["embedding"] is not None]
    ids = np.array([r["id"] for r in rows], dtype=np.int64)
    people = np.array([r["person_id"] if r["person_id"] is not None else -1 for r in rows],
                      dtype=np.int64)
    X = (from_blob(b"".join([r["embedding"] for r in rows]), (len(rows), -1)) if rows
         else np.zeros((0, 128), np.float32))
    legend = [(r["id"], person_label(r["name"], r["id"]), r["faces"]) for r in db.query(
        "SELECT p.id, p.name, s.faces FROM person_stats s JOIN people p ON p.id = s.person_id"
        " WHERE s.faces > 0 ORDER BY s.faces DESC, p.id LIMIT ?", (LEGEND,))]
    return {"ids": ids, "people": people, "points": project(X),
            "total": int(total), "legend": legend}
