"""The people as a Qt model for the People grid: the filter and sort in SQL, rows read a block at a time.

A lifetime library holds 10^4–10^5 people (most of them strangers seen once or
twice). The model therefore holds only the ordered ids of the people the grid
shows — one query with the section, the text filter, the minimum of photos and
the sort (:func:`photosort.store.browse.people_ids`, 50 ms for 38,746 people)
— and reads names, counts and cover faces for :data:`BLOCK` rows at a time
when the view first asks for one of them (it asks for the visible cards only).
Re-reading updates in place: people who left are removed, new ones appended,
then the order restored in one layout change that keeps the selection, so a
scan adding people every few seconds never resets what the user is doing.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from PySide6.QtCore import QMimeData, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QStandardItemModel

from photosort.gui.library import PersonRow
from photosort.gui.list_model import RowRole, ranges
from photosort.store import browse

PEOPLE_MIME = "application/x-photosort-people"
BLOCK = 64
"""Rows read together: about two screenfuls of cards (~35 on full HD)."""
KEPT = 4096
"""Rows kept read; beyond it the oldest blocks are read again if shown again."""


def encode_people(ids: list[int]) -> QMimeData:
    mime = QMimeData()
    mime.setData(PEOPLE_MIME, ",".join(map(str, ids)).encode())
    return mime


def decode_people(mime: QMimeData) -> list[int]:
    if not mime.hasFormat(PEOPLE_MIME):
        return []
    text = bytes(mime.data(PEOPLE_MIME).data()).decode()
    return [int(x) for x in text.split(",") if x.strip().isdigit()]


Ids = Callable[..., list[int]]  # browse.people_ids' keywords → ids in order
Rows = Callable[[list[int]], list[PersonRow]]  # ids → their rows (any order)


class PeopleModel(QStandardItemModel):
    """The people of one section (shown or hidden) matching the filter; renames go to
    ``rename``. ``ids`` and ``rows`` read the catalog (:class:`~photosort.gui.library.Library`).

    The row count lives in C++, as in :class:`~photosort.gui.face_grid.FaceModel` (a
    :class:`QStandardItemModel` without items): QListView's icon-mode layout asks for it
    several times per card, and a Python ``rowCount`` was 0.8 million calls (0.56 s) for
    seven layouts of 38,746 people. ``index`` is therefore ``index(row, 0)``.
    """

    SORT_COUNT, SORT_NAME = browse.SORT_COUNT, browse.SORT_NAME

    def __init__(self, ids: Ids, rows: Rows, rename: Callable[[int, str], None],
                 parent=None) -> None:
        super().__init__(0, 1, parent)
        self._read_ids, self._read_rows, self._rename = ids, rows, rename
        self.hidden_section = False
        self.text = ""
        self.min_photos = 1
        self.sort_key = self.SORT_COUNT
        self._ids: list[int] = []
        self._pos: dict[int, int] = {}
        self._rows: dict[int, PersonRow] = {}  # person id → row, read a block at a time

    # -- what is shown ------------------------------------------------------------------
    def configure(self, *, hidden_section: bool | None = None, text: str | None = None,
                  min_photos: int | None = None, sort_key: str | None = None) -> None:
        """Change the section, filter or sort, and re-read."""
        if hidden_section is not None:
            self.hidden_section = hidden_section
        if text is not None:
            self.text = text.strip()
        if min_photos is not None:
            self.min_photos = max(1, min_photos)
        if sort_key is not None:
            self.sort_key = sort_key
        self.reload()

    def reload(self) -> None:
        """Re-read the ids (in place, keeping selection) and forget the rows read."""
        ids = self._read_ids(hidden=self.hidden_section, text=self.text,
                             min_photos=1 if self.hidden_section else self.min_photos,
                             sort=self.sort_key)
        self._rows.clear()
        self._update(ids)
        self._changed()

    def refresh_rows(self) -> None:
        """Names, counts or covers changed, not who is shown: read the visible rows again."""
        self._rows.clear()
        self._changed()

    def _changed(self) -> None:
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, 0))

    def _update(self, ids: list[int]) -> None:
        keep = set(ids)
        gone = [i for i, pid in enumerate(self._ids) if pid not in keep]
        for first, last in reversed(ranges(gone)):
            del self._ids[first:last + 1]
            self.removeRows(first, last - first + 1)
        have = set(self._ids)
        added = [pid for pid in ids if pid not in have]
        if added:
            start = len(self._ids)
            self._ids.extend(added)
            self.insertRows(start, len(added))
        if self._ids != ids:  # same people, another order: one layout change
            self.layoutAboutToBeChanged.emit()
            new_pos = {pid: i for i, pid in enumerate(ids)}
            persistent = [i for i in self.persistentIndexList() if i.isValid()]
            old = self._ids
            self._ids = list(ids)
            self.changePersistentIndexList(
                persistent, [self.index(new_pos[old[i.row()]], 0) for i in persistent])
            self.layoutChanged.emit()
        self._pos = {pid: i for i, pid in enumerate(self._ids)}

    # -- rows -----------------------------------------------------------------------------
    @property
    def ids(self) -> list[int]:
        """The ids shown, in order."""
        return list(self._ids)

    def row_of(self, person_id: int) -> int:
        return self._pos.get(person_id, -1)

    def row_at(self, row: int) -> PersonRow | None:
        """The row at ``row`` (its block is read if it was not)."""
        if not 0 <= row < len(self._ids):
            return None
        pid = self._ids[row]
        found = self._rows.get(pid)
        if found is None:
            self._read_block(row)
            found = self._rows.get(pid)
        return found

    def rows_of(self, rows: Sequence[int]) -> list[PersonRow]:
        return [r for r in map(self.row_at, rows) if r is not None]

    def _read_block(self, row: int) -> None:
        if len(self._rows) >= KEPT:
            self._rows.clear()
        first = row - row % BLOCK
        block = [pid for pid in self._ids[first:first + BLOCK] if pid not in self._rows]
        self._rows.update((r.id, r) for r in self._read_rows(block))

    # -- Qt API ---------------------------------------------------------------------------
    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.row_at(index.row())
        if row is None:
            return None
        if role == RowRole:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return row.person.display_name
        if role == Qt.ItemDataRole.EditRole:
            return row.person.name or ""
        if role == Qt.ItemDataRole.ToolTipRole:
            p = row.person
            return f"{p.display_name}\n{p.photo_count} photos, {p.face_count} faces"
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if not index.isValid():
            return base | Qt.ItemFlag.ItemIsDropEnabled
        return (base | Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsDragEnabled
                | Qt.ItemFlag.ItemIsDropEnabled)

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        row = self.row_at(index.row())
        name = str(value).strip()
        if row is None or name == (row.person.name or ""):
            return False
        self._rename(row.id, name)
        return True

    def mimeTypes(self) -> list[str]:
        return [PEOPLE_MIME]

    def mimeData(self, indexes) -> QMimeData:
        return encode_people(sorted({self._ids[i.row()] for i in indexes if i.isValid()}))

    def find(self, text: str, after: int = -1) -> int:
        """The first row after ``after`` (wrapping) whose name begins with ``text`` (case
        folded), or -1 — found in SQL, not by reading every row (the grid's type-to-find)."""
        found = self._read_ids(hidden=self.hidden_section, text=text, starts=True,
                               min_photos=1 if self.hidden_section else self.min_photos,
                               sort=self.sort_key)
        rows = sorted(self._pos[pid] for pid in found if pid in self._pos)
        later = [r for r in rows if r > after]
        return (later or rows or [-1])[0]

    def person_ids(self, indexes) -> list[int]:
        """The ids at ``indexes`` (a selection), without reading their rows."""
        return [self._ids[i.row()] for i in indexes if i.isValid() and i.row() < len(self._ids)]
