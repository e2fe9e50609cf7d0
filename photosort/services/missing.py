"""Missing photos: what a scan could not find, kept until the user explicitly forgets them.

A scan marks a photo missing when its file is no longer under its scanned
folder (a NAS offline, a USB drive's folder moved, a synced folder paused);
it keeps its faces, names, corrections and rejections, and comes back intact
when the file reappears. :func:`forget_missing` — behind "Forget missing
photos…" in the GUI and ``photosort forget-missing`` — is the only way to
remove them. Both ask first, showing what would go (:func:`missing_summary`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from photosort.store.catalog import PhotoStore
from photosort.store.db import Database
from photosort.store.people import PeopleStore


@dataclass(frozen=True)
class MissingSummary:
    """The missing photos and how much of the user's work hangs on them."""

    ids: list[int] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    faces: int = 0
    named_faces: int = 0
    user_decisions: int = 0  # faces the user assigned or rejected by hand

    @property
    def photos(self) -> int:
        return len(self.ids)

    def describe(self) -> str:
        text = f"{self.photos} missing photos with {self.faces} faces"
        if self.named_faces:
            text += f" ({self.named_faces} in named people)"
        if self.user_decisions:
            text += f"; {self.user_decisions} of your corrections are on them"
        return text


def missing_summary(db: Database) -> MissingSummary:
    """The photos now marked missing, with their face counts."""
    photos = PhotoStore(db).missing()
    if not photos:
        return MissingSummary()
    row = db.query(
        "SELECT COUNT(f.id) AS faces,"
        " COUNT(CASE WHEN pe.name IS NOT NULL THEN 1 END) AS named,"
        " COUNT(CASE WHEN fp.source = 'user' OR EXISTS"
        "   (SELECT 1 FROM rejections r WHERE r.face_id = f.id) THEN 1 END) AS decided"
        " FROM photos p JOIN faces f ON f.photo_id = p.id"
        " LEFT JOIN face_person fp ON fp.face_id = f.id LEFT JOIN people pe ON pe.id = fp.person_id"
        " WHERE p.missing_since IS NOT NULL")[0]
    return MissingSummary([p.id for p in photos], [p.path for p in photos], row["faces"],
                          row["named"], row["decided"])


def forget_missing(db: Database, photo_ids: list[int] | None = None) -> int:
    """Remove missing photos (those of ``photo_ids`` that are still missing, or all) with
    their faces, and unnamed people left without faces; the people-edit undo history goes
    too, since it may point at them. Named people stay. Returns how many photos went."""
    removed = PhotoStore(db).forget_missing(photo_ids)
    if removed:
        PeopleStore(db).drop_empty_unnamed()
        with db.transaction() as c:
            c.execute("DELETE FROM edit_log")
    return removed
