"""Face tags read on scan: other programs' named regions become faces and names in the catalog.

In the analysis worker, :func:`attach_tags` reads the photo's XMP
(:mod:`photosort.media.xmp_source`) and matches each named region to a
detected face by overlap; a region no detection matches (a face too small or
turned away for the detector) becomes a face of its own, with landmarks from
:func:`photosort.ml.box_landmarks.landmarks_for_box` and an embedding. In the
scan, :func:`apply_names` makes each name a user-confirmed assignment:
joining the person of that name (case-insensitive), or a new person. A face
the user already placed in PhotoSort keeps the user's decision, and a
"not this person" is honoured.
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np

from photosort.core.records import Box, DetectedFace
from photosort.store.db import Database

log = logging.getLogger("photosort.tags")

MATCH_IOU = 0.3
MATCH_COVER = 0.6
TAG_FACE_SCORE = 0.5
"""Score of a face made from a region (drives only the choice of a person's cover)."""


def _overlap(a: Box, b: Box) -> tuple[float, float]:
    """(IoU, intersection over the smaller box)."""
    ix = max(0.0, min(a.x2, b.x2) - max(a.x1, b.x1))
    iy = max(0.0, min(a.y2, b.y2) - max(a.y1, b.y1))
    inter = ix * iy
    aa, ab = a.width * a.height, b.width * b.height
    union = aa + ab - inter
    return (inter / union if union > 0 else 0.0, inter / min(aa, ab) if min(aa, ab) > 0 else 0.0)


def match_regions(regions: list[Box], faces: list[Box]) -> dict[int, int]:
    """region index → face index, one to one, best overlaps first."""
    pairs = []
    for r, rb in enumerate(regions):
        for f, fb in enumerate(faces):
            iou, cover = _overlap(rb, fb)
            cx, cy = fb.center
            if iou >= MATCH_IOU or (cover >= MATCH_COVER and rb.x1 <= cx <= rb.x2 and rb.y1 <= cy <= rb.y2):
                pairs.append((iou + cover, r, f))
    matched: dict[int, int] = {}
    used: set[int] = set()
    for _, r, f in sorted(pairs, reverse=True):
        if r not in matched and f not in used:
            matched[r] = f
            used.add(f)
    return matched


def attach_tags(analysis, pixels: np.ndarray, scale: float, embedder, *, header=None, device: str = "cpu"):
    """``analysis`` (a :class:`~photosort.services.analyze.PhotoAnalysis`) with the photo's
    named regions matched or added as faces, ``names`` and ``tag_errors`` filled in.

    ``pixels`` is the decoded photo at ``scale`` × original size.
    """
    from photosort.media.xmp_source import load_face_tags
    from photosort.ml.box_landmarks import landmarks_for_box

    found = load_face_tags(analysis.path, header=header)
    for note in found.notes:
        log.info("%s: %s", analysis.path, note)
    if not found.tags:
        return dataclasses.replace(analysis, tag_errors=list(found.errors))
    faces = list(analysis.faces)
    matched = match_regions([t.box for t in found.tags], [f.box for f in faces])
    names = {matched[i]: tag.name for i, tag in enumerate(found.tags) if i in matched}
    extra = []
    for i, tag in enumerate(found.tags):
        if i in matched:
            continue
        small = tag.box.scaled(scale)
        if small.width < 4 or small.height < 4:
            found.errors.append(f"face region of {tag.name!r} is too small to use, skipped")
            continue
        points, how = landmarks_for_box(pixels, small, device)
        log.info("%s: region of %r matched no detected face: added (landmarks: %s)", analysis.path, tag.name, how)
        extra.append((tag, points, small))
    embeddings = analysis.embeddings
    if extra:
        new = embedder.embed(pixels, np.stack([p for _, p, _ in extra]),
                             np.array([[b.x1, b.y1, b.x2, b.y2] for _, _, b in extra])).astype(np.float32)
        embeddings = np.concatenate([embeddings.reshape(-1, new.shape[1]), new])
        for tag, points, _ in extra:
            names[len(faces)] = tag.name
            faces.append(DetectedFace(tag.box, points / scale, TAG_FACE_SCORE))
    return dataclasses.replace(analysis, faces=faces, embeddings=embeddings, names=names,
                               tag_errors=list(found.errors))


def attach_tags_safely(analysis, pixels: np.ndarray, scale: float, embedder, **kwargs):
    """:func:`attach_tags`, with any failure reported in ``tag_errors`` instead of raised."""
    try:
        return attach_tags(analysis, pixels, scale, embedder, **kwargs)
    except Exception as exc:  # bad tags must never cost the photo its faces
        return dataclasses.replace(analysis, tag_errors=[f"face tags not read: {type(exc).__name__}: {exc}"])


def apply_names(db: Database, face_ids: list[int], names: dict[int, str]) -> int:
    """Link each named face (``names``: index into ``face_ids`` → name) to its person; how many linked."""
    if not names:
        return 0
    linked = 0
    with db.transaction() as c:
        for index, name in sorted(names.items()):
            face_id = face_ids[index]
            if face_id < 0:  # dropped: the user drew a face or said "not a face" there
                continue
            current = c.execute("SELECT source FROM face_person WHERE face_id = ?", (face_id,)).fetchone()
            if current is not None and current["source"] == "user":
                continue  # the user's own decision in PhotoSort wins over an old tag
            row = c.execute("SELECT id FROM people WHERE name = ? COLLATE NOCASE ORDER BY id LIMIT 1",
                            (name,)).fetchone()
            if row is None:
                import time

                person = int(c.execute("INSERT INTO people (name, created_at) VALUES (?, ?)",
                                       (name, time.time())).lastrowid)
            else:
                person = int(row["id"])
            if c.execute("SELECT 1 FROM rejections WHERE face_id = ? AND person_id = ?",
                         (face_id, person)).fetchone():
                continue
            c.execute("INSERT INTO face_person (face_id, person_id, source, confirmed) VALUES (?, ?, 'user', 1)"
                      " ON CONFLICT(face_id) DO UPDATE SET person_id = excluded.person_id,"
                      " source = 'user', confirmed = 1", (face_id, person))
            linked += 1
    return linked
