"""The People view, driven like a user would: rename, merge (button and drag), hide, filter, undo."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from gui_support import catalog, window  # noqa: F401  (fixtures)
from gui_support import (answer_modal, copy_catalog, dump, open_window, scanned_template,
                         shown_people, wait_thumbnails)
from photosort.gui.library import thumbnail_dir
from photosort.gui.list_model import RowRole
from photosort.gui.people_view import HIDDEN, PEOPLE
from photosort.store.db import Database
from photosort.store.people import PeopleStore


def people_in_db(path):
    db = Database(path)
    try:
        return {p.id: p for p in PeopleStore(db).list()}
    finally:
        db.close()


def grid_ids(view):
    model = view.grid.model()
    return [model.data(model.index(r, 0), RowRole).id for r in range(model.rowCount())]


def select(view, ids):
    """Click the first card, Ctrl+click the others (as a user selects several people)."""
    port = view.grid.viewport()
    for i, pid in enumerate(ids):
        modifier = Qt.KeyboardModifier.ControlModifier if i else Qt.KeyboardModifier.NoModifier
        point = view.grid.visualRect(view.grid.index_of(pid)).center()
        QTest_click(port, modifier, point)
    assert sorted(view.grid.selected_ids()) == sorted(ids)


def QTest_click(widget, modifier, point):
    from PySide6.QtTest import QTest

    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, modifier, point)


def test_people_grid_shows_everyone_with_thumbnails_cached_on_disk(qtbot, window, catalog):
    view = window.people_view
    expected = {p.id for p in people_in_db(catalog).values() if p.face_count}
    assert set(grid_ids(view)) == expected
    assert view.sections.button(PEOPLE).text() == f"People  {len(expected)}"
    counts = [view.model.data(view.model.index(r, 0), RowRole).person.photo_count
              for r in range(view.model.rowCount())]
    assert counts == sorted(counts, reverse=True)  # most photos first
    cache = window.library.thumbnails
    rows = shown_people(window.people_view)
    view.grid.viewport().repaint()  # painting asks for the thumbnails, cut in the background
    wait_thumbnails(qtbot, cache, [r.cover for r in rows], 128, timeout=30000)
    assert all(cache.file_for(r.cover).is_file() for r in rows)
    assert all(cache.file_for(r.cover).parent.parent == thumbnail_dir(catalog) for r in rows)


def test_rename_inline_with_f2_then_undo(qtbot, window, catalog):
    view = window.people_view
    first = grid_ids(view)[0]
    select(view, [first])
    view.grid.setFocus()
    qtbot.keyClick(view.grid, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    qtbot.keyClicks(editor, "Ben Affleck")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next event loop turn
    qtbot.waitUntil(lambda: people_in_db(catalog)[first].name == "Ben Affleck")
    assert view.model.data(view.grid.index_of(first)) == "Ben Affleck"
    assert window.commands.undo.text() == f"Undo rename Unnamed {first} to Ben Affleck"
    qtbot.keyClick(window.people_view.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert people_in_db(catalog)[first].name is None


def test_double_click_on_the_name_renames_and_on_the_face_opens(qtbot, window):
    view = window.people_view
    first = grid_ids(view)[0]
    rect = view.grid.visualRect(view.grid.index_of(first))
    name_point = QPoint(rect.center().x(), rect.top() + 12 + 128 + 18)
    qtbot.mouseDClick(view.grid.viewport(), Qt.MouseButton.LeftButton, pos=name_point)
    assert isinstance(QApplication.focusWidget(), QLineEdit)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    face_point = QPoint(rect.center().x(), rect.top() + 60)
    qtbot.mouseDClick(view.grid.viewport(), Qt.MouseButton.LeftButton, pos=face_point)
    assert window.pages.currentWidget() is window.person_page
    assert window.person_page.person_id == first


def test_merge_selected_people_with_the_button_and_undo(qtbot, window, catalog):
    view = window.people_view
    a, b = grid_ids(view)[:2]
    before = dump(catalog)
    select(view, [a, b])
    assert view.merge_button.isEnabled()
    answer_modal(lambda dialog: (dialog.search.setText(f"Unnamed {a}"), dialog.accept()))
    qtbot.mouseClick(view.merge_button, Qt.MouseButton.LeftButton)
    people = people_in_db(catalog)
    assert b not in people and people[a].face_count >= 2
    assert b not in grid_ids(view)
    window.commands.undo.trigger()
    assert dump(catalog) == before
    assert set(grid_ids(view)) >= {a, b}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Qt's QPoint-based drag events
def test_dragging_a_person_onto_another_merges_them(qtbot, window, catalog):
    view = window.people_view
    a, b = grid_ids(view)[:2]
    faces_b = people_in_db(catalog)[b].face_count
    mime: QMimeData = view.model.mimeData([view.model.index(view.model.row_of(b), 0)])
    target = view.grid.visualRect(view.grid.index_of(a)).center()
    port = view.grid.viewport()
    actions = Qt.DropAction.CopyAction
    for event in (QDragEnterEvent(target, actions, mime, Qt.MouseButton.LeftButton,
                                  Qt.KeyboardModifier.NoModifier),
                  QDragMoveEvent(target, actions, mime, Qt.MouseButton.LeftButton,
                                 Qt.KeyboardModifier.NoModifier)):
        QApplication.sendEvent(port, event)
        assert event.isAccepted()
    drop = QDropEvent(target.toPointF(), actions, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(port, drop)
    people = people_in_db(catalog)
    assert b not in people
    assert people[a].face_count >= faces_b + 1
    assert "Merged into" in window.statusBar().currentMessage()


def test_hide_moves_a_person_to_the_hidden_section_and_back(qtbot, window, catalog):
    view = window.people_view
    person = grid_ids(view)[0]
    select(view, [person])
    view.grid.setFocus()
    qtbot.keyClick(view.grid, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert people_in_db(catalog)[person].hidden
    assert person not in grid_ids(view)
    view.show_section(HIDDEN)
    assert grid_ids(view) == [person]
    select(view, [person])
    assert view.hide_button.text() == "Show"
    view.hide_button.click()
    assert not people_in_db(catalog)[person].hidden
    assert grid_ids(view) == []
    view.show_section(PEOPLE)
    assert person in grid_ids(view)


def test_filter_sort_and_minimum_photos(qtbot, window):
    view = window.people_view
    ids = grid_ids(view)
    window.library.edit(window.library.editor.rename, ids[-1], "Aaron")
    window.library.edit(window.library.editor.rename, ids[0], "Zoe")
    view.sort.setCurrentIndex(view.sort.findData("name"))
    assert grid_ids(view)[:2] == [ids[-1], ids[0]]  # named first, alphabetically
    qtbot.keyClicks(view.search, "zo")
    assert grid_ids(view) == [ids[0]]
    view.search.clear()
    most = max(p.person.photo_count for p in shown_people(view))
    view.min_check.setChecked(True)
    view.min_spin.setValue(most + 1)
    assert grid_ids(view) == []
    assert "Nobody matches" in view.empty.text()
    view.min_check.setChecked(False)
    assert len(grid_ids(view)) == len(ids)
