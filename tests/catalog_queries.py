"""Test-only catalog look-ups: a photo by its path, a photo's faces with their people.

The app never needs these (it works from scans and people), so they live with the tests.
"""

from __future__ import annotations

from types import SimpleNamespace

import photosort.core.paths as paths
from photosort.core.records import PhotoRecord
from photosort.store.catalog import PhotoStore
from photosort.store.db import Database


def photo_by_path(db: Database, path: str) -> PhotoRecord | None:
    """The catalog photo at ``path``, matched by the canonical path key as the scan does."""
    rows = db.query("SELECT id FROM photos WHERE path_key = ?", (paths.path_key(path),))
    return PhotoStore(db).get(rows[0]["id"]) if rows else None


def faces_of_photo(db: Database, photo_id: int) -> list[SimpleNamespace]:
    """The photo's faces, left to right, each with ``id``, ``photo_id`` and ``person_id``."""
    rows = db.query(
        "SELECT f.id, f.photo_id, fp.person_id FROM faces f"
        " LEFT JOIN face_person fp ON fp.face_id = f.id WHERE f.photo_id = ? ORDER BY f.x1",
        (photo_id,))
    return [SimpleNamespace(id=r["id"], photo_id=r["photo_id"], person_id=r["person_id"])
            for r in rows]
