"""The Review place: "Is this Ann?" suggestion pages and "Same person?" proposals, keyboard first.

Suggestions: one page of a named person's likely faces at a time, all
ticked. Y says Yes to the current face, N says No, the arrows move, Space
unticks, U unticks every face (again: ticks them all; for a page of mostly
strangers, untick all and tick the few right ones), Enter is "Yes to all on
this page" (Yes to the ticked faces, No to the unticked). A face of a photo
the person is already in says "same photo". Proposals: the two people's
closest faces side by side (more of each below); Y merges (Ctrl+Z undoes),
N keeps them apart for good, the arrows skip. Every answer is one undoable edit through
:class:`~photosort.gui.library.Library`; the answered face (or pair) leaves
the screen at once and the lists are recomputed off the GUI thread after it
(:mod:`photosort.gui.review_compute`), replacing what is shown when they
arrive, with the keyboard focus kept on the same face where it still is.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from photosort.gui.library import FACE_SQL, Library, face_item
from photosort.gui.review_compute import ReviewLists, ReviewRecompute
from photosort.gui.review_widgets import TILE, FacePopup, FaceTiles, HoverAvatar
from photosort.gui.thumbnails import FaceItem
from photosort.gui.widgets import Avatar, flat_button, segment_button
from photosort.services import proposals as proposals_service
from photosort.services import suggest as suggest_service

SUGGESTIONS, PROPOSALS = range(2)
HOVER_FACES = 12
"""Faces of a person shown when the pointer rests on their face in a proposal."""


class ReviewView(QWidget):
    """Suggestions and proposals; emits ``back`` and status ``message``s."""

    back = Signal()
    message = Signal(str)

    def __init__(self, library: Library, parent=None) -> None:
        super().__init__(parent)
        self.library = library
        self.page: list = []
        self.proposal_list: list = []
        self.proposal_index = 0
        self.lists = ReviewLists()
        self.recompute = ReviewRecompute(library.db_path, self)
        self.recompute.ready.connect(self._apply)
        self._build()
        library.peopleChanged.connect(self._people_changed)

    def _people_changed(self) -> None:
        """Every edit (an answer here, or Ctrl+Z anywhere) recomputes the lists."""
        if self.isVisible():
            self.reload()

    @property
    def model_id(self) -> str:
        return self.lists.model_id

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 14, 20, 14)
        top = QHBoxLayout()
        self.sections = QButtonGroup(self)
        for i, name in enumerate(("Suggestions", "Proposals")):
            button = segment_button(name)
            self.sections.addButton(button, i)
            top.addWidget(button)
        self.sections.button(SUGGESTIONS).setChecked(True)
        self.sections.idClicked.connect(self.show_section)
        top.addStretch(1)
        top.addWidget(flat_button("Back to People", "back", self.back.emit, tip="Back to People (Esc)"))
        layout.addLayout(top)
        self.question = QLabel(objectName="PageTitle")
        layout.addWidget(self.question)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)

        page = QWidget()
        col = QVBoxLayout(page)
        col.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        who = QVBoxLayout()
        self.person_face = Avatar(self.library.thumbnails, 96)
        self.person_name = QLabel(alignment=Qt.AlignmentFlag.AlignHCenter)
        who.addWidget(self.person_face)
        who.addWidget(self.person_name)
        who.addStretch(1)
        row.addLayout(who)
        self.tiles = FaceTiles(self.library)
        self.tiles.installEventFilter(self)
        self.tiles.itemChanged.connect(lambda _item: self._untick_label())  # a click on a tick too
        row.addWidget(self.tiles, 1)
        col.addLayout(row, 1)
        bar = QHBoxLayout()
        # Y, N, Space and Enter are read by _key (not shortcuts, which the list would eat).
        self.yes_button = flat_button("Yes", "check", lambda: self.answer_current(True), tip="Yes (Y)")
        self.no_button = flat_button("No", "x", lambda: self.answer_current(False), tip="No (N)")
        self.all_button = flat_button("Yes to all on this page", "check", self.answer_page,
                                      tip="Yes to the ticked faces, No to the unticked (Enter)")
        self.untick_button = flat_button("Untick all", "x", self.untick_all,
                                         tip="Untick every face; again ticks them all (U)")
        for b in (self.yes_button, self.no_button, self.all_button, self.untick_button):
            bar.addWidget(b)
        self.hint = QLabel("Y yes · N no · arrows move · Space unticks · U unticks all"
                           " · Enter: yes to all ticked", objectName="Hint")
        bar.addWidget(self.hint, 1)
        col.addLayout(bar)
        self.stack.addWidget(page)

        page = QWidget()
        col = QVBoxLayout(page)
        pair = QHBoxLayout()
        self.left = HoverAvatar(self.library.thumbnails, 200)
        self.right = HoverAvatar(self.library.thumbnails, 200)
        self.popup = FacePopup(self.library, self)
        self.left.hovered.connect(lambda on: self._hover(0, on))
        self.right.hovered.connect(lambda on: self._hover(1, on))
        self.left_name, self.right_name = QLabel(), QLabel()
        for avatar, name in ((self.left, self.left_name), (self.right, self.right_name)):
            box = QVBoxLayout()
            box.addWidget(avatar, 0, Qt.AlignmentFlag.AlignHCenter)
            box.addWidget(name, 0, Qt.AlignmentFlag.AlignHCenter)
            pair.addLayout(box)
        col.addLayout(pair)
        more = QHBoxLayout()
        self.more_left, self.more_right = FaceTiles(self.library), FaceTiles(self.library)
        for tiles in (self.more_left, self.more_right):
            tiles.setMaximumHeight(TILE + 60)
            tiles.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            more.addWidget(tiles)
        col.addLayout(more)
        col.addWidget(QLabel("Y same person (merges, Ctrl+Z undoes) · N not the same"
                             " (remembered) · arrows skip · point at a face for more of them",
                             objectName="Hint"))
        col.addStretch(1)
        self.stack.addWidget(page)

    # -- state ---------------------------------------------------------------------------
    def section(self) -> int:
        return self.sections.checkedId()

    def show_section(self, section: int) -> None:
        self.sections.button(section).setChecked(True)
        self.stack.setCurrentIndex(section)
        for b in (self.all_button,):
            b.defaultAction().setEnabled(section == SUGGESTIONS)
        self.reload()
        self._show_current()  # what is at hand ("Looking for …" at first) until fresh lists arrive

    @property
    def busy(self) -> bool:
        """Fresh lists are being computed (what is shown may lack the last edit's effects)."""
        return self.recompute.busy

    def reload(self) -> None:
        """Recompute both lists in the background; :meth:`_apply` shows them."""
        self.recompute.request()

    def _apply(self, lists: ReviewLists) -> None:
        """Fresh lists (of the newest generation): show them, the focus on the same face."""
        if not self.isVisible():  # left (or the window closed) meanwhile; showing it asks again
            return
        self.lists = lists
        keep_row = self.tiles.currentRow()
        current = self.tiles.currentItem()
        keep_face = current.data(Qt.ItemDataRole.UserRole) if current is not None else None
        unticked = set(self.tiles.unticked())  # Space's unticks survive the new lists
        shown = self.proposal_list[self.proposal_index] if self.proposal_list else None
        self.proposal_list = list(lists.proposals)
        pairs = [(p.a, p.b) for p in self.proposal_list]
        if shown is not None and (shown.a, shown.b) in pairs:
            self.proposal_index = pairs.index((shown.a, shown.b))
        self.proposal_index = min(self.proposal_index, max(len(self.proposal_list) - 1, 0))
        self._counts(len(lists.suggestions))
        pages = suggest_service.pages(lists.suggestions)
        self.page = pages[0] if pages else []
        if self.section() == SUGGESTIONS:
            self._show_page(keep_face, keep_row, unticked)
        else:
            self._show_proposal()

    def _counts(self, suggestions: int) -> None:
        self.sections.button(SUGGESTIONS).setText(f"Suggestions  {suggestions}")
        self.sections.button(PROPOSALS).setText(f"Proposals  {len(self.proposal_list)}")

    def _show_current(self) -> None:
        if self.section() == SUGGESTIONS:
            self._show_page()
        else:
            self._show_proposal()

    def _faces(self, ids: list[int]) -> dict[int, FaceItem]:
        rows = self.library.db.query(FACE_SQL + " WHERE f.id IN (SELECT value FROM json_each(?))",
                                     (json.dumps(sorted(set(ids))),))
        return {r["id"]: face_item(r) for r in rows}

    def _name(self, person_id: int) -> str:
        person = self.library.people.get(person_id)
        return person.display_name if person else str(person_id)

    def _show_page(self, keep_face: int | None = None, keep_row: int = 0,
                   unticked: set[int] = frozenset()) -> None:
        if not self.page:
            self.question.setText("Looking for suggestions…" if self.busy
                                  else "No suggestions. Name more people to get some.")
            self.tiles.set_page([], [])
            self.person_face.set_face(None)
            self.person_name.setText("")
            self._untick_label()
            return
        person = self.page[0].person_id
        self.question.setText(f"Is this {self._name(person)}?")
        cover = self.library.people.get(person)
        faces = self._faces([s.face_id for s in self.page] + [cover.cover_face_id or -1])
        self.person_face.set_face(faces.get(cover.cover_face_id))
        self.person_name.setText(self._name(person))
        self.tiles.set_page([faces[s.face_id] for s in self.page],
                            [f"{s.distance:.2f}" + ("\nsame photo" if s.shares_photo else "")
                             for s in self.page])
        ids = [s.face_id for s in self.page]
        for row, s in enumerate(self.page):
            if s.shares_photo:
                self.tiles.item(row).setToolTip(f"{self._name(person)} is already in this photo:"
                                                " Yes only if it shows them twice (a collage)")
        for row, face in enumerate(ids):
            if face in unticked:
                self.tiles.item(row).setCheckState(Qt.CheckState.Unchecked)
        self.tiles.setCurrentRow(ids.index(keep_face) if keep_face in ids
                                 else min(max(keep_row, 0), len(ids) - 1))
        self._untick_label()
        self.tiles.setFocus()

    def _hover(self, side: int, on: bool) -> None:
        """The pointer entered (``on``) or left a proposal's face: more of that person, or none."""
        if not on or not self.proposal_list or self.section() != PROPOSALS:
            self.popup.hide()
            return
        p = self.proposal_list[self.proposal_index]
        person, shown = (p.a, p.face_a) if side == 0 else (p.b, p.face_b)
        rows = self.library.db.query(FACE_SQL + " WHERE fp.person_id = ? AND f.id != ?"
                                     " ORDER BY f.id LIMIT ?", (person, shown, HOVER_FACES))
        total = self.library.db.query("SELECT COUNT(*) FROM face_person WHERE person_id = ?",
                                      (person,))[0][0]
        self.popup.show_faces(f"{self._name(person)}: {total} face{'s' * (total != 1)}",
                              [face_item(r) for r in rows], self.left if side == 0 else self.right,
                              right_aligned=side == 1)

    def hideEvent(self, event) -> None:
        self.popup.hide()
        super().hideEvent(event)

    def _show_proposal(self) -> None:
        self.popup.hide()  # it showed the pair that was on screen before
        if not self.proposal_list:
            self.question.setText("Looking for proposals…" if self.busy
                                  else "No proposals. Nothing looks like one person split in two.")
            for avatar in (self.left, self.right):
                avatar.set_face(None)
            self.left_name.setText("")
            self.right_name.setText("")
            self.more_left.set_page([], [])
            self.more_right.set_page([], [])
            return
        p = self.proposal_list[self.proposal_index]
        self.question.setText(f"Same person? ({self.proposal_index + 1} of {len(self.proposal_list)})")
        faces = self._faces([p.face_a, p.face_b, *p.more_a, *p.more_b])
        self.left.set_face(faces.get(p.face_a))
        self.right.set_face(faces.get(p.face_b))
        self.left_name.setText(self._name(p.a))
        self.right_name.setText(self._name(p.b))
        for tiles, more in ((self.more_left, p.more_a), (self.more_right, p.more_b)):
            tiles.set_page([faces[f] for f in more if f in faces], ["" for f in more if f in faces],
                           checkable=False)
        self.setFocus()

    # -- answers -------------------------------------------------------------------------
    def answer_current(self, yes: bool) -> None:
        if self.section() == PROPOSALS:
            self.answer_proposal(yes)
            return
        row = self.tiles.currentRow()
        if not self.page or row < 0:
            return
        item = self.page.pop(row)
        self.tiles.remove_row(row)  # at once; the recomputed lists follow
        self.lists = ReviewLists(self.lists.model_id,
                                 [s for s in self.lists.suggestions if s is not item], self.lists.proposals)
        self._counts(len(self.lists.suggestions))
        name = self._name(item.person_id)
        action = suggest_service.accept if yes else suggest_service.reject
        self.library.edit(action, self.library.editor, [item])
        if not self.page:
            self._next_page()
        self.message.emit(f"{'Yes' if yes else 'No'}: {name} — Ctrl+Z undoes")

    def _next_page(self) -> None:
        """The page is answered: the next one from the lists at hand, until fresh ones arrive."""
        pages = suggest_service.pages(self.lists.suggestions)
        self.page = pages[0] if pages else []
        self._show_page()  # or "Looking for suggestions…"

    def answer_page(self) -> None:
        if self.section() != SUGGESTIONS or not self.page:
            return
        unticked = self.tiles.unticked()
        page, self.page = self.page, []
        answered = {id(s) for s in page}
        self.lists = ReviewLists(self.lists.model_id, [s for s in self.lists.suggestions
                                                       if id(s) not in answered], self.lists.proposals)
        self._counts(len(self.lists.suggestions))
        self.library.edit(suggest_service.answer_page, self.library.editor, page, unticked)
        self._next_page()
        self.message.emit(f"{len(page) - len(unticked)} yes, {len(unticked)} no — Ctrl+Z undoes")

    def untick_all(self) -> None:
        """Untick every face of the page, or tick them all when none is ticked."""
        if self.section() != SUGGESTIONS or not self.page:
            return
        self.tiles.tick_all(len(self.tiles.unticked()) == self.tiles.count())

    def _untick_label(self) -> None:
        none = bool(self.page) and len(self.tiles.unticked()) == self.tiles.count()
        self.untick_button.setText("Tick all" if none else "Untick all")

    def answer_proposal(self, yes: bool) -> None:
        if not self.proposal_list:
            return
        p = self.proposal_list.pop(self.proposal_index)  # gone at once; the recompute follows
        self.proposal_index = min(self.proposal_index, max(len(self.proposal_list) - 1, 0))
        self._counts(len(self.lists.suggestions))
        if yes:
            self.library.edit(proposals_service.accept, self.library.db, self.library.editor, p)
            self.message.emit("Merged — Ctrl+Z undoes")
        else:
            self.library.edit(proposals_service.reject, self.library.editor, p)
            self.message.emit("Kept apart — they will not be proposed again")
        self._show_proposal()

    def step(self, delta: int) -> None:
        if self.proposal_list:
            self.proposal_index = (self.proposal_index + delta) % len(self.proposal_list)
            self._show_proposal()

    def eventFilter(self, obj, event) -> bool:
        if obj is self.tiles and event.type() == event.Type.KeyPress and self._key(event):
            return True
        return super().eventFilter(obj, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self._key(event):
            super().keyPressEvent(event)

    def _key(self, event: QKeyEvent) -> bool:
        key = event.key()
        if key == Qt.Key.Key_Y:
            self.answer_current(True)
        elif key == Qt.Key.Key_N:
            self.answer_current(False)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.section() == SUGGESTIONS:
            self.answer_page()
        elif key == Qt.Key.Key_Space and self.section() == SUGGESTIONS:
            item = self.tiles.currentItem()
            if item is not None:
                checked = item.checkState() == Qt.CheckState.Checked
                item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)
        elif key == Qt.Key.Key_U and self.section() == SUGGESTIONS:
            self.untick_all()
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_Down) and self.section() == PROPOSALS:
            self.step(1)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Up) and self.section() == PROPOSALS:
            self.step(-1)
        elif key == Qt.Key.Key_Escape:
            self.back.emit()
        else:
            return False
        return True
