"""Pieces of the Review place: the off-thread counter behind "12 suggestions · 3 proposals",
the checkable page of face tiles, and the proposal's "more faces on hover" popup."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (QFrame, QGridLayout, QLabel, QListView, QListWidget, QListWidgetItem,
                               QVBoxLayout, QWidget)

from photosort.gui import review_process
from photosort.gui.library import Library
from photosort.gui.thumbnails import FaceItem
from photosort.gui.widgets import Avatar

TILE = 96


def review_counts(library: Library) -> tuple[int, int]:
    """(open suggestions, open proposals) for the People view's "12 suggestions · 3 proposals",
    computed in a worker process through a catalog connection of its own
    (:mod:`photosort.gui.review_process`: the window's GIL and connection stay free)."""
    return review_process.shared().counts(library.db_path)


def counts_text(suggestions: int, proposals: int) -> str:
    s = f"{suggestions} suggestion{'s' * (suggestions != 1)}"
    return f"{s} · {proposals} proposal{'s' * (proposals != 1)}"


class ReviewCounter(QObject):
    """Counts open suggestions and proposals off the GUI thread; ``counted`` delivers them.

    A request while a count runs is remembered and served once it ends, so
    a scan that changes people every few seconds never queues up counts; a
    request when the catalog has not changed since the last count
    (:meth:`Library.change_stamp`) starts none (a count reads every face).
    """

    counted = Signal(int, int)

    def __init__(self, library: Library, parent=None) -> None:
        super().__init__(parent)
        self.library = library
        self._lock = threading.Lock()
        self._running = self._again = False
        self._stamp: tuple[int, int] | None = None

    def request(self) -> None:
        stamp = self.library.change_stamp()
        with self._lock:
            if stamp == self._stamp:
                return
            self._stamp = stamp
            if self._running:
                self._again = True
                return
            self._running = True
        threading.Thread(target=self._work, name="review-count", daemon=True).start()

    def _work(self) -> None:
        while True:
            try:
                self.counted.emit(*review_counts(self.library))
            except Exception:  # a closed catalog while counting: nothing to show
                logging.getLogger(__name__).debug("review count failed", exc_info=True)
                with self._lock:
                    self._stamp = None  # the next request counts again
            with self._lock:
                if not self._again:
                    self._running = False
                    return
                self._again = False


class FaceTiles(QListWidget):
    """A page of checkable face tiles; Y/N/Space/Enter are handled by the :class:`ReviewView`."""

    def __init__(self, library: Library, parent=None) -> None:
        super().__init__(parent)
        self.library = library
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(TILE, TILE))
        self.setGridSize(QSize(TILE + 24, TILE + 44))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setWrapping(True)
        self.faces: list[FaceItem] = []
        library.thumbnails.ready.connect(self._refresh_icons)

    def set_page(self, faces: list[FaceItem], texts: list[str], checkable: bool = True) -> None:
        self.clear()
        self.faces = faces
        for face, text in zip(faces, texts):
            item = QListWidgetItem(text)
            if checkable:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked)
            item.setData(Qt.ItemDataRole.UserRole, face.face_id)
            item.setSizeHint(self.gridSize())  # a longer text must not widen its tile
            self.addItem(item)
        self._refresh_icons()
        if faces:
            self.setCurrentRow(0)

    def remove_row(self, row: int) -> None:
        """Take one tile out (an answered face), the next one current."""
        self.takeItem(row)
        del self.faces[row]
        if self.count():
            self.setCurrentRow(min(row, self.count() - 1))

    def tick_all(self, on: bool) -> None:
        """Tick (``on``) or untick every face of the page."""
        state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        for i in range(self.count()):
            self.item(i).setCheckState(state)

    def unticked(self) -> list[int]:
        return [self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())
                if self.item(i).checkState() != Qt.CheckState.Checked]

    def _refresh_icons(self) -> None:
        for i, face in enumerate(self.faces):
            item = self.item(i)
            if item is not None and item.icon().isNull():
                image = self.library.thumbnails.get(face, TILE)
                if image is not None:
                    item.setIcon(QIcon(QPixmap.fromImage(image)))


class HoverAvatar(Avatar):
    """A face avatar that says when the pointer enters (``hovered(True)``) or leaves it."""

    hovered = Signal(bool)

    def enterEvent(self, event) -> None:
        self.hovered.emit(True)
        super().enterEvent(event)

    def leaveEvent(self, event) -> None:
        self.hovered.emit(False)
        super().leaveEvent(event)


class FacePopup(QFrame):
    """More faces of one person, in a tooltip-like window below the hovered face.

    It never takes the keyboard (Y / N keep answering the proposal) and goes
    when the pointer leaves the face or the proposal changes.
    """

    COLUMNS = 6
    SIZE = 80

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.ToolTip | Qt.WindowType.FramelessWindowHint)
        self.library = library
        self.setObjectName("FacePopup")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 10)
        self.title = QLabel()
        layout.addWidget(self.title)
        self.grid = QGridLayout()
        self.grid.setSpacing(6)
        layout.addLayout(self.grid)
        self.avatars: list[Avatar] = []

    @property
    def faces(self) -> list[FaceItem]:
        return [a.item for a in self.avatars if a.item is not None]

    def show_faces(self, title: str, faces: list[FaceItem], anchor: QWidget,
                   right_aligned: bool = False) -> None:
        """Show ``faces`` under ``title`` below ``anchor`` (nothing to show: hidden)."""
        if not faces:
            self.hide()
            return
        self.title.setText(title)
        while len(self.avatars) < len(faces):
            avatar = Avatar(self.library.thumbnails, self.SIZE, self)
            self.grid.addWidget(avatar, len(self.avatars) // self.COLUMNS, len(self.avatars) % self.COLUMNS)
            self.avatars.append(avatar)
        for k, avatar in enumerate(self.avatars):
            avatar.set_face(faces[k] if k < len(faces) else None)
            avatar.setVisible(k < len(faces))
        self.adjustSize()
        x = anchor.width() - self.sizeHint().width() if right_aligned else 0
        self.move(anchor.mapToGlobal(QPoint(x, anchor.height() + 30)))  # below its name
        self.show()
