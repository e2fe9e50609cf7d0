"""Small shared widgets: segmented and flat tool buttons bound to actions, a round face avatar."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence, QPainter
from PySide6.QtWidgets import QSizePolicy, QToolButton, QWidget

from photosort.gui import theme
from photosort.gui.delegates import paint_face
from photosort.gui.thumbnails import FaceItem, ThumbnailCache


def segment_button(text: str, icon_name: str | None = None) -> QToolButton:
    """A checkable pill for a segmented control (use in an exclusive QButtonGroup)."""
    button = QToolButton(objectName="Segment", text=text, checkable=True)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    if icon_name:
        button.setIcon(theme.icon(icon_name))
        button.setIconSize(theme.ICON_SIZE)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    return button


def flat_button(text: str, icon_name: str, slot: Callable[[], object], shortcut: str | None = None,
                tip: str | None = None) -> QToolButton:
    """A flat icon+text button whose action (``defaultAction()``) carries the shortcut."""
    action = QAction(theme.icon(icon_name), text)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.setToolTip(f"{tip or text} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})"
                      if shortcut else tip or text)
    action.triggered.connect(lambda _checked=False: slot())
    button = QToolButton(objectName="Flat")
    button.setDefaultAction(action)
    action.setParent(button)
    button.setIconSize(theme.ICON_SIZE)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


class Avatar(QWidget):
    """A round face thumbnail that repaints when the thumbnail arrives."""

    def __init__(self, cache: ThumbnailCache, size: int = 72, parent=None) -> None:
        super().__init__(parent)
        self.cache = cache
        self.item: FaceItem | None = None
        self.setFixedSize(QSize(size, size))
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        cache.ready.connect(self.update)

    def set_face(self, item: FaceItem | None) -> None:
        self.item = item
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        paint_face(painter, QRect(0, 0, self.width(), self.height()), self.cache, self.item,
                   self.palette(), circle=True)
