"""Painting people cards and face tiles: thumbnail, name, count, selection — palette-aware.

Delegates paint only what is visible, ask the thumbnail cache without ever
waiting (a miss paints a placeholder and queues the crop), and draw images
at the screen's device-pixel ratio so faces stay sharp on high-DPI displays.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPalette, QPixmap
from PySide6.QtWidgets import QLineEdit, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from photosort.gui import theme
from photosort.gui.list_model import RowRole
from photosort.gui.thumbnails import FaceItem, ThumbnailCache

CARD = QSize(164, 204)
AVATAR = 128


def paint_face(painter: QPainter, rect: QRect, cache: ThumbnailCache, item: FaceItem | None,
               palette: QPalette, circle: bool = False, radius: float = 10.0) -> None:
    """The face thumbnail in ``rect`` (clipped to a circle or rounded square), or a placeholder."""
    ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
    image = cache.get(item, max(32, round(rect.width() * ratio))) if item else None
    if image is None:  # a pixmap drawn once per look: scrolling past thousands costs a blit each
        broken = item is not None and cache.is_broken(item)
        painter.drawPixmap(rect, _placeholder(
            rect.width(), rect.height(), ratio, circle, radius, broken,
            palette.color(QPalette.ColorRole.AlternateBase).rgba(), theme.muted(palette).rgba()))
        return
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.setClipPath(_shape(QRectF(rect), circle, radius))
    painter.drawImage(QRectF(rect), image)
    painter.restore()


def _shape(rect: QRectF, circle: bool, radius: float) -> QPainterPath:
    path = QPainterPath()
    if circle:
        path.addEllipse(rect)
    else:
        path.addRoundedRect(rect, radius, radius)
    return path


@lru_cache(maxsize=64)
def _placeholder(width: int, height: int, ratio: float, circle: bool, radius: float,
                 broken: bool, fill: int, ink: int) -> QPixmap:
    pixmap = QPixmap(round(width * ratio), round(height * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = _shape(QRectF(0, 0, width, height), circle, radius)
    painter.fillPath(path, QColor.fromRgba(fill))
    glyph = theme.icon("warning" if broken else "person", QColor.fromRgba(ink))
    side = width // 3
    glyph.paint(painter, QRect(width // 2 - side // 2, height // 2 - side // 2, side, side))
    painter.end()
    return pixmap


_FONTS: dict[tuple[str, bool], tuple[QFont, QFontMetrics, QFont, QFontMetrics]] = {}


def _card_fonts(base: QFont, named: bool) -> tuple[QFont, QFontMetrics, QFont, QFontMetrics]:
    """A card's name font (bold for a name, italic for "Unnamed") and its small font, with
    their metrics: made once per base font, not per card painted (four Qt objects a card)."""
    key = (base.key(), named)
    found = _FONTS.get(key)
    if found is None:
        name_font = QFont(base)
        name_font.setPointSizeF(base.pointSizeF() * 1.05)
        name_font.setWeight(QFont.Weight.DemiBold if named else QFont.Weight.Normal)
        name_font.setItalic(not named)
        small = QFont(base)
        small.setPointSizeF(base.pointSizeF() * 0.9)
        found = _FONTS[key] = (name_font, QFontMetrics(name_font), small, QFontMetrics(small))
    return found


class PersonDelegate(QStyledItemDelegate):
    """A person card: round face, name (editable in place), photo count."""

    def __init__(self, cache: ThumbnailCache, parent=None) -> None:
        super().__init__(parent)
        self.cache = cache
        self.drop_target = QPersistentModelIndex()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return CARD

    @staticmethod
    def avatar_rect(rect: QRect) -> QRect:
        return QRect(rect.center().x() - AVATAR // 2 + 1, rect.top() + 12, AVATAR, AVATAR)

    @staticmethod
    def name_rect(rect: QRect, metrics: QFontMetrics) -> QRect:
        top = rect.top() + 12 + AVATAR + 10
        return QRect(rect.left() + 8, top, rect.width() - 16, metrics.height() + 4)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        row = index.data(RowRole)
        if row is None:
            return
        palette = option.palette
        card = option.rect.adjusted(4, 4, -4, -4)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hover = bool(option.state & QStyle.StateFlag.State_MouseOver)
        accent = palette.color(QPalette.ColorRole.Highlight)
        if selected:
            fill = QColor(accent)
            fill.setAlpha(46)
            painter.setBrush(fill)
            painter.setPen(accent)
        elif hover:
            painter.setBrush(palette.color(QPalette.ColorRole.AlternateBase))
            painter.setPen(Qt.PenStyle.NoPen)
        else:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRoundedRect(QRectF(card), 14, 14)
        if self.drop_target.isValid() and self.drop_target == QPersistentModelIndex(index):
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(accent.darker(110))
            pen = painter.pen()
            pen.setWidthF(2.5)
            painter.setPen(pen)
            painter.drawRoundedRect(QRectF(card).adjusted(1, 1, -1, -1), 14, 14)
        paint_face(painter, self.avatar_rect(option.rect), self.cache, row.cover, palette,
                   circle=True)
        person = row.person
        name_font, name_metrics, small, small_metrics = _card_fonts(option.font, bool(person.name))
        painter.setFont(name_font)
        name_rect = self.name_rect(option.rect, name_metrics)
        muted = theme.muted(palette)
        painter.setPen(palette.color(QPalette.ColorRole.WindowText) if person.name else muted)
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignCenter,
                         name_metrics.elidedText(person.display_name, Qt.TextElideMode.ElideRight,
                                                 name_rect.width()))
        painter.setFont(small)
        painter.setPen(muted)
        count = f"{person.photo_count} photo{'' if person.photo_count == 1 else 's'}"
        painter.drawText(QRect(name_rect.left(), name_rect.bottom() + 1, name_rect.width(),
                               small_metrics.height() + 2),
                         Qt.AlignmentFlag.AlignCenter, count)
        painter.restore()

    # -- inline rename ------------------------------------------------------------
    def createEditor(self, parent, option, index) -> QLineEdit:
        editor = QLineEdit(parent)
        editor.setAlignment(Qt.AlignmentFlag.AlignCenter)
        editor.setPlaceholderText("Add a name")
        return editor

    def setEditorData(self, editor: QLineEdit, index: QModelIndex) -> None:
        if editor.property("loaded"):
            return  # a live refresh during a scan must not overwrite what is being typed
        editor.setProperty("loaded", True)
        editor.setText(index.data(Qt.ItemDataRole.EditRole) or "")
        editor.selectAll()

    def setModelData(self, editor: QLineEdit, model, index: QModelIndex) -> None:
        model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)

    def updateEditorGeometry(self, editor, option, index) -> None:
        rect = self.name_rect(option.rect, QFontMetrics(option.font))
        editor.setGeometry(rect.adjusted(-2, -3, 2, 3))


class FaceDelegate(QStyledItemDelegate):
    """A face tile: rounded thumbnail, accent ring and tick when selected."""

    def __init__(self, cache: ThumbnailCache, size: int = 112, parent=None) -> None:
        super().__init__(parent)
        self.cache = cache
        self.size = size

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return QSize(self.size + 8, self.size + 8)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        item = index.data(RowRole)
        rect = option.rect.adjusted(4, 4, -4, -4)
        paint_face(painter, rect, self.cache, item, option.palette)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hover = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if not (selected or hover or option.state & QStyle.StateFlag.State_HasFocus):
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        accent = option.palette.color(QPalette.ColorRole.Highlight)
        pen = painter.pen()
        pen.setColor(accent if selected else option.palette.color(QPalette.ColorRole.Mid))
        pen.setWidthF(3.0 if selected else 2.0)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(QRectF(rect).adjusted(1.5, 1.5, -1.5, -1.5), 10, 10)
        if selected:
            badge = QRect(rect.right() - 26, rect.top() + 6, 20, 20)
            painter.setPen(QColor("white"))
            painter.setBrush(accent)
            painter.drawEllipse(badge)
            theme.icon("check", QColor("white")).paint(painter, badge.adjusted(4, 4, -4, -4))
        painter.restore()
