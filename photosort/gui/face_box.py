"""Drawing a box for a face the detector missed, in the photo viewer; and "Not a face".

Dragging on the photo (from a point outside every face box) shows a rubber
band; on release the user is asked who it is, and the box becomes a face of
that person (:func:`photosort.services.face_edit.add_user_face`: landmarks,
embedding, a user decision that survives re-analysis). "Not a face" in a
face's menu deletes a wrong detection and remembers it.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QRubberBand

from photosort.core.records import Box

if TYPE_CHECKING:
    from photosort.gui.photo_viewer import PhotoViewer
    from photosort.gui.thumbnails import FaceItem

MIN_DRAG = 8
log = logging.getLogger("photosort.gui")


class FaceBoxDrawer(QObject):
    """An event filter on the viewer's canvas that turns a drag into a new face."""

    def __init__(self, viewer: "PhotoViewer") -> None:
        super().__init__(viewer)
        self.viewer = viewer
        self.canvas = viewer.canvas
        self.band = QRubberBand(QRubberBand.Shape.Rectangle, self.canvas)
        self.origin: QPoint | None = None
        self.canvas.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            pos = event.position()
            if self.canvas.face_at(pos) < 0 and self.canvas.photo_rect().contains(pos):
                self.origin = pos.toPoint()
        elif kind == QEvent.Type.MouseMove and self.origin is not None:
            rect = QRect(self.origin, event.position().toPoint()).normalized()
            if rect.width() >= MIN_DRAG or rect.height() >= MIN_DRAG:
                self.band.setGeometry(rect)
                self.band.show()
                return True
        elif kind == QEvent.Type.MouseButtonRelease and self.origin is not None:
            rect = QRect(self.origin, event.position().toPoint()).normalized()
            self.origin = None
            if self.band.isVisible():
                self.band.hide()
                self.drawn(rect)
                return True
        return False

    def to_photo(self, rect: QRect) -> Box | None:
        """A widget rectangle in original-photo pixels (None before the photo is shown)."""
        photo = self.canvas.photo_rect()
        if photo.isEmpty():
            return None
        k = self.canvas.original.width() / photo.width()
        return Box((rect.left() - photo.left()) * k, (rect.top() - photo.top()) * k,
                   (rect.right() + 1 - photo.left()) * k, (rect.bottom() + 1 - photo.top()) * k)

    def drawn(self, rect: QRect) -> None:
        """Ask who the drawn face is, then add it."""
        from photosort.gui.person_picker import PersonPicker

        box, photo_id = self.to_photo(rect), self.viewer.current_photo()
        if box is None or photo_id is None:
            return
        pick = PersonPicker.choose(self.viewer.library, "Who is this?",
                                   "A face the detector missed. Choose a person or type a new name:",
                                   parent=self.viewer)
        if pick is None:
            return
        self.add(photo_id, box, person_id=pick.person_id, new_name=pick.new_name)

    def add(self, photo_id: int, box: Box, *, person_id: int | None = None,
            new_name: str | None = None) -> int | None:
        from photosort.services.face_edit import FaceEditError, add_user_face

        lib = self.viewer.library
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # first use loads the models
        try:
            face = lib.edit(functools.partial(add_user_face, lib.db, photo_id, box, lib.prefs.analyze_settings(),
                                              person_id=person_id, new_name=new_name))
        except FaceEditError as exc:
            self.viewer.message.emit(f"No face added: {exc}")
            return None
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.viewer.refresh()
        self.viewer.message.emit("Face added")
        return face


def add_not_a_face(menu: QMenu, viewer: "PhotoViewer", face: "FaceItem") -> None:
    """The face menu's "Not a face" entry."""
    from photosort.services.face_edit import not_a_face

    def run() -> None:
        viewer.library.edit(functools.partial(not_a_face, viewer.library.db, face.face_id))
        viewer.refresh()

    menu.addSeparator()
    menu.addAction("Not a face", run)
