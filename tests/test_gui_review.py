"""The Review place in the real window: counts on the People view, Y / N / Space / Enter, proposals."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt

from gui_support import catalog, open_window, wait_thumbnails  # noqa: F401  (fixture)
from photosort.services.edits import PeopleEditor
from photosort.store.db import Database
from photosort.store.people import PeopleStore
from photosort.store.review import ReviewStore


def settle(qtbot, review) -> None:
    """Wait for the background recomputation to deliver the newest lists."""
    qtbot.waitUntil(lambda: not review.busy, timeout=30000)


def open_review(qtbot, path, tmp_path):
    """The real window on ``path``, showing the Review with its first lists in."""
    window = open_window(qtbot, path, tmp_path)
    window.show_review()
    review = window.review_view
    settle(qtbot, review)
    return window, review


@pytest.fixture()
def prepared(catalog):  # noqa: F811
    """Ann named, two of her faces taken out (unknown), and a second person split in two."""
    db = Database(catalog)
    people = PeopleStore(db).list()
    editor = PeopleEditor(db)
    ann, bob = people[0].id, people[1].id
    editor.rename(ann, "Ann")
    out = PeopleStore(db).faces(ann)[:2]
    with db.transaction() as c:
        c.executemany("DELETE FROM face_person WHERE face_id = ?", [(f,) for f in out])
    part = editor.new_person(PeopleStore(db).faces(bob)[:2])
    db.close()
    return catalog, ann, out, bob, part


def test_review_counts_show_on_the_people_view_and_y_confirms_a_suggestion(qtbot, prepared, tmp_path):
    path, ann, out, bob, part = prepared
    window = open_window(qtbot, path, tmp_path)
    button = window.people_view.review_button
    qtbot.waitUntil(lambda: "suggestion" in button.text(), timeout=20000)
    assert button.text().startswith("2 suggestions · ")
    assert "1 proposal" in button.text() or "proposals" in button.text()
    button.click()
    review = window.review_view
    assert window.pages.currentWidget() is review
    settle(qtbot, review)
    assert review.question.text() == "Is this Ann?"
    assert review.tiles.count() == 2
    first = review.tiles.item(0).data(Qt.ItemDataRole.UserRole)
    qtbot.keyClick(review.tiles, Qt.Key.Key_Y)
    links = window.library.people.links()
    assert links[first] == (ann, "user")
    assert review.tiles.count() == 1  # gone at once, before the recomputed lists arrive
    settle(qtbot, review)
    assert review.tiles.count() == 1  # and the recomputed lists agree
    second = review.tiles.item(0).data(Qt.ItemDataRole.UserRole)
    qtbot.keyClick(review.tiles, Qt.Key.Key_N)
    assert (second, ann) in window.library.people.rejections()
    settle(qtbot, review)
    assert "No suggestions" in review.question.text()
    window.library.undo()
    settle(qtbot, review)
    assert review.tiles.count() == 1  # Ctrl+Z brings the question back
    qtbot.keyClick(review.tiles, Qt.Key.Key_Escape)
    assert window.pages.currentWidget() is window.people_view


def test_space_unticks_and_enter_answers_the_whole_page(qtbot, prepared, tmp_path):
    path, ann, out, bob, part = prepared
    window, review = open_review(qtbot, path, tmp_path)
    assert review.tiles.count() == 2
    review.tiles.setCurrentRow(1)
    unticked = review.tiles.item(1).data(Qt.ItemDataRole.UserRole)
    qtbot.keyClick(review.tiles, Qt.Key.Key_Space)
    assert review.tiles.unticked() == [unticked]
    qtbot.keyClick(review.tiles, Qt.Key.Key_Return)
    people = window.library.people
    ticked = next(f for f in out if f != unticked)
    assert people.links()[ticked] == (ann, "user")
    assert unticked not in people.links() and (unticked, ann) in people.rejections()
    window.library.undo()  # the whole page is one edit
    assert ticked not in people.links() and (unticked, ann) not in people.rejections()


def test_u_unticks_the_whole_page_and_space_ticks_back_the_right_face(qtbot, prepared, tmp_path):
    path, ann, out, bob, part = prepared
    window, review = open_review(qtbot, path, tmp_path)
    assert review.tiles.count() == 2 and review.untick_button.text() == "Untick all"
    qtbot.keyClick(review.tiles, Qt.Key.Key_U)
    ids = [review.tiles.item(i).data(Qt.ItemDataRole.UserRole) for i in range(2)]
    assert sorted(review.tiles.unticked()) == sorted(ids)
    assert review.untick_button.text() == "Tick all"
    review.tiles.setCurrentRow(0)
    qtbot.keyClick(review.tiles, Qt.Key.Key_Space)  # the one face that is Ann, ticked again
    assert review.tiles.unticked() == [ids[1]] and review.untick_button.text() == "Untick all"
    qtbot.keyClick(review.tiles, Qt.Key.Key_Return)
    people = window.library.people
    assert people.links()[ids[0]] == (ann, "user")
    assert ids[1] not in people.links() and (ids[1], ann) in people.rejections()
    settle(qtbot, review)
    review.untick_button.click()  # nothing left to untick: no error, nothing answered
    assert (ids[0], ann) not in people.rejections()


def show_split_proposal(qtbot, prepared, tmp_path):
    """The real window on the Review's proposals, showing "Same person?" for Bob and his part."""
    path, ann, out, bob, part = prepared
    window, review = open_review(qtbot, path, tmp_path)
    review.show_section(1)
    settle(qtbot, review)
    assert review.question.text().startswith("Same person?")
    pairs = [{p.a, p.b} for p in review.proposal_list]
    assert {bob, part} in pairs
    review.proposal_index = pairs.index({bob, part})
    review._show_proposal()
    return window, review


