"""The People view: everyone found, with filter, sort and sections for hidden people and unknown faces.

Edits (rename, merge, hide) go through :class:`~photosort.gui.library.Library`,
so they are undoable; the grid updates in place while a scan adds people.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit,
                               QSpinBox, QStackedWidget, QVBoxLayout, QWidget)

from photosort.gui import theme
from photosort.gui.face_grid import FaceGrid
from photosort.gui.library import Library
from photosort.gui.people_grid import PeopleGrid
from photosort.gui.people_model import PeopleModel
from photosort.gui.person_picker import PersonPicker
from photosort.gui.review_widgets import ReviewCounter, counts_text
from photosort.gui.widgets import flat_button, segment_button

PEOPLE, HIDDEN, UNKNOWN = range(3)


class PeopleView(QWidget):
    """Sections People / Hidden / Unknown faces over a grid; emits navigation requests."""

    openPerson = Signal(int)
    openFace = Signal(object)  # FaceItem (an unknown face → the photo viewer)
    openReview = Signal()
    message = Signal(str)

    def __init__(self, library: Library, parent=None) -> None:
        super().__init__(parent)
        self.library = library
        self.stale = False  # edited while hidden behind the Review: reload when shown
        self.model = PeopleModel(library.person_ids, library.person_rows,
                                 lambda pid, name: library.edit(library.editor.rename, pid, name),
                                 self)
        self.grid = PeopleGrid(self.model, library.thumbnails)
        self.grid.openPerson.connect(self.openPerson)
        self.grid.mergeRequested.connect(self.merge)
        self.grid.selectionModel().selectionChanged.connect(self._update_actions)
        self.unknown = FaceGrid(library.thumbnails, tile=104)
        self.unknown.openFace.connect(self.openFace)
        self.unknown.selectionModel().selectionChanged.connect(self._update_actions)
        self._build()
        library.coversChanged.connect(self._covers_ready)
        self.reload()

    # -- layout -----------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 14, 20, 0)
        layout.setSpacing(10)
        top = QHBoxLayout()
        self.sections = QButtonGroup(self)
        for i, name in enumerate(("People", "Hidden", "Unknown faces")):
            button = segment_button(name)
            self.sections.addButton(button, i)
            top.addWidget(button)
        self.sections.button(PEOPLE).setChecked(True)
        self.sections.idClicked.connect(self.show_section)
        self.review_button = flat_button("Review", "check", self.openReview.emit, "Ctrl+R",
                                         tip="Suggestions and proposals")
        self.counter = ReviewCounter(self.library, self)
        self.counter.counted.connect(lambda s, p: self.review_button.defaultAction().setText(
            counts_text(s, p)))
        self.addAction(self.review_button.defaultAction())
        top.addWidget(self.review_button)
        top.addStretch(1)
        self.search = QLineEdit(objectName="Search", placeholderText="Filter by name")
        self.search.addAction(theme.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setClearButtonEnabled(True)
        self.search.setFixedWidth(220)
        self.search.textChanged.connect(lambda t: self._configure(text=t))
        top.addWidget(self.search)
        self.sort = QComboBox()
        self.sort.addItem("Most photos", PeopleModel.SORT_COUNT)
        self.sort.addItem("Name", PeopleModel.SORT_NAME)
        self.sort.currentIndexChanged.connect(
            lambda _i: self._configure(sort_key=self.sort.currentData()))
        top.addWidget(self.sort)
        layout.addLayout(top)

        bar = QHBoxLayout()
        self.rename_button = flat_button("Rename", "rename", self.rename, "F2")
        self.merge_button = flat_button("Merge", "merge", self.merge_selected, "Ctrl+M")
        self.hide_button = flat_button("Hide", "eye-off", self.toggle_hidden, "Ctrl+H")
        self.move_button = flat_button("Move to…", "person-move", self.assign_unknown, "Ctrl+Shift+M")
        self.new_button = flat_button("New person from these", "person-plus", self.new_from_unknown,
                                      "Ctrl+N")
        for b in (self.rename_button, self.merge_button, self.hide_button, self.move_button,
                  self.new_button):
            bar.addWidget(b)
            self.addAction(b.defaultAction())  # shortcuts work wherever the focus is in the view
        self.hint = QLabel(objectName="Hint")
        bar.addWidget(self.hint, 1)
        self.min_check = QCheckBox("Hide people with fewer than")
        self.min_spin = QSpinBox(minimum=2, maximum=999, suffix=" photos")
        settings = QSettings()
        self.min_spin.setValue(int(settings.value("people/min_photos", 2)))
        self.min_check.setChecked(settings.value("people/min_enabled", False, type=bool))
        self.min_check.toggled.connect(self._min_changed)
        self.min_spin.valueChanged.connect(self._min_changed)
        bar.addWidget(self.min_check)
        bar.addWidget(self.min_spin)
        layout.addLayout(bar)

        self.stack = QStackedWidget()
        self.empty = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, objectName="Subtle",
                            wordWrap=True)
        for w in (self.grid, self.unknown, self.empty):
            self.stack.addWidget(w)
        layout.addWidget(self.stack, 1)
        for action in self.rename_button.defaultAction(), self.merge_button.defaultAction(), \
                self.hide_button.defaultAction():
            self.grid.addAction(action)
        open_action = QAction(theme.icon("person"), "Open", self.grid)
        open_action.triggered.connect(lambda: self.grid.current_id() is not None
                                      and self.openPerson.emit(self.grid.current_id()))
        self.grid.insertAction(self.grid.actions()[0], open_action)
        for b in (self.move_button, self.new_button):
            self.unknown.addAction(b.defaultAction())
        self.min_spin.setEnabled(self.min_check.isChecked())
        if self.min_check.isChecked():  # read by the first reload
            self.model.min_photos = self.min_spin.value()

    def _min_changed(self) -> None:
        self.min_spin.setEnabled(self.min_check.isChecked())
        settings = QSettings()
        settings.setValue("people/min_photos", self.min_spin.value())
        settings.setValue("people/min_enabled", self.min_check.isChecked())
        self._configure(min_photos=self.min_spin.value() if self.min_check.isChecked() else 1)

    def _configure(self, **change) -> None:
        """Change what the grid shows (section, filter, sort) and re-read it."""
        self.model.configure(**change)
        self._update_empty()
        self._update_actions()

    # -- state ------------------------------------------------------------------------
    def section(self) -> int:
        return self.sections.checkedId()

    def show_section(self, section: int) -> None:
        self.sections.button(section).setChecked(True)
        if section == UNKNOWN:
            self.unknown.set_source(self._unknown_page, keep=False, ahead=self._unknown_ahead)
        else:
            self.model.configure(hidden_section=section == HIDDEN)
        self._update_empty()
        self._update_actions()

    def showEvent(self, event) -> None:
        if self.stale:
            self.reload()
        super().showEvent(event)

    def reload(self) -> None:
        """Re-read people (and unknown faces when shown); keeps selection and scroll."""
        self.stale = False
        self.model.reload()
        shown, hidden = self.library.section_counts()
        unknown = self.library.counts()["unknown"]
        for i, (name, n) in enumerate((("People", shown), ("Hidden", hidden),
                                       ("Unknown faces", unknown))):
            self.sections.button(i).setText(f"{name}  {n:,}")
        if self.section() == UNKNOWN:
            self.unknown.set_source(self._unknown_page, ahead=self._unknown_ahead)
        self.counter.request()
        self._update_empty()
        self._update_actions()

    def _unknown_page(self, after: int, limit: int):
        return self.library.face_page(None, after, limit)

    def _unknown_ahead(self, after: int, limit: int):
        return self.library.face_page_ahead(None, after, limit)

    def _covers_ready(self) -> None:
        """Covers computed in the background: show them (people only, nothing else re-read)."""
        if self.isVisible():
            self.model.refresh_rows()
        else:
            self.stale = True

    def _update_empty(self) -> None:
        section = self.section()
        grid = self.unknown if section == UNKNOWN else self.grid
        count = grid.model().rowCount()
        if count:
            self.stack.setCurrentWidget(grid)
            return
        if section == UNKNOWN:
            text = "No unknown faces. Every face found so far belongs to someone."
        elif section == HIDDEN:
            text = "Nobody is hidden. Hide people you don't want to sort (Ctrl+H)."
        elif sum(self.library.section_counts()):
            text = "Nobody matches the filter."
        else:
            text = "No people yet.\nPeople appear here while PhotoSort scans your photos."
        self.empty.setText(text)
        self.stack.setCurrentWidget(self.empty)

    def _update_actions(self) -> None:
        unknown = self.section() == UNKNOWN
        people = self.grid.selected_ids()
        faces = self.unknown.selected_faces() if unknown else []
        for b in (self.rename_button, self.merge_button, self.hide_button):
            b.setVisible(not unknown)
        for b in (self.move_button, self.new_button):
            b.setVisible(unknown)
        self.rename_button.defaultAction().setEnabled(not unknown and len(people) == 1)
        self.merge_button.defaultAction().setEnabled(not unknown and len(people) >= 2)
        self.hide_button.defaultAction().setEnabled(not unknown and bool(people))
        hidden = self.section() == HIDDEN
        self.hide_button.defaultAction().setText("Show" if hidden else "Hide")
        self.hide_button.defaultAction().setIcon(theme.icon("eye" if hidden else "eye-off"))
        self.move_button.defaultAction().setEnabled(bool(faces))
        self.new_button.defaultAction().setEnabled(bool(faces))
        self.hint.setText("Faces not grouped with anyone yet. Select some and assign them."
                          if unknown else
                          "Drag a person onto another to merge. F2 or double-click a name to rename.")

    # -- edits ------------------------------------------------------------------------
    def rename(self) -> None:
        self.grid.rename()

    def merge_selected(self) -> None:
        ids = self.grid.selected_ids()
        if len(ids) < 2:
            return
        pick = PersonPicker.choose(self.library, "Merge people",
                                   f"Merge these {len(ids)} people into:",
                                   allow_new=False, parent=self, only=ids)
        if pick and pick.person_id is not None:
            self.merge(pick.person_id, [i for i in ids if i != pick.person_id])

    def merge(self, target: int, sources: list[int]) -> None:
        if not sources:
            return
        self.library.edit(self.library.editor.merge, target, sources)
        person = self.library.person(target)
        self.message.emit(f"Merged into {person.display_name if person else target} — "
                          "Ctrl+Z undoes")

    def toggle_hidden(self) -> None:
        ids = self.grid.selected_ids()
        if ids:
            self.library.edit(self.library.editor.set_hidden, ids, self.section() != HIDDEN)

    def assign_unknown(self) -> None:
        faces = [f.face_id for f in self.unknown.selected_faces()]
        if not faces:
            return
        pick = PersonPicker.choose(self.library, "Assign faces",
                                   f"Who is this? ({len(faces)} face{'s' * (len(faces) > 1)})",
                                   parent=self)
        if pick is None:
            return
        if pick.person_id is not None:
            self.library.edit(self.library.editor.move_faces, faces, pick.person_id)
        else:
            self.library.edit(self.library.editor.new_person, faces, pick.new_name)

    def new_from_unknown(self) -> None:
        faces = [f.face_id for f in self.unknown.selected_faces()]
        if faces:
            self.library.edit(self.library.editor.new_person, faces, None)
