"""A virtualised grid of face thumbnails with multi-select (person page, unknown faces).

QListView in icon mode with uniform item sizes lays out and paints only the
visible tiles, so thousands of faces scroll smoothly; thumbnails arrive in
the background and only the viewport repaints.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QListView

from photosort.gui.delegates import FaceDelegate
from photosort.gui.list_model import KeyedListModel, RowRole
from photosort.gui.thumbnails import FaceItem, ThumbnailCache


class FaceModel(KeyedListModel[FaceItem]):
    """Faces keyed by face id."""

    def __init__(self, parent=None) -> None:
        super().__init__(key=lambda f: f.face_id, parent=parent)

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

    def faces(self) -> list[FaceItem]:
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