def test_same_person_no_keeps_apart_and_yes_merges_undoably(qtbot, prepared, tmp_path):
    path, ann, out, bob, part = prepared
    window, review = show_split_proposal(qtbot, prepared, tmp_path)
    assert review.left.item is not None and review.right.item is not None
    qtbot.keyClick(review, Qt.Key.Key_Y)
    assert window.library.people.get(part) is None  # merged into the larger
    window.library.undo()
    assert window.library.people.get(part) is not None
    settle(qtbot, review)
    review.proposal_index = [{p.a, p.b} for p in review.proposal_list].index({bob, part})
    review._show_proposal()
    qtbot.keyClick(review, Qt.Key.Key_N)
    settle(qtbot, review)
    assert ReviewStore(window.library.db).cannot_links() == {(min(bob, part), max(bob, part))}
    assert {bob, part} not in [{p.a, p.b} for p in review.proposal_list]


def test_use_as_cover_on_the_person_page_changes_the_face_shown(qtbot, prepared, tmp_path):
    path, ann, out, bob, part = prepared
    window = open_window(qtbot, path, tmp_path)
    window.open_person(bob)
    page = window.person_page
    faces = page.grid.faces()
    shown = window.library.representative(window.library.people.get(bob))
    other = next(f for f in faces if f.face_id != shown)
    page.grid.select_rows([faces.index(other)])
    assert page.cover_action.isEnabled()
    page.cover_action.trigger()
    assert window.library.representative(window.library.people.get(bob)) == other.face_id
    row = next(r for r in window.library.person_rows() if r.id == bob)
    assert row.cover.face_id == other.face_id


def test_quick_answers_in_a_row_are_all_recorded_and_the_list_ends_consistent(qtbot, catalog,  # noqa: F811
                                                                               tmp_path):
    from photosort.gui.review_compute import compute_lists
    from photosort.services.suggest import pages

    db = Database(catalog)
    people = PeopleStore(db).list()
    out = []
    for person, name in zip(people, ("Ann", "Bob", "Cem")):  # each named, two faces taken out
        PeopleEditor(db).rename(person.id, name)
        out += PeopleStore(db).faces(person.id)[:2]
    with db.transaction() as c:
        c.executemany("DELETE FROM face_person WHERE face_id = ?", [(f,) for f in out])
    db.close()
    window = open_window(qtbot, catalog, tmp_path)
    window.show_review()
    review = window.review_view
    settle(qtbot, review)
    asked = {s.face_id: s.person_id for s in review.lists.suggestions}
    assert len(asked) >= 5 and set(asked) <= set(out)

    def shown() -> list[int]:
        return [review.tiles.item(i).data(Qt.ItemDataRole.UserRole) for i in range(review.tiles.count())]

    answers: dict[int, bool] = {}
    for yes in (True, False, True, True, False):  # no waiting between the keys, across pages
        before = shown()
        face = review.tiles.currentItem().data(Qt.ItemDataRole.UserRole)
        qtbot.keyClick(review.tiles, Qt.Key.Key_Y if yes else Qt.Key.Key_N)
        answers[face] = yes
        assert face not in shown()  # gone at once
        assert len(shown()) == len(before) - 1 or before == [face]  # or the next page is shown
        assert review.tiles.currentItem() is not None  # the next face has the focus
    settle(qtbot, review)
    links, rejections = window.library.people.links(), window.library.people.rejections()
    for face, yes in answers.items():
        if yes:
            assert links[face] == (asked[face], "user")
        else:
            assert (face, asked[face]) in rejections and face not in links
    fresh = compute_lists(catalog).suggestions
    assert not set(answers) & {s.face_id for s in fresh}
    assert shown() == [s.face_id for s in pages(fresh)[0]] if fresh else shown() == []
    assert review.sections.button(0).text() == f"Suggestions  {len(fresh)}"
    assert review.tiles.currentItem() is not None or not fresh


