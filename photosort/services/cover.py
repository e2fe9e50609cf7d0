"""Cover faces: each person's best face chosen automatically, unless the user chose one.

The automatic cover is the face with the highest :func:`face_quality`: large
(square root of the box area, so a face twice as wide scores twice, not four
times), frontal (the nose midway between the eyes, the eyes level), sharp
(the variance of the Laplacian of the face's crop, ``media.sharpness``,
stored when the face is analysed; weighted ``s / (s + SHARP_HALF)``, so a
blurred copy of a face, at a fifth of its sharpness, loses to the original
even when it is larger) and clear (the detector's confidence, which drops for
occluded faces). Faces analysed before sharpness was stored count as
``SHARP_UNKNOWN``. A user's "Use as cover" is kept until that face leaves the person.
"""

from __future__ import annotations

import numpy as np

from photosort.store.db import Database
from photosort.store.review import ReviewStore

SHARP_HALF = 300.0
"""Sharpness at which the weight is 1/2: the 10th percentile of bollywood_actors' faces
(median 660, 90th percentile 1,750; a Gaussian blur of radius 2 leaves a median 22 %)."""
SHARP_UNKNOWN = 660.0
"""Sharpness assumed for a face analysed before sharpness was stored (the median)."""


def sharp_weight(sharpness: np.ndarray | float | None) -> np.ndarray | float:
    """``s / (s + SHARP_HALF)``: 0 for a flat crop, 1/2 at ``SHARP_HALF``, towards 1 when sharper."""
    if sharpness is None:
        sharpness = SHARP_UNKNOWN
    s = np.where(np.isnan(np.asarray(sharpness, dtype=np.float64)), SHARP_UNKNOWN,
                 np.asarray(sharpness, dtype=np.float64))
    out = np.clip(s, 0.0, None) / (np.clip(s, 0.0, None) + SHARP_HALF)
    return float(out) if out.ndim == 0 else out


def face_quality(box: tuple[float, float, float, float], landmarks: np.ndarray,
                 score: float, sharpness: float | None = None) -> float:
    """How good a face is as a cover (larger is better; 0 for a profile)."""
    x1, y1, x2, y2 = box
    size = float(np.sqrt(max(x2 - x1, 0.0) * max(y2 - y1, 0.0)))
    left, right, nose = (np.asarray(landmarks[i], dtype=np.float64) for i in range(3))
    axis = right - left
    eyes = float(np.hypot(*axis))
    if eyes <= 0:
        return 0.0
    u = axis / eyes
    offset = nose - (left + right) / 2.0
    yaw = abs(float(offset @ u)) / eyes          # 0 when the nose is midway between the eyes
    roll = abs(float(np.arctan2(axis[1], axis[0])))  # radians from level
    frontal = max(0.0, 1.0 - 2.0 * yaw) * max(0.0, 1.0 - roll)
    return size * frontal * float(score) * sharp_weight(sharpness)


def face_qualities(boxes: np.ndarray, landmarks: np.ndarray, scores: np.ndarray,
                   sharpness: np.ndarray | None = None) -> np.ndarray:
    """:func:`face_quality` of many faces at once: boxes (n, 4), landmarks (n, 5, 2), scores (n,),
    sharpness (n,; NaN or ``None`` = unknown)."""
    size = np.sqrt(np.clip(boxes[:, 2] - boxes[:, 0], 0, None) * np.clip(boxes[:, 3] - boxes[:, 1], 0, None))
    left, right, nose = landmarks[:, 0], landmarks[:, 1], landmarks[:, 2]
    axis = right - left
    eyes = np.hypot(axis[:, 0], axis[:, 1])
    safe = np.where(eyes > 0, eyes, 1.0)
    u = axis / safe[:, None]
    yaw = np.abs(((nose - (left + right) / 2.0) * u).sum(axis=1)) / safe
    roll = np.abs(np.arctan2(axis[:, 1], axis[:, 0]))
    frontal = np.clip(1.0 - 2.0 * yaw, 0, None) * np.clip(1.0 - roll, 0, None)
    sharp = sharp_weight(np.full(len(boxes), np.nan) if sharpness is None else sharpness)
    return np.where(eyes > 0, size * frontal * scores * sharp, 0.0)


def best_faces(db: Database) -> dict[int, int]:
    """person id → the face with the best :func:`face_quality` among theirs (ties: lower id).

    Vectorised: 100k faces cost one query and a few array operations.
    """
    rows = db.query("SELECT fp.person_id, f.id, f.x1, f.y1, f.x2, f.y2, f.landmarks, f.score,"
                    " f.sharpness"
                    " FROM face_person fp JOIN faces f ON f.id = fp.face_id")
    if not rows:
        return {}
    n = len(rows)
    boxes = np.array([(r["x1"], r["y1"], r["x2"], r["y2"]) for r in rows], dtype=np.float64)
    marks = np.frombuffer(b"".join(r["landmarks"] for r in rows), dtype="<f4").reshape(n, 5, 2)
    quality = face_qualities(boxes, marks.astype(np.float64),
                             np.array([r["score"] for r in rows], dtype=np.float64),
                             np.array([r["sharpness"] for r in rows], dtype=np.float64))
    person = np.array([r["person_id"] for r in rows], dtype=np.int64)
    face = np.array([r["id"] for r in rows], dtype=np.int64)
    order = np.lexsort((face, -quality, person))  # per person: best quality, then lowest id
    first = np.ones(n, dtype=bool)
    first[1:] = person[order][1:] != person[order][:-1]
    return dict(zip(person[order][first].tolist(), face[order][first].tolist()))


def refresh_covers(db: Database) -> int:
    """Choose every automatic cover again (after grouping changed); returns how many changed."""
    store = ReviewStore(db)
    current = store.covers()
    links = {r[0]: r[1] for r in db.query("SELECT face_id, person_id FROM face_person")}
    keep = {p for p, (f, src) in current.items() if src == "user" and links.get(f) == p}
    chosen = {p: f for p, f in best_faces(db).items() if p not in keep}
    changed = [(p, f) for p, f in chosen.items() if current.get(p, (None,))[0] != f]
    if changed:
        store.set_auto_covers(changed)
    return len(changed)


def use_as_cover(db: Database, person_id: int, face_id: int) -> None:
    """The user's "Use as cover" (the face must belong to the person)."""
    rows = db.query("SELECT 1 FROM face_person WHERE face_id = ? AND person_id = ?",
                    (face_id, person_id))
    if not rows:
        raise ValueError(f"face {face_id} does not belong to person {person_id}")
    ReviewStore(db).set_cover(person_id, face_id, "user")
