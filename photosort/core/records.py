"""Immutable records shared by every layer."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# MTCNN landmark order: left eye, right eye, nose, left mouth corner, right mouth corner
# ("left"/"right" as seen in the image).
LANDMARK_NAMES = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in original-image pixels (after EXIF orientation)."""

    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1

    @property
    def center(self) -> tuple[float, float]:
        return ((self.x1 + self.x2) / 2.0, (self.y1 + self.y2) / 2.0)

    def scaled(self, factor: float) -> "Box":
        return Box(self.x1 * factor, self.y1 * factor, self.x2 * factor, self.y2 * factor)


@dataclass(frozen=True)
class DetectedFace:
    """One face found by a detector.

    ``landmarks`` is a (5, 2) float array in the same pixel frame as ``box``.
    """

    box: Box
    landmarks: np.ndarray = field(compare=False)
    score: float = 1.0
    sharpness: float | None = field(default=None, compare=False)  # media.sharpness; None = unknown

    def scaled(self, factor: float) -> "DetectedFace":
        return DetectedFace(self.box.scaled(factor), self.landmarks * factor, self.score,
                            self.sharpness)


@dataclass(frozen=True)
class PhotoRecord:
    """A photo as the catalog knows it."""

    id: int
    path: str
    size: int
    mtime_ns: int
    content_hash: str | None
    status: str  # pending | done | error
    error: str | None = None
    width: int | None = None
    height: int | None = None
    missing: bool = False  # not found under its scanned folder; kept with all its faces
    error_kind: str | None = None  # transient (retried next scan) | permanent


UNNAMED = "Unnamed "
"""What an unnamed person is called, before their id: everywhere a name is shown
(:func:`person_label`), and in the People grid's SQL filter
(:func:`photosort.store.browse.people_ids`)."""


def person_label(name: str | None, person_id: int) -> str:
    """The name shown for a person: theirs, or "Unnamed <id>"."""
    return name if name else f"{UNNAMED}{person_id}"


@dataclass(frozen=True)
class PersonRecord:
    """A person (a cluster of faces), named by the user or not."""

    id: int
    name: str | None
    hidden: bool
    face_count: int = 0
    photo_count: int = 0
    cover_face_id: int | None = None

    @property
    def display_name(self) -> str:
        return person_label(self.name, self.id)