def test_the_recompute_runs_off_the_gui_thread_and_drops_stale_results(qtbot, catalog,  # noqa: F811
                                                                         monkeypatch):
    import threading

    from photosort.gui import review_compute

    threads, gate, original = [], threading.Event(), review_compute.compute_lists

    def compute(path):
        threads.append(threading.current_thread())
        gate.wait(30)
        return original(path)

    monkeypatch.setattr(review_compute, "compute_lists", compute)
    recompute = review_compute.ReviewRecompute(catalog)
    delivered = []
    recompute.ready.connect(delivered.append)
    recompute.request()  # generation 1 starts and waits at the gate
    qtbot.waitUntil(lambda: len(threads) == 1, timeout=10000)
    recompute.request()
    latest = recompute.request()  # two newer edits while it runs: nothing new starts yet
    assert len(threads) == 1 and recompute.busy
    gate.set()
    qtbot.waitUntil(lambda: not recompute.busy, timeout=30000)
    assert latest == recompute.generation == 3
    assert len(threads) == 2  # generation 1 was dropped and the newest one computed
    assert len(delivered) == 1 and isinstance(delivered[0], review_compute.ReviewLists)
    assert all(t is not threading.main_thread() for t in threads)


def test_an_untick_survives_the_recomputed_lists(qtbot, prepared, tmp_path):
    path, ann, out, bob, part = prepared
    window, review = open_review(qtbot, path, tmp_path)
    review.tiles.setCurrentRow(1)
    unticked = review.tiles.item(1).data(Qt.ItemDataRole.UserRole)
    qtbot.keyClick(review.tiles, Qt.Key.Key_Space)
    review.tiles.setCurrentRow(0)
    qtbot.keyClick(review.tiles, Qt.Key.Key_Y)
    settle(qtbot, review)
    assert review.tiles.count() == 1 and review.tiles.unticked() == [unticked]
    qtbot.keyClick(review.tiles, Qt.Key.Key_Return)
    assert (unticked, ann) in window.library.people.rejections()


def test_pointing_at_a_proposed_face_shows_more_of_that_person(qtbot, prepared, tmp_path):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QEnterEvent
    from PySide6.QtWidgets import QApplication

    window, review = show_split_proposal(qtbot, prepared, tmp_path)
    proposal = review.proposal_list[review.proposal_index]
    assert not review.popup.isVisible()
    centre = QPointF(100, 100)
    QApplication.sendEvent(review.left, QEnterEvent(centre, centre, review.left.mapToGlobal(centre)))
    assert review.popup.isVisible()
    people = window.library.people
    mine = set(PeopleStore(window.library.db).faces(proposal.a))
    shown = [f.face_id for f in review.popup.faces]
    assert set(shown) == mine - {proposal.face_a}  # the rest of that person (fewer than 12 here)
    assert review.popup.title.text().startswith(f"{people.get(proposal.a).display_name}: {len(mine)} face")
    assert review.popup.y() > review.left.mapToGlobal(review.left.rect().bottomLeft()).y()  # below it
    cache = window.library.thumbnails
    wait_thumbnails(qtbot, cache, review.popup.faces, review.popup.SIZE, timeout=20000)
    QApplication.sendEvent(review.left, QEvent(QEvent.Type.Leave))
    assert not review.popup.isVisible()
    QApplication.sendEvent(review.right, QEnterEvent(centre, centre, review.right.mapToGlobal(centre)))
    theirs = set(PeopleStore(window.library.db).faces(proposal.b))
    assert {f.face_id for f in review.popup.faces} == theirs - {proposal.face_b}
    qtbot.keyClick(review, Qt.Key.Key_N)  # answering hides it with the pair it showed
    assert not review.popup.isVisible()
