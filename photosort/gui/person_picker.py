"""Choose a person — for "Move to…", "Merge into…" and assigning a face — or name a new one.

The list is read from the catalog as the user types (named people first, then
the biggest), at most :data:`SHOWN` at a time: a lifetime library has tens of
thousands of people, most of them unnamed strangers nobody would scroll to.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics, QKeyEvent, QPalette
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QStyle, QStyledItemDelegate, QVBoxLayout)

from photosort.gui import theme
from photosort.gui.delegates import paint_face
from photosort.gui.library import Library, PersonRow
from photosort.gui.list_model import RowRole
from photosort.store import browse

ROW_HEIGHT = 48
SHOWN = 200
"""People listed at most; typing narrows the list (an exact name always comes first)."""


@dataclass(frozen=True)
class Pick:
    """The choice: an existing person, or the name of a new one."""

    person_id: int | None = None
    new_name: str | None = None


class _RowDelegate(QStyledItemDelegate):
    def __init__(self, library: Library, parent=None) -> None:
        super().__init__(parent)
        self.library = library

    def sizeHint(self, option, index) -> QSize:
        return QSize(200, ROW_HEIGHT)

    def paint(self, painter, option, index) -> None:
        row: PersonRow | None = index.data(RowRole)
        palette = option.palette
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.Highlight))
            text_color = palette.color(QPalette.ColorRole.HighlightedText)
        else:
            text_color = palette.color(QPalette.ColorRole.Text)
        avatar = QRect(option.rect.left() + 8, option.rect.top() + 6, 36, 36)
        painter.setPen(text_color)
        if row is None:  # the "new person" entry
            theme.icon("person-plus", text_color).paint(painter, avatar.adjusted(6, 6, -6, -6))
            label = index.data(Qt.ItemDataRole.DisplayRole)
            detail = "new person"
        else:
            paint_face(painter, avatar, self.library.thumbnails, row.cover, palette, circle=True)
            label = row.person.display_name
            detail = f"{row.person.photo_count} photos"
        text = option.rect.adjusted(56, 0, -8, 0)
        metrics = QFontMetrics(option.font)
        painter.drawText(text, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         metrics.elidedText(label, Qt.TextElideMode.ElideRight, text.width() - 90))
        painter.drawText(text, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, detail)


class PersonPicker(QDialog):
    """A filterable list of people; typing a new name offers "New person"."""

    def __init__(self, library: Library, title: str, prompt: str, exclude: set[int] = frozenset(),
                 allow_new: bool = True, parent=None, only: list[int] | None = None) -> None:
        """``only``: choose among these people (merging a selection); otherwise among every
        shown person but ``exclude``."""
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(420, 520)
        self.library = library
        self.allow_new = allow_new
        self.exclude = set(exclude)
        self.only = None
        if only is not None:
            order = {pid: i for i, pid in enumerate(only)}
            self.only = sorted((r for r in library.person_rows(list(only)) if r.person.face_count),
                               key=lambda r: (r.person.name is None, -r.person.photo_count,
                                              order[r.id]))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(prompt, wordWrap=True))
        self.search = QLineEdit(placeholderText="Type a name…" if allow_new else "Filter…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._refill)
        self.search.installEventFilter(self)
        layout.addWidget(self.search)
        self.list = QListWidget()
        self.list.setItemDelegate(_RowDelegate(library, self.list))
        self.list.setUniformItemSizes(True)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        library.thumbnails.ready.connect(self.list.viewport().update)
        layout.addWidget(self.list, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._refill("")

    def _rows(self, needle: str) -> list[PersonRow]:
        if self.only is not None:
            return [r for r in self.only if needle in r.person.display_name.casefold()]
        ids = self.library.person_ids(hidden=False, text=needle, sort=browse.SORT_NAMED_FIRST,
                                      limit=SHOWN + len(self.exclude))
        ids = [pid for pid in ids if pid not in self.exclude][:SHOWN]
        found = {r.id: r for r in self.library.person_rows(ids)}
        return [found[pid] for pid in ids if pid in found]

    def _refill(self, text: str) -> None:
        self.list.clear()
        needle = text.strip().casefold()
        exact = False
        for row in self._rows(needle):
            name = row.person.display_name
            exact |= name.casefold() == needle
            item = QListWidgetItem(name)
            item.setData(RowRole, row)
            self.list.addItem(item)
        if self.allow_new and needle and not exact:
            item = QListWidgetItem(f"New person “{text.strip()}”")
            item.setData(RowRole, None)
            item.setData(Qt.ItemDataRole.UserRole + 2, text.strip())
            self.list.insertItem(0, item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.search and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
                self.list.keyPressEvent(event)
                return True
        return super().eventFilter(obj, event)

    def pick(self) -> Pick | None:
        item = self.list.currentItem()
        if item is None:
            return None
        row = item.data(RowRole)
        if row is None:
            return Pick(new_name=item.data(Qt.ItemDataRole.UserRole + 2))
        return Pick(person_id=row.id)

    @classmethod
    def choose(cls, library: Library, title: str, prompt: str, exclude: set[int] = frozenset(),
               allow_new: bool = True, parent=None, only: list[int] | None = None) -> Pick | None:
        dialog = cls(library, title, prompt, exclude, allow_new, parent, only)
        return dialog.pick() if dialog.exec() == QDialog.DialogCode.Accepted else None
