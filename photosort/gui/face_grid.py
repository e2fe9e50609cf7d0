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
from typing import Any, Callable

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QListView

from photosort.gui.delegates import FaceDelegate
from photosort.gui.list_model import KeyedListModel, RowRole
from photosort.gui.thumbnails import FaceItem, ThumbnailCache


Fetch = Callable[[int, int], list[FaceItem]]  # (after face id, limit) → faces in id order


class FaceModel(KeyedListModel[FaceItem]):
    """Faces keyed by face id; with a ``fetch`` source, filled a page at a time."""

    def __init__(self, parent=None, page: int = 1000) -> None:
        super().__init__(key=lambda f: f.face_id, parent=parent)
        self.page = page
        self._fetch: Fetch | None = None
        self._more = False
        self._last = 0  # every face with an id up to this one is loaded

    def set_source(self, fetch: Fetch | None, keep: bool = True) -> None:
        """Show the faces ``fetch`` pages through: the first page, or (``keep``) as many as
        are loaded now, updated in place so selection and scroll stay."""
        self._fetch = fetch
        if fetch is None:
            self._more, self._last = False, 0
            self.reset_rows([])
            return
        want = max(self.page, self.rowCount()) if keep else self.page
        rows = fetch(0, want + 1)
        self._more = len(rows) > want
        rows = rows[:want]
        self._last = rows[-1].face_id if rows else 0
        if keep:
            self.set_rows(rows)
        else:
            self.reset_rows(rows)

    def canFetchMore(self, parent: QModelIndex = QModelIndex()) -> bool:
        return not parent.isValid() and self._fetch is not None and self._more

    def fetchMore(self, parent: QModelIndex = QModelIndex()) -> None:
        if not self.canFetchMore(parent):
            return
        rows = self._fetch(self._last, self.page + 1)
        self._more = len(rows) > self.page
        rows = rows[:self.page]
        if rows:
            self._last = rows[-1].face_id
        self.append_rows([r for r in rows if self.row_of(r.face_id) < 0])

    def row_data(self, row: FaceItem, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole:
            return os.path.basename(row.path)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"Face in {os.path.basename(row.path)}"
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

    def set_source(self, fetch: Fetch | None, keep: bool = True) -> None:
        """Show the faces ``fetch`` pages through: the first page, or (``keep``) as many as
        are loaded now, updated in place so selection and scroll stay."""
        self._fetch = fetch
        if fetch is None:
            self._more, self._last = False, 0
            self.reset_rows([])
            return
        want = max(self.page, self.rowCount()) if keep else self.page
        rows = fetch(0, want + 1)
        self._more = len(rows) > want
        rows = rows[:want]
        self._last = rows[-1].face_id if rows else 0
        if keep:
            self.set_rows(rows)
        else:
            self.reset_rows(rows)

    def canFetchMore(self, parent: QModelIndex = QModelIndex()) -> bool:
        return not parent.isValid() and self._fetch is not None and self._more

    def fetchMore(self, parent: QModelIndex = QModelIndex()) -> None:
        if not self.canFetchMore(parent):
            return
        rows = self._fetch(self._last, self.page + 1)
        self._more = len(rows) > self.page
        rows = rows[:self.page]
        if rows:
            self._last = rows[-1].face_id
        self.append_rows([r for r in rows if self.row_of(r.face_id) < 0])

    def row_data(self, row: FaceItem, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole:
            return os.path.basename(row.path)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"Face in {os.path.basename(row.path)}"
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

    def set_faces(self, faces: list[FaceItem], keep: bool = True) -> None:
        """Show ``faces``; ``keep`` updates in place (same list, refreshed) instead of resetting."""
        if keep:
            self.face_model.set_rows(faces)
        else:
            self.face_model.reset_rows(faces)
            self.scrollToTop()

    def set_source(self, fetch: Fetch | None, keep: bool = True) -> None:
        """Page through ``fetch`` (see :meth:`FaceModel.set_source`)."""
        self.face_model.set_source(fetch, keep)
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
            selection.setCurrentIndex(self.face_model.index(rows[0]),
                                      QItemSelectionModel.SelectionFlag.NoUpdate)
        for r in rows:
            selection.select(self.face_model.index(r), QItemSelectionModel.SelectionFlag.Select)

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
