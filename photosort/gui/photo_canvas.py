"""Painting a photo scaled to fit, with a box and a name tag on every face; boxes are clickable."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QKeyEvent, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from photosort.core.records import person_label
from photosort.gui import theme
from photosort.gui.thumbnails import FaceItem


class PhotoCanvas(QWidget):
    """Shows one photo; ``faceClicked(face, global position)`` when a box is chosen."""

    faceClicked = Signal(object, QPoint)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        self.original = QSize()
        self.faces: list[FaceItem] = []
        self.names: dict[int, str | None] = {}
        self.status = ""
        self.hover = -1
        self.focused = -1
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)

    # -- content ----------------------------------------------------------------------
    def set_photo(self, image: QImage | None, faces: list[FaceItem], names: dict,
                  loading: bool = False, error: str = "") -> None:
        self.image = image
        self.status = error or ("Loading…" if loading else "")
        self.set_faces(faces, names)

    def set_image(self, image: QImage, original_size: tuple[int, int]) -> None:
        self.image, self.original, self.status = image, QSize(*original_size), ""
        self.update()

    def set_error(self, message: str) -> None:
        self.image, self.status = None, message
        self.update()

    def set_faces(self, faces: list[FaceItem], names: dict) -> None:
        self.faces, self.names = faces, names
        self.hover = -1
        self.focused = min(self.focused, len(faces) - 1)
        self.update()

    def label(self, face: FaceItem) -> str:
        if face.person_id is None:
            return "Unknown"
        return person_label(self.names.get(face.person_id), face.person_id)

    # -- geometry ---------------------------------------------------------------------
    def photo_rect(self) -> QRectF:
        if self.image is None or self.original.isEmpty():
            return QRectF()
        size = QSize(self.original).scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        return QRectF((self.width() - size.width()) / 2, (self.height() - size.height()) / 2,
                      size.width(), size.height())

    def box_rect(self, face: FaceItem) -> QRectF:
        photo = self.photo_rect()
        if photo.isEmpty():
            return QRectF()
        k = photo.width() / self.original.width()
        x1, y1, x2, y2 = face.box
        return QRectF(photo.left() + x1 * k, photo.top() + y1 * k, (x2 - x1) * k, (y2 - y1) * k)

    def face_at(self, pos: QPointF) -> int:
        hits = [i for i, f in enumerate(self.faces) if self.box_rect(f).contains(pos)]
        return min(hits, key=lambda i: self.box_rect(self.faces[i]).width(), default=-1)

    # -- painting ---------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        photo = self.photo_rect()
        if photo.isEmpty():
            painter.setPen(theme.muted(self.palette()))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.status)
            return
        painter.drawImage(photo, self.image)
        font = QFont(self.font())
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        for i, face in enumerate(self.faces):
            box = self.box_rect(face)
            color = theme.person_color(face.person_id) if face.person_id else QColor("#ffffff")
            active = i in (self.hover, self.focused)
            pen = QPen(color, 3.5 if active else 2.0)
            if face.person_id is None:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(QPen(QColor(0, 0, 0, 90), pen.widthF() + 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(box, 6, 6)
            painter.setPen(pen)
            painter.drawRoundedRect(box, 6, 6)
            text = self.label(face)
            tag = QRectF(0, 0, metrics.horizontalAdvance(text) + 16, metrics.height() + 8)
            tag.moveCenter(QPointF(box.center().x(), box.bottom() + 6 + tag.height() / 2))
            if tag.bottom() > photo.bottom():
                tag.moveBottom(box.top() - 6)
            tag.moveLeft(min(max(tag.left(), photo.left()), photo.right() - tag.width()))
            fill = QColor(color if face.person_id else QColor(40, 40, 40))
            fill.setAlpha(235)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(tag, tag.height() / 2, tag.height() / 2)
            painter.setPen(QColor("#111111") if fill.lightness() > 150 and face.person_id
                           else QColor("#ffffff"))
            painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, text)

    # -- input ------------------------------------------------------------------------
    def mouseMoveEvent(self, event) -> None:
        hover = self.face_at(event.position())
        if hover != self.hover:
            self.hover = hover
            self.setCursor(Qt.CursorShape.PointingHandCursor if hover >= 0
                           else Qt.CursorShape.ArrowCursor)
            self.setToolTip(self.label(self.faces[hover]) if hover >= 0 else "")
            self.update()

    def leaveEvent(self, event) -> None:
        self.hover = -1
        self.update()

    def mouseReleaseEvent(self, event) -> None:
        index = self.face_at(event.position())
        if index >= 0 and event.button() == Qt.MouseButton.LeftButton:
            self.focused = index
            self.update()
            self.faceClicked.emit(self.faces[index], event.globalPosition().toPoint())

    def focusNextPrevChild(self, forward: bool) -> bool:
        if not self.faces:
            return super().focusNextPrevChild(forward)
        self.focused = (self.focused + (1 if forward else -1)) % len(self.faces)
        self.update()
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space,
                           Qt.Key.Key_Menu) and 0 <= self.focused < len(self.faces):
            box = self.box_rect(self.faces[self.focused])
            self.faceClicked.emit(self.faces[self.focused],
                                  self.mapToGlobal(box.bottomLeft().toPoint()))
            return
        super().keyPressEvent(event)
