"""Faces the user draws ("a box for a missed face") and detections the user calls "not a face".

:func:`add_user_face` decodes the photo at full size, finds landmarks for the
box (:func:`photosort.ml.box_landmarks.landmarks_for_box`: the cascade on the
enlarged area, O-Net on the box, or a template), embeds the face like any
other and stores it with ``origin = 'user'``, linked to a person when given.
Re-analysis keeps such faces (``PhotoStore.save_analysis``), and a detection
later found on the same spot is dropped rather than doubled.
:func:`not_a_face` deletes a detection and remembers its box, so that no
re-analysis brings it back.
"""

from __future__ import annotations

import time

import numpy as np

from photosort.core.records import Box
from photosort.services.analyze import AnalyzeSettings
from photosort.store.catalog import to_blob
from photosort.store.db import Database

MIN_SIDE = 8
_embedders: dict[tuple, object] = {}


class FaceEditError(Exception):
    """The box cannot become a face (outside the photo, too small, photo unreadable)."""


def _embedder(settings: AnalyzeSettings):
    key = (settings.embedder, settings.device, settings.mirror)
    if key not in _embedders:
        from photosort.ml.embedders import create_embedder

        _embedders[key] = create_embedder(settings.embedder, device=settings.device,
                                          mirror=settings.mirror)
    return _embedders[key]


def add_user_face(db: Database, photo_id: int, box: Box, settings: AnalyzeSettings | None = None, *,
                  person_id: int | None = None, new_name: str | None = None) -> int:
    """Store ``box`` (upright original pixels) of photo ``photo_id`` as a user-made face; its id.

    With ``person_id`` (or ``new_name``: a new person) the face is assigned to
    that person as a user decision.
    """
    from photosort.media.decode import load_image
    from photosort.media.errors import ImageError
    from photosort.ml.box_landmarks import landmarks_for_box
    from photosort.ml.detector import resolve_device

    settings = settings or AnalyzeSettings()
    row = db.query("SELECT path, width, height FROM photos WHERE id = ?", (photo_id,))
    if not row:
        raise FaceEditError("this photo is no longer in the catalog")
    try:
        loaded = load_image(row[0]["path"])
    except ImageError as exc:
        raise FaceEditError(f"the photo cannot be read: {exc.reason}") from exc
    width, height = loaded.original_size
    box = Box(max(0.0, box.x1), max(0.0, box.y1), min(float(width), box.x2), min(float(height), box.y2))
    if box.width < MIN_SIDE or box.height < MIN_SIDE:
        raise FaceEditError(f"the box is too small (at least {MIN_SIDE}×{MIN_SIDE} pixels of the photo)")
    small = box.scaled(loaded.scale)
    points, _how = landmarks_for_box(loaded.pixels, small, resolve_device(settings.device))
    embedding = _embedder(settings).embed(loaded.pixels, points[None],
                                          np.array([[small.x1, small.y1, small.x2, small.y2]])).astype(np.float32)[0]
    with db.transaction() as c:
        face_id = int(c.execute(
            "INSERT INTO faces (photo_id, x1, y1, x2, y2, landmarks, score, embedding, model, origin)"
            " VALUES (?, ?, ?, ?, ?, ?, 1.0, ?, ?, 'user')",
            (photo_id, box.x1, box.y1, box.x2, box.y2, to_blob(points / loaded.scale), to_blob(embedding),
             settings.model_id)).lastrowid)
        if new_name:
            person_id = int(c.execute("INSERT INTO people (name, created_at) VALUES (?, ?)",
                                      (new_name.strip(), time.time())).lastrowid)
        if person_id is not None:
            c.execute("INSERT INTO face_person (face_id, person_id, source, confirmed) VALUES (?, ?, 'user', 1)",
                      (face_id, person_id))
    return face_id


def not_a_face(db: Database, face_id: int) -> None:
    """Delete a wrong detection and remember its place, so re-analysis does not bring it back."""
    with db.transaction() as c:
        row = c.execute("SELECT photo_id, x1, y1, x2, y2 FROM faces WHERE id = ?", (face_id,)).fetchone()
        if row is None:
            return
        c.execute("INSERT INTO not_faces (photo_id, x1, y1, x2, y2, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                  (row["photo_id"], row["x1"], row["y1"], row["x2"], row["y2"], time.time()))
        c.execute("DELETE FROM faces WHERE id = ?", (face_id,))
