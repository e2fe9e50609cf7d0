"""The grid of people cards: open, rename in place, select several, drag one onto another to merge."""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QModelIndex, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QDragMoveEvent, QDropEvent, QFontMetrics, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication, QListView

from photosort.gui.delegates import CARD, PersonDelegate
from photosort.gui.list_model import RowRole
from photosort.gui.people_model import PEOPLE_MIME, PeopleModel, decode_people
from photosort.gui.thumbnails import ThumbnailCache


class PeopleGrid(QListView):
    """People cards in icon mode; emits ``openPerson`` and ``mergeRequested``."""

    openPerson = Signal(int)
    mergeRequested = Signal(int, list)  # target, sources

    def __init__(self, model: PeopleModel, cache: ThumbnailCache, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("Grid")
        self.people = model
        self.setModel(model)
        self._typed, self._typed_at = "", None
        self.person_delegate = PersonDelegate(cache, self)
        self.setItemDelegate(self.person_delegate)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setGridSize(QSize(CARD.width() + 4, CARD.height() + 4))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(32)
        self.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setMouseTracking(True)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDropIndicatorShown(False)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        cache.ready.connect(self.viewport().update)

    def selected_ids(self) -> list[int]:
        return self.people.person_ids(self.selectionModel().selectedIndexes())

    def current_id(self) -> int | None:
        ids = self.people.person_ids([self.currentIndex()])
        return ids[0] if ids else None

    def index_of(self, person_id: int) -> QModelIndex:
        row = self.people.row_of(person_id)
        return self.people.index(row, 0) if row >= 0 else QModelIndex()

    def rename(self, person_id: int | None = None) -> bool:
        index = self.currentIndex() if person_id is None else self.index_of(person_id)
        if not index.isValid():
            return False
        self.setCurrentIndex(index)
        return self.edit(index, QAbstractItemView.EditTrigger.AllEditTriggers, None)

    def keyboardSearch(self, search: str) -> None:
        """Type-to-find: Qt's own reads every row's name until one matches (all 38,000 of
        a lifetime library when none does); the model finds it in SQL."""
        if self._typed_at is None or self._typed_at.elapsed() > QApplication.keyboardInputInterval():
            self._typed = ""
        self._typed += search
        self._typed_at = QElapsedTimer()
        self._typed_at.start()
        current = self.currentIndex().row() if self.currentIndex().isValid() else -1
        row = self.people.find(self._typed, current - 1 if len(self._typed) > 1 else current)
        if row >= 0:
            index = self.people.index(row, 0)
            self.setCurrentIndex(index)
            self.scrollTo(index)

    # -- mouse and keys -------------------------------------------------------------
    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        if not index.isValid():
            return
        name = PersonDelegate.name_rect(self.visualRect(index), QFontMetrics(self.font()))
        if name.adjusted(0, -4, 0, 20).contains(event.position().toPoint()):
            self.rename(index.data(RowRole).id)
        else:
            self.openPerson.emit(index.data(RowRole).id)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and self.state() != QAbstractItemView.State.EditingState
                and self.currentIndex().isValid()):
            self.openPerson.emit(self.currentIndex().data(RowRole).id)
            return
        super().keyPressEvent(event)

    # -- drag one person onto another -------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(PEOPLE_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        target = self._drop_target(event)
        self.person_delegate.drop_target = QPersistentModelIndex(target)
        self.viewport().update()
        if target.isValid():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:
        self.person_delegate.drop_target = QPersistentModelIndex()
        self.viewport().update()

    def dropEvent(self, event: QDropEvent) -> None:
        target = self._drop_target(event)
        self.person_delegate.drop_target = QPersistentModelIndex()
        self.viewport().update()
        if not target.isValid():
            event.ignore()
            return
        target_id = target.data(RowRole).id
        sources = [p for p in decode_people(event.mimeData()) if p != target_id]
        event.setDropAction(Qt.DropAction.CopyAction)  # the view must not remove rows itself
        event.accept()
        self.mergeRequested.emit(target_id, sources)

    def _drop_target(self, event) -> QModelIndex:
        if not event.mimeData().hasFormat(PEOPLE_MIME):
            return QModelIndex()
        index = self.indexAt(event.position().toPoint())
        if not index.isValid():
            return QModelIndex()
        if index.data(RowRole).id in decode_people(event.mimeData()):
            return QModelIndex()
        return index
