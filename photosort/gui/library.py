"""The open catalog as the GUI sees it: its own connection, the editor, thumbnails and queries.

The GUI thread has a second :class:`~photosort.store.db.Database` connection
next to the scan's: in WAL mode its reads never wait for the scan, and its
edits wait at most for one of the scan's short per-photo transactions.
Every edit goes through :meth:`Library.edit`, which records it for undo and
announces the change so all views reload.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from PySide6.QtCore import QObject, Signal

from photosort.core.paths import path_key
from photosort.core.records import PersonRecord
from photosort.gui.preferences import Preferences
from photosort.gui.thumbnails import FaceItem, ThumbnailCache
from photosort.services.edits import PeopleEditor
from photosort.store.catalog import PhotoStore, from_blob
from photosort.store.db import Database
from photosort.store.people import PeopleStore

log = logging.getLogger(__name__)

FACE_SQL = """
SELECT f.id, f.photo_id, f.x1, f.y1, f.x2, f.y2, p.path, p.content_hash, p.width, p.height,
       fp.person_id
FROM faces f JOIN photos p ON p.id = f.photo_id
LEFT JOIN face_person fp ON fp.face_id = f.id
"""


@dataclass(frozen=True)
class PersonRow:
    """A person for the People grid: the record plus its cover face."""

    person: PersonRecord
    cover: FaceItem | None

    @property
    def id(self) -> int:
        return self.person.id


def face_item(row) -> FaceItem:
    size = (row["width"], row["height"]) if row["width"] else None
    return FaceItem(face_id=row["id"], photo_id=row["photo_id"], path=row["path"],
                    content_hash=row["content_hash"],
                    box=(row["x1"], row["y1"], row["x2"], row["y2"]), photo_size=size,
                    person_id=row["person_id"])


def thumbnail_dir(db_path: Path) -> Path:
    """Where a catalog's face thumbnails live: next to it."""
    return db_path.parent / f"{db_path.stem}-thumbnails"


