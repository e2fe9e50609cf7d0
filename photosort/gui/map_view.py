"""The map: face embeddings projected to 2-D (PCA), coloured by person.

Nearby dots are faces the embedder finds similar, so a person is a cloud and
a stray dot in someone else's cloud is a likely mistake. Hover shows the face,
a click opens the person; the wheel zooms and dragging pans.

Beyond :data:`MAX_POINTS` faces the map shows an even sample (every k-th face
id, so each person keeps their share): at 20,000 dots of 4 px radius the plot
area (~1,000 × 800 px) is already covered about once over, so more dots only
hide each other, while each one costs painting time and memory. The faces are
read and projected on a worker thread through a connection of its own, so
neither the GUI thread nor its connection waits for 400k embeddings; the
dots are drawn into a cached image, redrawn only when zoom, pan or size change.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QThreadPool, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QWidget

from photosort.core.records import person_label
from photosort.gui import theme
from photosort.gui.delegates import paint_face
from photosort.gui.library import FACE_SQL, Library, face_item
from photosort.gui.map_data import MAX_POINTS, Compute, Done

HOVER_PX = 10.0
HINT = ("Each dot is a face; faces that look alike lie close together. Hover to see a face, "
        "click to open the person · wheel or +/− zooms, drag or arrows pan, 0 resets")


class MapView(QWidget):
    """The scatter plot; ``openPerson`` on click."""

    openPerson = Signal(int)

    def __init__(self, library: Library, parent=None) -> None:
        super().__init__(parent)
        self.library = library
        self.ids = np.zeros(0, np.int64)
        self.people = np.zeros(0, np.int64)
        self.points = np.zeros((0, 2))
        self.names: dict[int, str | None] = {}
        self.zoom, self.pan = 1.0, QPointF()
        self.hover = -1
        self._drag: QPointF | None = None
        self._items: dict[int, object] = {}
        self.total = 0
        self._legend: list[tuple[int, str, int]] = []
        self._image = None
        self._image_key: tuple = ()
        self.stale = True
        self.computing = False
        self._done = Done(self)
        self._done.done.connect(self._loaded)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        library.thumbnails.ready.connect(self.update)

    def refresh(self) -> None:
        """Recompute in the background (cheap to call often: one computation at a time)."""
        self.stale = True
        if self.isVisible() and not self.computing:
            self.computing = True
            QThreadPool.globalInstance().start(Compute(self.library.db_path, self._done,
                                                        MAX_POINTS))

    def showEvent(self, event) -> None:
        if self.stale:
            self.refresh()
        super().showEvent(event)

    def _loaded(self, result) -> None:
        self.computing = False
        self.stale = False
        self.ids, self.people, self.points = result["ids"], result["people"], result["points"]
        self.total, self._legend = result["total"], result["legend"]
        self.names = {pid: name for pid, name, _ in self._legend}
        self._items.clear()
        self._image = None
        self.hover = -1
        self.update()

    # -- geometry ---------------------------------------------------------------------
    def screen_points(self) -> np.ndarray:
        if not len(self.points):
            return self.points
        lo, hi = self.points.min(axis=0), self.points.max(axis=0)
        span = np.maximum(hi - lo, 1e-9)
        area = self._area()
        k = min(area.width() / span[0], area.height() / span[1]) * self.zoom
        centre = (lo + hi) / 2
        xy = (self.points - centre) * k
        return xy + np.array([area.center().x() + self.pan.x(), area.center().y() + self.pan.y()])

    def _area(self) -> QRectF:
        return QRectF(self.rect()).adjusted(40, 40, -260, -40)

    def point_at(self, pos: QPointF) -> int:
        xy = self.screen_points()
        if not len(xy):
            return -1
        d = np.hypot(xy[:, 0] - pos.x(), xy[:, 1] - pos.y())
        i = int(d.argmin())
        return i if d[i] <= HOVER_PX else -1

    def legend(self) -> list[tuple[int, str, int]]:
        """(person, name, faces) of the largest people (all their faces, not the sample)."""
        return self._legend

    # -- painting ---------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        if not len(self.points):
            painter.setPen(theme.muted(palette))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             "Computing the map…" if self.computing else
                             "No faces yet. The map fills in as PhotoSort finds faces.")
            return
        xy = self.screen_points()
        painter.drawImage(0, 0, self._dots(xy))
        self._paint_legend(painter, palette)
        painter.setPen(theme.muted(palette))
        hint = HINT if len(self.ids) >= self.total else (
            f"An even sample of {len(self.ids):,} of {self.total:,} faces · " + HINT)
        painter.drawText(QRectF(20, self.height() - 30, self.width() - 40, 20),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         painter.fontMetrics().elidedText(hint, Qt.TextElideMode.ElideRight,
                                                          self.width() - 40))
        if 0 <= self.hover < len(self.ids):
            self._paint_hover(painter, palette, QPointF(*xy[self.hover]))

    def _dots(self, xy: np.ndarray) -> QImage:
        """The dots, drawn once per zoom, pan and size (hovering only redraws the card)."""
        ratio = self.devicePixelRatioF()
        key = (self.width(), self.height(), ratio, self.zoom, self.pan.x(), self.pan.y(),
               id(self.points))
        if self._image is not None and key == self._image_key:
            return self._image
        image = QImage(round(self.width() * ratio), round(self.height() * ratio),
                       QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(ratio)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        inside = np.flatnonzero((xy[:, 0] > -8) & (xy[:, 0] < self.width() + 8)
                                & (xy[:, 1] > -8) & (xy[:, 1] < self.height() + 8))
        # one sort groups the dots by person (a mask over every dot per person was 3,200
        # passes over 20k dots on the 400k-face catalog, more than drawing them)
        order = inside[np.argsort(self.people[inside], kind="stable")]
        people, starts = np.unique(self.people[order], return_index=True)
        painter.setPen(Qt.PenStyle.NoPen)
        ends = [*starts[1:].tolist(), len(order)]
        for pid, first, last in zip(people.tolist(), starts.tolist(), ends):
            painter.setBrush(theme.person_color(pid if pid >= 0 else None))
            r = 4.0 if pid >= 0 else 2.5
            for x, y in xy[order[first:last]].tolist():
                painter.drawEllipse(QPointF(x, y), r, r)
        painter.end()
        self._image, self._image_key = image, key
        return image

    def _paint_legend(self, painter: QPainter, palette: QPalette) -> None:
        x, y = self.width() - 230, 40
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        painter.drawText(QRectF(x, y - 26, 220, 20), Qt.AlignmentFlag.AlignLeft, "Largest groups")
        for pid, name, count in self.legend():
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.person_color(pid))
            painter.drawEllipse(QPointF(x + 6, y + 9), 5, 5)
            painter.setPen(palette.color(QPalette.ColorRole.WindowText))
            painter.drawText(QRectF(x + 18, y, 160, 18), Qt.AlignmentFlag.AlignVCenter,
                             painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, 160))
            painter.setPen(theme.muted(palette))
            painter.drawText(QRectF(x + 180, y, 40, 18),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, str(count))
            y += 22

    def _paint_hover(self, painter: QPainter, palette: QPalette, at: QPointF) -> None:
        face_id = int(self.ids[self.hover])
        if face_id not in self._items:
            rows = self.library.db.query(FACE_SQL + " WHERE f.id = ?", (face_id,))
            self._items[face_id] = face_item(rows[0]) if rows else None
        pid = int(self.people[self.hover])
        if pid >= 0 and pid not in self.names:
            person = self.library.person(pid)
            self.names[pid] = person.display_name if person else person_label(None, pid)
        name = self.names.get(pid, person_label(None, pid)) if pid >= 0 else "Unknown face"
        card = QRect(0, 0, 128, 150)
        card.moveTopLeft((at + QPointF(14, 14)).toPoint())
        if card.right() > self.width() - 4:
            card.moveRight(int(at.x()) - 14)
        if card.bottom() > self.height() - 4:
            card.moveBottom(int(at.y()) - 14)
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid)))
        painter.setBrush(palette.color(QPalette.ColorRole.Window))
        painter.drawRoundedRect(QRectF(card), 10, 10)
        paint_face(painter, QRect(card.left() + 8, card.top() + 8, 112, 112),
                   self.library.thumbnails, self._items[face_id], palette)
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        painter.drawText(QRect(card.left() + 4, card.top() + 122, 120, 24), Qt.AlignmentFlag.AlignCenter,
                         painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, 116))

    # -- input ------------------------------------------------------------------------
    def mouseMoveEvent(self, event) -> None:
        if self._drag is not None:
            self.pan += event.position() - self._drag
            self._drag = event.position()
            self.update()
            return
        hover = self.point_at(event.position())
        if hover != self.hover:
            self.hover = hover
            self.setCursor(Qt.CursorShape.PointingHandCursor if hover >= 0 and
                           self.people[hover] >= 0 else Qt.CursorShape.ArrowCursor)
            self.update()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.point_at(event.position()) < 0:
            self._drag = event.position()

    def mouseReleaseEvent(self, event) -> None:
        if self._drag is not None:
            self._drag = None
            return
        legend = self.legend_at(event.position())
        if legend is not None:
            self.openPerson.emit(legend)
            return
        index = self.point_at(event.position())
        if index >= 0 and self.people[index] >= 0:
            self.openPerson.emit(int(self.people[index]))

    def mouseDoubleClickEvent(self, event) -> None:
        self.zoom, self.pan = 1.0, QPointF()
        self.update()

    def wheelEvent(self, event) -> None:
        self.zoom_by(1.2 ** (event.angleDelta().y() / 120), event.position())

    def zoom_by(self, factor: float, at: QPointF | None = None) -> None:
        """Zoom keeping the point under ``at`` (default: the centre) in place."""
        new = min(max(self.zoom * factor, 0.5), 40.0)
        factor, self.zoom = new / self.zoom, new
        centre = self._area().center()
        at = centre if at is None else at
        self.pan = (at - centre) - (at - centre - self.pan) * factor
        self.update()

    def keyPressEvent(self, event) -> None:
        key, step = event.key(), 40.0
        moves = {Qt.Key.Key_Left: QPointF(step, 0), Qt.Key.Key_Right: QPointF(-step, 0),
                 Qt.Key.Key_Up: QPointF(0, step), Qt.Key.Key_Down: QPointF(0, -step)}
        if key in moves:
            self.pan += moves[key]
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(1.25)
        elif key == Qt.Key.Key_Minus:
            self.zoom_by(0.8)
        elif key == Qt.Key.Key_0:
            self.zoom, self.pan = 1.0, QPointF()
        else:
            super().keyPressEvent(event)
            return
        self.update()

    def legend_at(self, pos: QPointF) -> int | None:
        x, y = self.width() - 230, 40
        for i, (pid, _name, _count) in enumerate(self.legend()):
            if QRectF(x, y + 22 * i, 220, 20).contains(pos):
                return pid
        return None
