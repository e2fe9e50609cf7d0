"""Person page, unknown faces, photo viewer and map, driven through the real widgets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from gui_support import catalog, window  # noqa: F401  (fixtures)
from gui_support import answer_modal, answer_popup, copy_catalog, dump, open_window, scanned_template
from photosort.gui.people_view import UNKNOWN
from photosort.store.db import Database
from photosort.store.people import PeopleStore


def store(path):
    db = Database(path)
    return db, PeopleStore(db)


def open_biggest(window):
    person = max(window.library.people.list(), key=lambda p: p.face_count)
    window.open_person(person.id)
    assert window.pages.currentWidget() is window.person_page
    return person


def click_face(qtbot, grid, row, modifier=Qt.KeyboardModifier.NoModifier):
    point = grid.visualRect(grid.face_model.index(row, 0)).center()
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, modifier, point)


def test_not_this_person_removes_the_face_and_remembers_it(qtbot, window, catalog):
    person = open_biggest(window)
    page = window.person_page
    before = dump(catalog)
    assert len(page.grid.faces()) == person.face_count
    click_face(qtbot, page.grid, 0)
    face = page.grid.selected_faces()[0].face_id
    qtbot.keyClick(page.grid, Qt.Key.Key_Delete)
    db, people = store(catalog)
    assert (face, person.id) in people.rejections()
    assert face not in people.faces(person.id)
    db.close()
    assert face not in [f.face_id for f in page.grid.faces()]
    assert page.subtitle.text().startswith(f"{person.photo_count - 1} photos")
    qtbot.keyClick(page.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert dump(catalog) == before
    assert face in [f.face_id for f in page.grid.faces()]


def test_move_to_a_new_name_and_new_person_from_selection(qtbot, window, catalog):
    person = open_biggest(window)
    page = window.person_page
    click_face(qtbot, page.grid, 0)
    moved = page.grid.selected_faces()[0].face_id
    answer_modal(lambda d: (d.search.setText("Elton John"), d.accept()))
    page.move_button.click()
    db, people = store(catalog)
    elton = people.find("Elton John")
    assert elton is not None and people.faces(elton.id) == [moved]
    click_face(qtbot, page.grid, 0)
    click_face(qtbot, page.grid, 1, Qt.KeyboardModifier.ControlModifier)
    pair = sorted(f.face_id for f in page.grid.selected_faces())
    page.new_button.click()
    split = [p for p in people.list() if sorted(people.faces(p.id)) == pair]
    assert len(split) == 1 and split[0].name is None
    assert len(people.faces(person.id)) == person.face_count - 3
    db.close()


def test_rename_and_merge_from_the_person_page(qtbot, window, catalog):
    person = open_biggest(window)
    page = window.person_page
    qtbot.keyClick(page.grid, Qt.Key.Key_F2)
    assert QApplication.focusWidget() is page.name_edit
    qtbot.keyClicks(page.name_edit, "Mindy Kaling")
    qtbot.keyClick(page.name_edit, Qt.Key.Key_Return)
    assert page.name_label.text() == "Mindy Kaling"
    other = next(p for p in window.library.people.list() if p.id != person.id and p.face_count)
    answer_modal(lambda d: (d.search.setText(f"Unnamed {other.id}"), d.accept()))
    page.merge_button.click()
    db, people = store(catalog)
    assert people.get(person.id) is None
    assert people.get(other.id).name == "Mindy Kaling"  # an unnamed target takes the name
    db.close()
    assert page.person_id == other.id and window.pages.currentWidget() is page


def test_unknown_faces_can_be_given_to_someone(qtbot, window, catalog):
    person = open_biggest(window)
    face = window.library.faces_of(person.id)[0].face_id
    window.library.edit(window.library.editor.reject_faces, [face], person.id)
    window.back()
    view = window.people_view
    assert view.sections.button(UNKNOWN).text() == "Unknown faces  1"
    view.show_section(UNKNOWN)
    assert [f.face_id for f in view.unknown.faces()] == [face]
    click_face(qtbot, view.unknown, 0)
    view.new_button.click()
    db, people = store(catalog)
    owner = people.links()[face][0]
    assert owner != person.id and people.faces(owner) == [face]
    db.close()
    assert view.unknown.faces() == []


def test_photo_viewer_shows_boxes_and_corrects_a_face(qtbot, window, catalog):
    person = open_biggest(window)
    page = window.person_page
    qtbot.mouseDClick(page.grid.viewport(), Qt.MouseButton.LeftButton,
                      pos=page.grid.visualRect(page.grid.face_model.index(0, 0)).center())
    viewer = window.photo_viewer
    assert window.pages.currentWidget() is viewer
    assert viewer.subtitle.text() == f"Photo 1 of {person.photo_count} · Unnamed {person.id}"
    canvas = viewer.canvas
    qtbot.waitUntil(lambda: canvas.image is not None, timeout=20000)
    face = canvas.faces[0]
    assert face.person_id == person.id and canvas.label(face) == f"Unnamed {person.id}"
    qtbot.keyClick(canvas, Qt.Key.Key_Right)
    assert viewer.index == 1
    qtbot.waitUntil(lambda: canvas.image is not None)
    face = next(f for f in canvas.faces if f.person_id == person.id)
    centre = canvas.box_rect(face).center().toPoint()
    assert canvas.faces[canvas.face_at(centre.toPointF())] == face
    seen = []

    def choose(menu):
        try:
            seen.extend(a.text() for a in menu.actions())
            next(a for a in menu.actions() if a.text() == f"Not Unnamed {person.id}").trigger()
        finally:
            menu.close()  # never leave the test waiting on an open menu

    answer_popup(choose)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=centre)
    assert f"Open Unnamed {person.id}" in seen
    db, people = store(catalog)
    assert (face.face_id, person.id) in people.rejections()
    db.close()
    assert canvas.label(next(f for f in canvas.faces if f.face_id == face.face_id)) == "Unknown"
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None)
    window.activateWindow()  # the offscreen platform does not hand focus back after a popup
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert window.pages.currentWidget() is window.person_page


def test_map_projects_every_face_and_opens_a_person(qtbot, window, catalog):
    window.show_map()
    view = window.map_view
    qtbot.waitUntil(lambda: len(view.points) > 0, timeout=20000)
    db, people = store(catalog)
    faces = db.query("SELECT COUNT(*) AS n FROM faces")[0]["n"]
    db.close()
    assert view.points.shape == (faces, 2)
    index = int(next(i for i, p in enumerate(view.people) if p >= 0))
    x, y = view.screen_points()[index]
    qtbot.mouseMove(view, QPoint(int(x), int(y)))
    assert view.hover == index
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(int(x), int(y)))
    assert window.pages.currentWidget() is window.person_page
    assert window.person_page.person_id == int(view.people[index])
