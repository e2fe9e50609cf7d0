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
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal

from photosort.core.paths import path_key
from photosort.core.records import PersonRecord
from photosort.gui import review_process
from photosort.gui.covers import CoverCache
from photosort.gui.page_reader import PageReader
from photosort.gui.preferences import Preferences
from photosort.gui.thumbnails import FaceItem, ThumbnailCache
from photosort.services.edits import PeopleEditor
from photosort.store import browse
from photosort.store.catalog import PhotoStore
from photosort.store.db import Database
from photosort.store.people import PeopleStore

log = logging.getLogger(__name__)

FACE_SQL = browse.FACE_COLUMNS
PAGE = 500  # faces per page of a face grid: ~50 rows of tiles, a few ms to read and lay out
COVERS_NOW = 5000  # at most this many faces' embeddings are read on the GUI thread for covers


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


def _face_page(db: Database, person_id: int | None, after: int, limit: int) -> list[FaceItem]:
    if person_id is None:
        rows = browse.unknown_faces(db, after, limit)
    else:
        rows = browse.person_faces(db, person_id, after, limit)
    return [face_item(r) for r in rows]


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
        self.covers = CoverCache(self.db_path, self)
        self.reader = PageReader(self.db_path)
        self._counts: tuple[tuple[int, int], dict[str, int]] | None = None
        self.coversChanged = self.covers.ready

    def close(self) -> None:
        self.covers.close()
        self.reader.close()
        review_process.shared().abandon(self.db_path)
        self.thumbnails.shutdown()
        self.db.close()

    # -- queries ------------------------------------------------------------------
    def person_ids(self, **query) -> list[int]:
        """The ids a People list shows, in its order (:func:`~photosort.store.browse.people_ids`:
        ``hidden``, ``min_photos``, ``text``, ``sort``, ``limit``)."""
        return browse.people_ids(self.db, **query)

    def section_counts(self) -> tuple[int, int]:
        """(shown, hidden) people with faces."""
        return browse.section_counts(self.db)

    def person_rows(self, person_ids: list[int] | None = None) -> list[PersonRow]:
        """The people of ``person_ids`` (``None``: everyone; a lifetime library's lists read
        them a page at a time) with a cover face: the chosen one, else the one nearest their
        average face (:mod:`photosort.gui.covers`; computed in the background for people
        whose faces changed — :attr:`coversChanged` follows — and meanwhile the old one or
        none)."""
        people = browse.people(self.db, person_ids)
        chosen = browse.chosen_covers(self.db, person_ids)
        covers: dict[int, int] = {}
        stale: dict[int, tuple[int, int]] = {}
        for person, face_sum in people:
            if person.id in chosen:
                covers[person.id] = chosen[person.id]
                continue
            key = (person.face_count, face_sum)
            known, face = self.covers.get(person.id, key)
            if not known and person.face_count:
                stale[person.id] = key
            elif face is not None:
                covers[person.id] = face
        if stale:
            if sum(k[0] for k in stale.values()) <= COVERS_NOW:
                self.covers.compute_now(self.db, stale)
                covers.update({p: f for p in stale if (f := self.covers.get(p, stale[p])[1])})
            else:
                self.covers.request(stale)
        items = {f.face_id: f for f in self.face_items(sorted(covers.values()))}
        rows = []
        for p, _ in people:  # built directly: dataclasses.replace costs ~17 µs a person
            cover = covers.get(p.id)
            rows.append(PersonRow(PersonRecord(p.id, p.name, p.hidden, p.face_count,
                                               p.photo_count, cover), items.get(cover)))
        return rows

    def person(self, person_id: int) -> PersonRecord | None:
        """One person with their kept counts (no cover; cheaper than ``people.get``)."""
        state = self.person_state(person_id)
        return state[0] if state else None

    def person_state(self, person_id: int) -> tuple[PersonRecord, tuple[int, int, int]] | None:
        """The person and a key that changes whenever their faces do (id, count, id sum)."""
        rows = browse.people(self.db, [person_id])
        return (rows[0][0], (person_id, rows[0][0].face_count, rows[0][1])) if rows else None

    def representative(self, person: PersonRecord) -> int | None:
        """The face id shown for ``person`` (see :meth:`person_rows`): computed now for a
        small person, in the background for a big one (``None`` until ``coversChanged``)."""
        chosen = browse.chosen_covers(self.db, [person.id]).get(person.id)
        if chosen is not None:
            return chosen
        rows = browse.people(self.db, [person.id])
        if not rows:
            return None
        key = (rows[0][0].face_count, rows[0][1])
        known, face = self.covers.get(person.id, key)
        if not known and key[0] > COVERS_NOW:  # too many embeddings to read on the GUI thread
            self.covers.request({person.id: key})  # coversChanged follows
        elif not known:
            self.covers.compute_now(self.db, {person.id: key})
            face = self.covers.get(person.id, key)[1]
        return face

    def face_page(self, person_id: int | None, after: int = 0,
                  limit: int = PAGE) -> list[FaceItem]:
        """Up to ``limit`` faces of ``person_id`` (``None``: unknown faces) after face id
        ``after``, in face-id order (:mod:`photosort.store.browse`)."""
        return _face_page(self.db, person_id, after, limit)

    def face_page_ahead(self, person_id: int | None, after: int, limit: int = PAGE) -> Future:
        """:meth:`face_page` read on the :class:`PageReader`'s thread; a future of it."""
        return self.reader.submit(lambda db: _face_page(db, person_id, after, limit))

    def face_items(self, face_ids: list[int]) -> list[FaceItem]:
        """The faces of ``face_ids`` (those that still exist), in id order."""
        return [face_item(r) for r in browse.faces(self.db, face_ids)]

    def faces_of(self, person_id: int | None) -> list[FaceItem]:
        """Every face of ``person_id`` (``None``: every unknown face), page by page."""
        faces: list[FaceItem] = []
        while page := self.face_page(person_id, faces[-1].face_id if faces else 0):
            faces += page
        return faces

    def person_photos(self, person_id: int) -> list[int]:
        """The photos of ``person_id`` in the order of their faces (for the photo viewer)."""
        return browse.person_photo_ids(self.db, person_id)

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
            count = self.db.query(  # ranges of the path_key index: '0' follows '/', ']' '\\'
                "SELECT COUNT(*) AS n FROM photos WHERE path_key = ? OR (path_key > ? AND"
                " path_key < ?) OR (path_key > ? AND path_key < ?)",
                (key, prefix + "/", prefix + "0", prefix + "\\", prefix + "]"))[0]["n"]
            result.append((r["path"], count))
        return result

    def has_roots(self) -> bool:
        return bool(self.db.query("SELECT 1 FROM roots LIMIT 1"))

    def change_stamp(self) -> tuple[int, int]:
        """A value that moves whenever the catalog changed: SQLite's ``data_version``
        moves when another connection commits, ``total_changes`` when this one writes."""
        return self.db.query("PRAGMA data_version")[0][0], self.db.conn.total_changes

    def counts(self) -> dict[str, int]:
        """Photos, faces, people, unknown faces and problems, each read from an index; read
        again only when the catalog changed (:meth:`change_stamp`), so the views and the
        status bar of one refresh share one reading."""
        stamp = self.change_stamp()
        if self._counts is None or self._counts[0] != stamp:
            self._counts = (stamp, browse.counts(self.db))
        return dict(self._counts[1])

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