class Library(QObject):
    """One open catalog, shared by every view of the main window."""

    peopleChanged = Signal()
    editsChanged = Signal()
    INTERRUPTED_KEY = "gui.interrupted_scan"

    def __init__(self, db_path: str | Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db_path = Path(db_path).absolute()
        self.db = Database(self.db_path)
        self.photos = PhotoStore(self.db)
        self.people = PeopleStore(self.db)
        self.editor = PeopleEditor(self.db)
        self.thumbnails = ThumbnailCache(thumbnail_dir(self.db_path), parent=self)
        self.prefs = Preferences.load(self.db)
        self._covers: dict[int, tuple[tuple, int]] = {}  # person → ((faces, id sum), medoid)

    def close(self) -> None:
        self.thumbnails.shutdown()
        self.db.close()

    # -- queries ------------------------------------------------------------------
    def person_rows(self) -> list[PersonRow]:
        """Every person with a cover face: the chosen one, else the one nearest their average face."""
        people = self.people.list(include_hidden=True)
        covers = {**self._representatives(people), **self._chosen_covers()}
        items = {r["id"]: face_item(r) for r in self.db.query(
            FACE_SQL + " WHERE f.id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(covers.values())),))}
        return [PersonRow(p, items.get(covers.get(p.id, p.cover_face_id))) for p in people]

    def representative(self, person: PersonRecord) -> int | None:
        """The face id shown for ``person`` (see :meth:`person_rows`)."""
        chosen = self._chosen_covers().get(person.id)
        return chosen or self._representatives([person]).get(person.id, person.cover_face_id)

    def _chosen_covers(self) -> dict[int, int]:
        """person → their cover from ``services.cover`` (the user's "Use as cover", or the
        automatic large, frontal face) while that face is still theirs."""
        return {r[0]: r[1] for r in self.db.query(
            "SELECT pc.person_id, pc.face_id FROM person_cover pc JOIN face_person fp"
            " ON fp.face_id = pc.face_id AND fp.person_id = pc.person_id")}

    def _representatives(self, people: list[PersonRecord]) -> dict[int, int]:
        """person → face id of their medoid; recomputed only for people whose faces changed."""
        keys = {r["person_id"]: (r["n"], r["s"]) for r in self.db.query(
            "SELECT person_id, COUNT(*) AS n, SUM(face_id) AS s FROM face_person GROUP BY person_id")}
        stale = [p.id for p in people if p.id in keys and self._covers.get(p.id, (None,))[0] != keys[p.id]]
        if stale:
            groups: dict[int, tuple[list[int], list[np.ndarray], list[bool]]] = {}
            for r in self.db.query(
                    "SELECT fp.person_id, f.id, f.embedding, ph.missing_since IS NOT NULL AS gone"
                    " FROM face_person fp JOIN faces f ON f.id = fp.face_id"
                    " JOIN photos ph ON ph.id = f.photo_id WHERE f.embedding IS NOT NULL"
                    " AND fp.person_id IN (SELECT value FROM json_each(?))", (json.dumps(stale),)):
                ids, vectors, gone = groups.setdefault(r["person_id"], ([], [], []))
                ids.append(r["id"])
                vectors.append(from_blob(r["embedding"]))
                gone.append(bool(r["gone"]))
            for person, (ids, vectors, gone) in groups.items():
                X = np.stack(vectors)
                distance = ((X - X.mean(axis=0)) ** 2).sum(axis=1)
                if not all(gone):  # a face whose photo is there, so its thumbnail can be made
                    distance[np.array(gone)] = np.inf
                nearest = int(distance.argmin())
                self._covers[person] = (keys[person], ids[nearest])
        return {pid: face for pid, (key, face) in self._covers.items() if keys.get(pid) == key}

    def faces_of(self, person_id: int) -> list[FaceItem]:
        rows = self.db.query(FACE_SQL + " WHERE fp.person_id = ? ORDER BY p.path, f.x1",
                             (person_id,))
        return [face_item(r) for r in rows]

    def unknown_faces(self) -> list[FaceItem]:
        rows = self.db.query(FACE_SQL + " WHERE fp.face_id IS NULL ORDER BY p.path, f.x1")
        return [face_item(r) for r in rows]

    def faces_in_photo(self, photo_id: int) -> list[FaceItem]:
        rows = self.db.query(FACE_SQL + " WHERE f.photo_id = ? ORDER BY f.x1", (photo_id,))
        return [face_item(r) for r in rows]

    def roots(self) -> list[tuple[str, int]]:
        """Scanned folders, newest first, with their photo counts."""
        rows = self.db.query("SELECT path FROM roots ORDER BY added_at DESC")
        result = []
        for r in rows:
            key = path_key(r["path"])
            prefix = key.rstrip("/\\")
            count = self.db.query(
                "SELECT COUNT(*) AS n FROM photos WHERE path_key = ? OR substr(path_key, 1, ?) IN (?, ?)",
                (key, len(prefix) + 1, prefix + "/", prefix + "\\"))[0]["n"]
            result.append((r["path"], count))
        return result

    def counts(self) -> dict[str, int]:
        return self.photos.counts()

    # -- edits ----------------------------------------------------------------------
    def edit(self, method: Callable, *args) -> object:
        """Run one :class:`PeopleEditor` method; views reload, failures are logged."""
        try:
            result = method(*args)
        except Exception:
            log.exception("the edit failed")
            raise
        finally:
            self.peopleChanged.emit()
            self.editsChanged.emit()
        return result

    def undo(self) -> str | None:
        label = self.edit(self.editor.undo)
        if label:
            log.info("Undid: %s", label)
        return label

    def undo_label(self) -> str | None:
        last = self.editor.last_edit()
        return last.label if last else None

    # -- scan bookkeeping -----------------------------------------------------------
    def interrupted_roots(self) -> list[str]:
        rows = self.db.query("SELECT value FROM settings WHERE key = ?", (self.INTERRUPTED_KEY,))
        return json.loads(rows[0]["value"]) if rows else []

    def set_interrupted_roots(self, roots: list[str]) -> None:
        with self.db.transaction() as c:
            if roots:
                c.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key)"
                          " DO UPDATE SET value = excluded.value",
                          (self.INTERRUPTED_KEY, json.dumps(sorted(set(roots)))))
            else:
                c.execute("DELETE FROM settings WHERE key = ?", (self.INTERRUPTED_KEY,))
