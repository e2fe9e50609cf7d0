"""The welcome screen: choose a folder to sort, or reopen a recent one."""

from __future__ import annotations

import os

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from photosort.gui import theme

MAX_RECENT = 5


class RecentCard(QFrame):
    """One recent folder: a focusable, clickable card."""

    chosen = Signal(str)

    def __init__(self, path: str, photos: int, parent=None) -> None:
        super().__init__(parent)
        self.path = path
        self.setObjectName("Card")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(f"Open {path}")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(12)
        glyph = QLabel()
        glyph.setPixmap(theme.icon("folder").pixmap(QSize(24, 24)))
        layout.addWidget(glyph)
        text = QVBoxLayout()
        text.setSpacing(1)
        name = QLabel(os.path.basename(path.rstrip("/\\")) or path)
        font = name.font()
        font.setWeight(font.Weight.DemiBold)
        name.setFont(font)
        text.addWidget(name, 0, Qt.AlignmentFlag.AlignLeft)
        where = QLabel(path, objectName="Subtle")
        where.setMaximumWidth(380)
        where.setToolTip(path)
        text.addWidget(where, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(text, 1)
        missing = not os.path.isdir(path)
        label = "folder not found" if missing else f"{photos:,} photo{'' if photos == 1 else 's'}"
        count = QLabel(label, objectName="Subtle")
        layout.addWidget(count)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.chosen.emit(self.path)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.chosen.emit(self.path)
            return
        super().keyPressEvent(event)


class WelcomePage(QWidget):
    """Centered column: icon, title, the folder button and the recent folders."""

    chooseFolder = Signal()
    openRecent = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        column = QVBoxLayout()
        column.setSpacing(10)
        column.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        logo = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        logo.setPixmap(theme.app_icon().pixmap(QSize(96, 96)))
        column.addWidget(logo)
        column.addSpacing(6)
        column.addWidget(QLabel("Welcome to PhotoSort", objectName="WelcomeTitle",
                                alignment=Qt.AlignmentFlag.AlignCenter))
        column.addWidget(QLabel("Find the people in your photos and sort them into folders.\n"
                                "Everything stays on this computer.", objectName="Subtle",
                                alignment=Qt.AlignmentFlag.AlignCenter))
        column.addSpacing(18)
        self.choose = QPushButton("  Choose a folder…", objectName="Primary")
        self.choose.setIcon(theme.icon("folder-plus", QColor("#ffffff")))
        self.choose.setIconSize(QSize(20, 20))
        self.choose.setCursor(Qt.CursorShape.PointingHandCursor)
        self.choose.clicked.connect(self.chooseFolder)
        self.choose.setDefault(True)
        column.addWidget(self.choose, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(QLabel("or drop a folder anywhere on this window", objectName="Hint",
                                alignment=Qt.AlignmentFlag.AlignCenter))
        column.addSpacing(22)
        self.recent_title = QLabel("Recent folders", objectName="Subtle")
        column.addWidget(self.recent_title)
        self.recent = QVBoxLayout()
        self.recent.setSpacing(8)
        column.addLayout(self.recent)
        holder = QWidget()
        holder.setLayout(column)
        holder.setFixedWidth(560)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(holder)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(3)

    def set_recent(self, folders: list[tuple[str, int]]) -> None:
        """``folders``: (path, photo count), newest first."""
        while self.recent.count():
            widget = self.recent.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        for path, photos in folders[:MAX_RECENT]:
            card = RecentCard(path, photos)
            card.chosen.connect(self.openRecent)
            self.recent.addWidget(card)
        self.recent_title.setVisible(bool(folders))
        self.choose.setFocus()
