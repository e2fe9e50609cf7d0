"""A virtualised, paged grid of face thumbnails with multi-select (person page, unknown faces).

QListView in icon mode with uniform item sizes lays out and paints only the
visible tiles, so thousands of faces scroll smoothly; thumbnails arrive in
the background and only the viewport repaints. The model is filled a page at
a time (Qt's ``canFetchMore``/``fetchMore``, asked by the view as the user
scrolls near the end) from a keyset query in face-id order, so a person with
20,000 faces or 200,000 unknown faces opens with one page read.
"""

from __future__ import annotations

import os
from concurrent.futures import Future
from typing import Any, Callable

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QListView

from photosort.gui.delegates import FaceDelegate
from photosort.gui.list_model import RowRole, diff_rows, ranges
from photosort.gui.thumbnails import FaceItem, ThumbnailCache


Fetch = Callable[[int, int], list[FaceItem]]  # (after face id, limit) → faces in id order
Ahead = Callable[[int, int], Future]  # the same read on another thread (gui.page_reader)


class FaceModel(QStandardItemModel):
    """Faces keyed by face id; with a ``fetch`` source, filled a page at a time.

    The row count lives in C++ (a :class:`QStandardItemModel` without items, whose
    ``rowCount`` and ``index`` are not overridden): QListView's icon-mode layout asks for
    them several times per item, and a Python override costs ~10 µs a call — 250 ms
    to lay out 24,000 faces after every page, against 10 ms here. Only ``data`` is
    Python, and it is asked for the visible tiles alone. ``index`` therefore takes
    the column too: ``index(row, 0)``.
    """

    def __init__(self, parent=None, page: int = 500) -> None:
        super().__init__(0, 1, parent)
        self.page = page
        self._rows: list[FaceItem] = []
        self._index: dict[int, int] = {}
        self._fetch: Fetch | None = None
        self._ahead: Ahead | None = None
        self._next: tuple[int, Future] | None = None  # (after, the page after it being read)
        self._more = False
        self._last = 0  # every face with an id up to this one is loaded

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = index.row()
        if not index.isValid() or row >= len(self._rows):
            return None
        face = self._rows[row]
        if role == RowRole:
            return face
        if role == Qt.ItemDataRole.ToolTipRole:
            return os.path.basename(face.path)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"Face in {os.path.basename(face.path)}"
        return None

    # -- rows ---------------------------------------------------------------------------
    @property
    def rows(self) -> list[FaceItem]:
        return list(self._rows)

    def row_of(self, face_id: int) -> int:
        return self._index.get(face_id, -1)

    def row_at(self, row: int) -> FaceItem:
        return self._rows[row]

    def set_rows(self, rows: list[FaceItem]) -> None:
        """Update in place: rows that left go, changed ones are replaced, new ones appended."""
        gone, changed, added = diff_rows(self._rows, rows, lambda f: f.face_id)
        for first, last in reversed(ranges(gone)):
            del self._rows[first:last + 1]
            self.removeRows(first, last - first + 1)
        for i, fresh in changed:
            self._rows[i] = fresh
            self.dataChanged.emit(self.index(i, 0), self.index(i, 0))
        self._index = {f.face_id: i for i, f in enumerate(self._rows)}
        self.append_rows(added)

    def append_rows(self, rows: list[FaceItem]) -> None:
        if rows:
            start = len(self._rows)
            self._rows.extend(rows)
            self._index.update({f.face_id: start + i for i, f in enumerate(rows)})
            self.insertRows(start, len(rows))

    def reset_rows(self, rows: list[FaceItem]) -> None:
        """Replace everything (a different person's faces, say)."""
        self._rows, self._index = [], {}
        self.setRowCount(0)
        self.append_rows(list(rows))

    # -- paging -------------------------------------------------------------------------
    def set_source(self, fetch: Fetch | None, keep: bool = True, ahead: Ahead | None = None) -> None:
        """Show the faces ``fetch`` pages through: the first page, or (``keep``) as many as
        are loaded now, updated in place so selection and scroll stay. With ``ahead`` (the
        same read on a worker thread), the next page is read while this one is shown."""
        self._fetch, self._ahead, self._next = fetch, ahead, None
        if fetch is None:
            self._more, self._last = False, 0
            self.reset_rows([])
            return
        want = max(self.page, len(self._rows)) if keep else self.page
        rows = fetch(0, want + 1)
        self._more = len(rows) > want
        rows = rows[:want]
        self._last = rows[-1].face_id if rows else 0
        if keep:
            self.set_rows(rows)
        else:
            self.reset_rows(rows)
        self._read_ahead()

    def canFetchMore(self, parent=QModelIndex()) -> bool:
        return not parent.isValid() and self._fetch is not None and self._more

    def fetchMore(self, parent=QModelIndex()) -> None:
        if not self.canFetchMore(parent):
            return
        rows = self._take_ahead()
        if rows is None:
            rows = self._fetch(self._last, self.page + 1)
        self._more = len(rows) > self.page
        rows = rows[:self.page]
        if rows:
            self._last = rows[-1].face_id
        self.append_rows([r for r in rows if self.row_of(r.face_id) < 0])
        self._read_ahead()

    def _read_ahead(self) -> None:
        self._next = None
        if self._ahead is not None and self._more:
            try:
                self._next = (self._last, self._ahead(self._last, self.page + 1))
            except RuntimeError:  # the reader is closed (the window is closing)
                self._next = None

    def _take_ahead(self) -> list[FaceItem] | None:
        """The page read ahead, if it is the one wanted now (waiting for it if it is still
        being read: no longer than reading it here); ``None``: read it here."""
        pending, self._next = self._next, None
        if pending is None or pending[0] != self._last:
            return None
        try:
            return pending[1].result()
        except Exception:  # a busy or closed catalog: this thread's connection tries
            return None


