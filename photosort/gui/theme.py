"""Look and feel: the system light/dark palette, a small style sheet, tinted icons and colours.

Colours are always taken from the application palette at paint time, so a
switch between light and dark (Qt's ``colorSchemeChanged``) restyles
everything; icons are SVGs in ``resources/icons`` drawn in the palette's text
colour at every device-pixel ratio, so they stay crisp on high-DPI screens.
"""

from __future__ import annotations

import sys
from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from photosort.system.paths import resource_path

ACCENT = QColor("#2563eb")  # the blue of the app icon
ICON_SIZES = (16, 20, 24, 32, 48)

STYLE_SHEET = """
QFrame#HeaderBar { background: palette(base); border-bottom: 1px solid palette(mid); }
QLabel#AppTitle { font-size: 15pt; font-weight: 600; }
QLabel#PageTitle { font-size: 18pt; font-weight: 600; }
QLabel#WelcomeTitle { font-size: 24pt; font-weight: 600; }
QLabel#Subtle, QLabel#Hint { color: palette(placeholder-text); }
QToolButton#Segment { padding: 5px 14px; border: 1px solid transparent; border-radius: 8px; }
QToolButton#Segment:checked { background: palette(highlight); color: palette(highlighted-text); }
QToolButton#Segment:hover:!checked { background: palette(alternate-base); }
QToolButton#Flat { padding: 5px 8px; border-radius: 8px; border: 1px solid transparent; }
QToolButton#Flat:hover { background: palette(alternate-base); border-color: palette(mid); }
QToolButton#Flat:disabled { color: palette(placeholder-text); }
QPushButton#Primary { background: palette(highlight); color: palette(highlighted-text);
    border: none; border-radius: 8px; padding: 9px 22px; font-weight: 600; }
QPushButton#Primary:hover { background: palette(link); }
QFrame#ScanBar { background: palette(alternate-base); border-bottom: 1px solid palette(mid); }
QFrame#Card { background: palette(base); border: 1px solid palette(mid); border-radius: 10px; }
QListView#Grid { background: palette(window); border: none; }
QLineEdit#Search { border-radius: 8px; padding: 5px 8px; }
"""


def apply_theme(app: QApplication) -> None:
    """Style the app: Fusion on Linux (native styles elsewhere), the system's light or dark
    scheme with the brand accent, and the style sheet; follows scheme changes."""
    if sys.platform.startswith("linux"):
        app.setStyle("Fusion")
    _apply_palette(app)
    app.setStyleSheet(STYLE_SHEET)
    if not app.property("photosort-themed"):
        app.setProperty("photosort-themed", True)
        app.styleHints().colorSchemeChanged.connect(lambda _scheme: _refresh(app))


def _apply_palette(app: QApplication) -> None:
    palette = app.style().standardPalette()
    dark = app.styleHints().colorScheme() == Qt.ColorScheme.Dark
    if dark and not is_dark(palette):  # a style without a dark palette of its own (Fusion)
        palette = _dark_palette()
    if is_dark(palette):
        palette.setColor(QPalette.ColorRole.Highlight, QColor("#3b82f6"))
        palette.setColor(QPalette.ColorRole.Link, QColor("#60a5fa"))
    else:
        palette.setColor(QPalette.ColorRole.Highlight, ACCENT)
        palette.setColor(QPalette.ColorRole.Link, QColor("#1d4ed8"))
        palette.setColor(QPalette.ColorRole.Window, QColor("#f5f6f8"))
        palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#eceef2"))
        palette.setColor(QPalette.ColorRole.Mid, QColor("#d7dbe2"))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    app.setPalette(palette)


def _dark_palette() -> QPalette:
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, color in ((roles.Window, "#1e2024"), (roles.WindowText, "#e8eaed"),
                        (roles.Base, "#16181b"), (roles.AlternateBase, "#2a2d33"),
                        (roles.Text, "#e8eaed"), (roles.Button, "#2a2d33"),
                        (roles.ButtonText, "#e8eaed"), (roles.Mid, "#3c4047"),
                        (roles.Dark, "#101113"), (roles.Light, "#3c4047"),
                        (roles.Midlight, "#33363c"), (roles.Shadow, "#000000"),
                        (roles.ToolTipBase, "#2a2d33"), (roles.ToolTipText, "#e8eaed"),
                        (roles.PlaceholderText, "#9aa0a6"), (roles.BrightText, "#ffffff")):
        palette.setColor(role, QColor(color))
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b7078"))
    return palette


def _refresh(app: QApplication) -> None:
    _apply_palette(app)
    _tinted.cache_clear()
    app.setStyleSheet(STYLE_SHEET)  # re-resolves palette() references
    for widget in app.allWidgets():
        widget.update()


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def icon(name: str, color: QColor | None = None) -> QIcon:
    """The icon ``resources/icons/<name>.svg`` in ``color`` (default: the palette's text)."""
    color = color or QGuiApplication.palette().color(QPalette.ColorRole.WindowText)
    return _tinted(name, color.name())


@lru_cache(maxsize=256)
def _tinted(name: str, color: str) -> QIcon:
    path = resource_path(f"icons/{name}.svg")
    result = QIcon()
    if not path.is_file():
        return result
    svg = path.read_text(encoding="utf-8").replace('stroke="#000"', f'stroke="{color}"')
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    for size in ICON_SIZES:
        for ratio in (1, 2):
            pixmap = QPixmap(size * ratio, size * ratio)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            renderer.render(painter, QRectF(0, 0, size * ratio, size * ratio))
            painter.end()
            pixmap.setDevicePixelRatio(ratio)
            result.addPixmap(pixmap)
    return result


def app_icon() -> QIcon:
    """The application icon from ``resources/`` (empty if the file is missing)."""
    for name in ("photosort.svg", "photosort.png"):
        path = resource_path(name)
        if path.is_file():
            return QIcon(str(path))
    return QIcon()


def person_color(person_id: int | None) -> QColor:
    """A stable, distinguishable colour per person (grey for nobody)."""
    if person_id is None:
        return QColor(150, 150, 150)
    hue = (person_id * 137.508) % 360  # golden-angle steps spread neighbouring ids apart
    return QColor.fromHsvF(hue / 360.0, 0.62, 0.88 if not is_dark() else 0.95)


def muted(palette: QPalette) -> QColor:
    """Secondary text colour (counts, hints)."""
    return palette.color(QPalette.ColorRole.PlaceholderText)


ICON_SIZE = QSize(18, 18)
