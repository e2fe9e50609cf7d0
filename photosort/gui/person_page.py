"""One person's page: every face of theirs, and the corrections "Not this person", "Move to…", "New person"."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLineEdit, QStackedWidget, QVBoxLayout,
                               QWidget)

from photosort.core.records import person_label
from photosort.gui import theme
from photosort.gui.face_grid import FaceGrid
from photosort.gui.library import Library
from photosort.gui.person_picker import PersonPicker
from photosort.gui.thumbnails import FaceItem
from photosort.gui.widgets import Avatar, flat_button


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


class PersonPage(QWidget):
    """Header with name and counts, a bar of face actions, and the face grid."""

    back = Signal()
    openPhoto = Signal(list, int, object)  # photo ids, index, person id
    message = Signal(str)

    def __init__(self, library: Library, parent=None) -> None:
        super().__init__(parent)
        self.library = library
        self.person_id: int | None = None
        self._hidden = False
        self._faces_key: tuple[int, int, int] | None = None  # (person, faces, face-id sum)
        self.grid = FaceGrid(library.thumbnails, tile=112)
        self.grid.openFace.connect(self._open_face)
        self.grid.selectionModel().selectionChanged.connect(self._update_actions)
        self._build()
        library.coversChanged.connect(lambda: self.isVisible() and self._show_cover())

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 0)
        layout.setSpacing(12)
        header = QHBoxLayout()
        header.setSpacing(14)
        self.avatar = Avatar(self.library.thumbnails, 72)
        header.addWidget(self.avatar)
        names = QVBoxLayout()
        names.setSpacing(2)
        self.title = QStackedWidget()
        self.name_label = QLabel(objectName="PageTitle")
        self.name_edit = QLineEdit(placeholderText="Add a name")
        self.name_edit.setObjectName("PageTitle")
        self.name_edit.editingFinished.connect(self._commit_name)
        self.title.addWidget(self.name_label)
        self.title.addWidget(self.name_edit)
        self.title.setFixedHeight(self.name_edit.sizeHint().height() + 10)
        names.addWidget(self.title)
        self.subtitle = QLabel(objectName="Subtle")
        names.addWidget(self.subtitle)
        header.addLayout(names, 1)
        self.rename_button = flat_button("Rename", "rename", self.start_rename, "F2")
        self.hide_button = flat_button("Hide", "eye-off", self.toggle_hidden, "Ctrl+H")
        self.merge_button = flat_button("Merge into…", "merge", self.merge_into, "Ctrl+M")
        for b in (self.rename_button, self.hide_button, self.merge_button):
            header.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(header)

        bar = QHBoxLayout()
        self.reject_button = flat_button("Not this person", "person-x", self.reject, "Delete",
                                         "Remove the selected faces; never suggest them again")
        self.move_button = flat_button("Move to…", "person-move", self.move_to, "Ctrl+Shift+M")
        self.new_button = flat_button("New person from these", "person-plus", self.split, "Ctrl+N")
        for b in (self.reject_button, self.move_button, self.new_button):
            bar.addWidget(b)
            self.grid.addAction(b.defaultAction())
        self.cover_action = QAction(theme.icon("person"), "Use as cover", self.grid)
        self.cover_action.triggered.connect(self.use_as_cover)
        self.grid.addAction(self.cover_action)
        self.hint = QLabel("Select faces (Ctrl/Shift-click) to correct them; "
                           "double-click a face to see its photo.", objectName="Hint")
        bar.addWidget(self.hint, 1)
        layout.addLayout(bar)
        layout.addWidget(self.grid, 1)
        for b in (self.rename_button, self.hide_button, self.merge_button, self.reject_button,
                  self.move_button, self.new_button):
            self.addAction(b.defaultAction())
        back = QAction(self, shortcut=QKeySequence(Qt.Key.Key_Escape))
        back.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.triggered.connect(self._escape)
        self.addAction(back)

    # -- showing --------------------------------------------------------------------
    def show_person(self, person_id: int) -> None:
        same = person_id == self.person_id
        self.person_id = person_id
        self.title.setCurrentWidget(self.name_label)
        self.reload(keep=same)
        self.grid.setFocus()

    def reload(self, keep: bool = True) -> bool:
        """Re-read the person; ``False`` (and ``back``) if they no longer exist."""
        state = self.library.person_state(self.person_id) if self.person_id else None
        if state is None or state[0].face_count == 0:
            self.back.emit()
            return False
        person, key = state
        if not keep or key != self._faces_key:  # a live refresh leaves unchanged faces alone
            pid = person.id
            self.grid.set_source(lambda after, limit: self.library.face_page(pid, after, limit),
                                 keep=keep, ahead=lambda after, limit:
                                 self.library.face_page_ahead(pid, after, limit))
        self._faces_key = key
        self.name_label.setText(person.display_name)
        self.subtitle.setText(f"{_plural(person.photo_count, 'photo')} · "
                              f"{_plural(person.face_count, 'face')}"
                              + (" · hidden" if person.hidden else ""))
        self._show_cover(person)
        hidden = person.hidden
        self.hide_button.defaultAction().setText("Show" if hidden else "Hide")
        self.hide_button.defaultAction().setIcon(theme.icon("eye" if hidden else "eye-off"))
        self._hidden = hidden
        self._update_actions()
        return True

    def _show_cover(self, person=None) -> None:
        person = person or (self.library.person(self.person_id) if self.person_id else None)
        if person is None:
            return
        shown = self.library.representative(person)
        cover = self.library.face_items([shown]) if shown is not None else []
        self.avatar.set_face(cover[0] if cover else None)

    def _update_actions(self) -> None:
        selected = bool(self.grid.selectionModel().selectedIndexes())
        for b in (self.reject_button, self.move_button, self.new_button):
            b.defaultAction().setEnabled(selected)
        self.cover_action.setEnabled(len(self.grid.selected_faces()) == 1)

    def _open_face(self, face: FaceItem) -> None:
        photos = self.library.person_photos(self.person_id)
        if face.photo_id not in photos:
            photos = [face.photo_id]
        self.openPhoto.emit(photos, photos.index(face.photo_id), self.person_id)

    def _escape(self) -> None:
        if self.title.currentWidget() is self.name_edit:
            self.title.setCurrentWidget(self.name_label)
        elif self.grid.selectionModel().hasSelection():
            self.grid.clearSelection()
        else:
            self.back.emit()

    # -- edits ----------------------------------------------------------------------
    def start_rename(self) -> None:
        person = self.library.person(self.person_id)
        self.name_edit.setText(person.name or "" if person else "")
        self.title.setCurrentWidget(self.name_edit)
        self.name_edit.selectAll()
        self.name_edit.setFocus()

    def _commit_name(self) -> None:
        if self.title.currentWidget() is not self.name_edit:
            return
        self.title.setCurrentWidget(self.name_label)
        person = self.library.person(self.person_id)
        name = self.name_edit.text().strip()
        if person and name != (person.name or ""):
            self.library.edit(self.library.editor.rename, person.id, name)
        self.grid.setFocus()

    def toggle_hidden(self) -> None:
        self.library.edit(self.library.editor.set_hidden, [self.person_id], not self._hidden)

    def merge_into(self) -> None:
        pick = PersonPicker.choose(self.library, "Merge into…", "Merge this person into:",
                                   exclude={self.person_id}, allow_new=False, parent=self)
        if pick and pick.person_id is not None:
            source, self.person_id = self.person_id, pick.person_id  # the views reload on the target
            self.library.edit(self.library.editor.merge, pick.person_id, [source])

    def use_as_cover(self) -> None:
        from photosort.services.cover import use_as_cover

        faces = self.selected_ids()
        if len(faces) == 1:
            self.library.edit(use_as_cover, self.library.db, self.person_id, faces[0])
            self.message.emit("Cover changed")

    def selected_ids(self) -> list[int]:
        return [f.face_id for f in self.grid.selected_faces()]

    def reject(self) -> None:
        faces = self.selected_ids()
        if faces:
            self.library.edit(self.library.editor.reject_faces, faces, self.person_id)
            self.message.emit(f"Removed {_plural(len(faces), 'face')}; they will not be "
                              "suggested for this person again — Ctrl+Z undoes")

    def move_to(self) -> None:
        faces = self.selected_ids()
        if not faces:
            return
        pick = PersonPicker.choose(self.library, "Move faces",
                                   f"Move {_plural(len(faces), 'face')} to:",
                                   exclude={self.person_id}, parent=self)
        if pick is None:
            return
        if pick.person_id is not None:
            self.library.edit(self.library.editor.move_faces, faces, pick.person_id)
        else:
            self.library.edit(self.library.editor.new_person, faces, pick.new_name)

    def split(self) -> None:
        faces = self.selected_ids()
        if faces:
            new = self.library.edit(self.library.editor.new_person, faces, None)
            self.message.emit(f"Made {person_label(None, new)} from {_plural(len(faces), 'face')}")