class FaceGrid(QListView):
    """The face grid; ``openFace`` on double-click or Enter."""

    openFace = Signal(object)  # FaceItem

    def __init__(self, cache: ThumbnailCache, tile: int = 112, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("Grid")
        self.cache = cache
        self.face_model = FaceModel(self)
        self.setModel(self.face_model)
        self.setItemDelegate(FaceDelegate(cache, tile, self))
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setGridSize(QSize(tile + 8, tile + 8))
        self.setSpacing(0)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        self.setMouseTracking(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        cache.ready.connect(self.viewport().update)

    def set_source(self, fetch: Fetch | None, keep: bool = True, ahead: Ahead | None = None) -> None:
        """Page through ``fetch`` (see :meth:`FaceModel.set_source`)."""
        self.face_model.set_source(fetch, keep, ahead)
        if not keep:
            self.scrollToTop()

    def faces(self) -> list[FaceItem]:
        """The faces loaded so far (all of them once scrolled to the end)."""
        return self.face_model.rows

    def selected_faces(self) -> list[FaceItem]:
        rows = sorted(i.row() for i in self.selectionModel().selectedIndexes())
        return [self.face_model.row_at(r) for r in rows]

    def select_rows(self, rows: list[int]) -> None:
        selection = self.selectionModel()
        selection.clearSelection()
        if rows:
            selection.setCurrentIndex(self.face_model.index(rows[0], 0),
                                      QItemSelectionModel.SelectionFlag.NoUpdate)
        for r in rows:
            selection.select(self.face_model.index(r, 0), QItemSelectionModel.SelectionFlag.Select)

    def mouseDoubleClickEvent(self, event) -> None:
        index = self.indexAt(event.position().toPoint())
        if index.isValid() and event.button() == Qt.MouseButton.LeftButton:
            self.openFace.emit(index.data(RowRole))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.openFace.emit(self.currentIndex().data(RowRole))
            return
        super().keyPressEvent(event)

    def hideEvent(self, event) -> None:
        self.cache.forget_queue()
        super().hideEvent(event)
