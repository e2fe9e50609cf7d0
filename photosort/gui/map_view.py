"""The map: every face embedding projected to 2-D (PCA), coloured by person.

Nearby dots are faces the embedder finds similar, so a person is a cloud and
a stray dot in someone else's cloud is a likely mistake. Hover shows the face,
a click opens the person; the wheel zooms and dragging pans.
"""

from __future__ import annotations

import sqlite3

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRect, QRectF, QRunnable, QThreadPool, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QWidget

from photosort.gui import theme
from photosort.gui.delegates import paint_face
from photosort.gui.jobs import emit_if_alive
from photosort.gui.library import FACE_SQL, Library, face_item
from photosort.store.catalog import from_blob

HOVER_PX = 10.0
HINT = ("Each dot is a face; faces that look alike lie close together. Hover to see a face, "
        "click to open the person · wheel or +/− zooms, drag or arrows pan, 0 resets")


def project(embeddings: np.ndarray) -> np.ndarray:
    """The rows of ``embeddings`` on their first two principal components, (n, 2)."""
    if len(embeddings) < 2:
        return np.zeros((len(embeddings), 2))
    centred = embeddings - embeddings.mean(axis=0)
    _, vectors = np.linalg.eigh(centred.T @ centred)
    return centred @ vectors[:, ::-1][:, :2]


class _Done(QObject):
    done = Signal(object)


class _Compute(QRunnable):
    def __init__(self, library: Library, signal: _Done) -> None:
        super().__init__()
        self.library, self.signal = library, signal

    def run(self) -> None:
        try:
            rows = self._rows()
        except sqlite3.ProgrammingError:  # the window closed (and its catalog) meanwhile
            return
        ids = np.array([r["id"] for r in rows], dtype=np.int64)
        people = np.array([r["person_id"] if r["person_id"] is not None else -1 for r in rows],
                          dtype=np.int64)
        X = np.stack([from_blob(r["embedding"]) for r in rows]) if rows else np.zeros((0, 128))
        emit_if_alive(self.signal.done, (ids, people, project(X.astype(np.float64))))

    def _rows(self):
        return self.library.db.query(
            "SELECT f.id, f.embedding, fp.person_id FROM faces f"
            " LEFT JOIN face_person fp ON fp.face_id = f.id"
            " WHERE f.embedding IS NOT NULL AND f.model = (SELECT model FROM faces"
            " WHERE model IS NOT NULL GROUP BY model ORDER BY COUNT(*) DESC LIMIT 1)")


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
        self.stale = True
        self.computing = False
        self._done = _Done(self)
        self._done.done.connect(self._loaded)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        library.thumbnails.ready.connect(self.update)

    def refresh(self) -> None:
        """Recompute in the background (cheap to call often: one computation at a time)."""
        self.stale = True
        if self.isVisible() and not self.computing:
            self.computing = True
            QThreadPool.globalInstance().start(_Compute(self.library, self._done))

    def showEvent(self, event) -> None:
        if self.stale:
            self.refresh()
        super().showEvent(event)

    def _loaded(self, result) -> None:
        self.computing = False
        self.stale = False
        self.ids, self.people, self.points = result
        self.names = self.library.people.names()
        self._items.clear()
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
        """(person, name, faces) of the largest people, for the legend."""
        ids, counts = np.unique(self.people[self.people >= 0], return_counts=True)
        order = np.argsort(-counts)[:14]
        return [(int(ids[i]), self.names.get(int(ids[i])) or f"Unnamed {ids[i]}", int(counts[i]))
                for i in order]

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
        painter.setPen(Qt.PenStyle.NoPen)
        colours: dict[int, QColor] = {}
        for (x, y), pid in zip(xy, self.people):
            pid = int(pid)
            colour = colours.setdefault(pid, theme.person_color(pid if pid >= 0 else None))
            painter.setBrush(colour)
            r = 4.0 if pid >= 0 else 2.5
            painter.drawEllipse(QPointF(x, y), r, r)
        self._paint_legend(painter, palette)
        painter.setPen(theme.muted(palette))
        painter.drawText(QRectF(20, self.height() - 30, self.width() - 40, 20),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, HINT)
        if 0 <= self.hover < len(self.ids):
            self._paint_hover(painter, palette, QPointF(*xy[self.hover]))

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
        name = (self.names.get(pid) or f"Unnamed {pid}") if pid >= 0 else "Unknown face"
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
