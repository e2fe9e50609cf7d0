"""Review services on a real catalog: suggestions, proposals, cannot-links, covers and the effort metric.

The catalog is the GUI tests' template: 12 real photos of three people from
``five_celebrity`` scanned with the real detector and embedder.
"""

from __future__ import annotations

from collections import Counter

import pytest

from gui_support import catalog  # noqa: F401  (fixture)
from photosort.core.thresholds import thresholds_for
from photosort.services import proposals as prop
from photosort.services import suggest
from photosort.services.analyze import AnalyzeSettings
from photosort.services.cluster import update_people
from photosort.services.cover import face_quality, use_as_cover
from photosort.services.edits import PeopleEditor
from photosort.store.db import Database
from photosort.store.people import PeopleStore
from photosort.store.review import ReviewStore

MODEL = AnalyzeSettings().model_id


@pytest.fixture()
def lib(catalog):  # noqa: F811
    db = Database(catalog)
    update_people(db, MODEL, full=True)
    yield db
    db.close()


def truth(db) -> dict[int, str]:
    """face id → person, from the copied file names (``<person>_<i>.jpg``), one face per photo."""
    rows = db.query("SELECT f.id, p.path FROM faces f JOIN photos p ON p.id = f.photo_id")
    per_photo = Counter(r["path"] for r in rows)
    return {r["id"]: r["path"].rsplit("/", 1)[1].rsplit("_", 1)[0]
            for r in rows if per_photo[r["path"]] == 1}


def biggest(db) -> tuple[int, list[int]]:
    person = PeopleStore(db).list()[0]
    return person.id, PeopleStore(db).faces(person.id)


def unlink(db, faces) -> None:
    with db.transaction() as c:
        c.executemany("DELETE FROM face_person WHERE face_id = ?", [(f,) for f in faces])


def test_a_face_taken_out_of_a_named_person_is_suggested_back_and_yes_confirms_it(lib):
    editor = PeopleEditor(lib)
    ann, faces = biggest(lib)
    editor.rename(ann, "Ann")
    unlink(lib, faces[:1])
    items = suggest.suggestions(lib, MODEL)
    assert [(s.face_id, s.person_id) for s in items] == [(faces[0], ann)]
    assert items[0].distance <= thresholds_for(MODEL).suggest
    suggest.accept(editor, items)
    assert PeopleStore(lib).links()[faces[0]] == (ann, "user")
    assert suggest.suggestions(lib, MODEL) == []
    editor.undo()
    assert faces[0] not in PeopleStore(lib).links()


def test_no_is_remembered_across_regroups_and_never_suggested_again(lib):
    editor = PeopleEditor(lib)
    ann, faces = biggest(lib)
    editor.rename(ann, "Ann")
    unlink(lib, faces[:2])
    page = suggest.pages(suggest.suggestions(lib, MODEL))[0]
    assert {s.face_id for s in page} == set(faces[:2])
    suggest.answer_page(editor, page, unticked=[faces[1]])  # "Yes to all" with one unticked
    links = PeopleStore(lib).links()
    assert links[faces[0]] == (ann, "user") and faces[1] not in links
    assert (faces[1], ann) in PeopleStore(lib).rejections()
    update_people(lib, MODEL, full=True)
    assert PeopleStore(lib).links().get(faces[1], (None,))[0] != ann
    assert all(s.face_id != faces[1] for s in suggest.suggestions(lib, MODEL))


def test_after_a_no_a_face_is_asked_about_the_next_person_only_if_close(lib, monkeypatch):
    """A "No" for the nearest person passes the face to the next nearest only within
    ``suggest_again``: on lfw-dev the whole band asked its strangers person after person."""
    import dataclasses

    import numpy as np

    from photosort.services.review_state import load_state

    editor = PeopleEditor(lib)
    people = PeopleStore(lib).list()
    a, b, c = (p.id for p in people[:3])
    editor.rename(a, "Ann")
    editor.rename(b, "Bob")
    face = PeopleStore(lib).faces(c)[0]
    unlink(lib, [face])
    st = load_state(lib, MODEL)
    x = st.X[list(st.face_ids).index(face)]
    dist = {p: float(np.linalg.norm(x - st.centroid(p))) for p in (a, b)}
    first, second = sorted(dist, key=dist.get)
    wide = dataclasses.replace(thresholds_for(MODEL), suggest=1.5)

    def asked(again: float) -> list[tuple[int, int]]:
        monkeypatch.setattr(suggest, "thresholds_for",
                            lambda model: dataclasses.replace(wide, suggest_again=again))
        return [(s.face_id, s.person_id) for s in suggest.suggestions(lib, MODEL)
                if s.face_id == face]

    assert asked(1.5) == [(face, first)]
    suggest.reject(editor, [suggest.Suggestion(face, first, dist[first], 0, None)])
    assert asked(dist[second] - 0.01) == []                 # the next person is too far
    assert asked(dist[second] + 0.01) == [(face, second)]   # close enough: asked
    assert asked(1.5) == [(face, second)]


def test_a_split_person_is_proposed_yes_merges_undoably_no_keeps_them_apart(lib):
    editor = PeopleEditor(lib)
    ann, faces = biggest(lib)
    part = editor.new_person(faces[:2])
    found = prop.proposals(lib, MODEL)
    assert found and {found[0].a, found[0].b} == {ann, part}
    first = found[0]
    assert {first.face_a, first.face_b} <= set(faces)
    assert first.distance == min(p.distance for p in found)
    assert prop.accept(lib, editor, first) == ann  # the larger survives
    assert set(PeopleStore(lib).faces(ann)) == set(faces)
    editor.undo()
    assert set(PeopleStore(lib).faces(part)) == set(faces[:2])

    prop.reject(editor, first)
    assert ReviewStore(lib).cannot_links() == {(min(ann, part), max(ann, part))}
    assert all({p.a, p.b} != {ann, part} for p in prop.proposals(lib, MODEL))
    # A later regroup honours the "No": the two parts never share a person.
    with lib.transaction() as c:
        c.execute("UPDATE face_person SET source = 'ml' WHERE face_id IN (?, ?)", faces[:2])
    update_people(lib, MODEL, full=True)
    links = PeopleStore(lib).links()
    assert {links[f][0] for f in faces[:2]}.isdisjoint({links[f][0] for f in faces[2:] if f in links})


def test_a_cannot_link_moves_with_a_merge_and_comes_back_with_its_undo(lib):
    editor = PeopleEditor(lib)
    people = [p.id for p in PeopleStore(lib).list()]
    a, b, c = people[:3]
    editor.keep_apart(a, b)
    editor.merge(c, [b])
    assert ReviewStore(lib).cannot_links() == {(min(a, c), max(a, c))}
    editor.undo()
    assert ReviewStore(lib).cannot_links() == {(min(a, b), max(a, b))}
    editor.undo()
    assert ReviewStore(lib).cannot_links() == set()


def test_people_sharing_a_photo_are_never_proposed(lib):
    editor = PeopleEditor(lib)
    ann, faces = biggest(lib)
    part = editor.new_person(faces[:2])
    with lib.transaction() as c:  # pretend a face of each was found in one photo
        photo = c.execute("SELECT photo_id FROM faces WHERE id = ?", (faces[0],)).fetchone()[0]
        c.execute("UPDATE faces SET photo_id = ? WHERE id = ?", (photo, faces[3]))
    assert all({p.a, p.b} != {ann, part} for p in prop.proposals(lib, MODEL))


def test_the_automatic_cover_is_large_and_frontal_and_use_as_cover_overrides_it(lib):
    import numpy as np

    frontal = np.array([[30, 40], [70, 40], [50, 60], [35, 80], [65, 80]], np.float32)
    profile = frontal.copy()
    profile[2, 0] = 72  # nose beside an eye
    assert face_quality((0, 0, 100, 100), frontal, 0.99) > face_quality((0, 0, 100, 100), profile, 0.99)
    assert face_quality((0, 0, 200, 200), frontal, 0.99) > face_quality((0, 0, 100, 100), frontal, 0.99)
    ann, faces = biggest(lib)
    auto = PeopleStore(lib).get(ann).cover_face_id
    assert ReviewStore(lib).covers()[ann] == (auto, "auto")
    other = next(f for f in faces if f != auto)
    use_as_cover(lib, ann, other)
    update_people(lib, MODEL, full=True)
    assert PeopleStore(lib).get(ann).cover_face_id == other
    with pytest.raises(ValueError):
        use_as_cover(lib, ann, -1)


def test_the_simulated_user_reaches_a_perfect_library_with_fewer_actions(lib):
    from photosort.services.effort import measure_effort

    editor = PeopleEditor(lib)
    ann, faces = biggest(lib)
    editor.new_person(faces[:2])  # one person split in two
    unlink(lib, faces[2:3])       # and one face unknown
    report = measure_effort(lib.path, MODEL, truth(lib))
    assert report.perfect
    assert report.true_people == 3 and report.labelled_faces >= 10
    assert report.by_kind["name"] == 3 and report.baseline_by_kind["name"] == 3
    assert report.baseline_by_kind.get("merge", 0) >= 2  # by hand, today
    assert sum(report.by_kind.get(k, 0) for k in ("proposal", "suggestion", "suggestion_page")) >= 1
    assert report.actions < report.baseline_actions
    # The catalog itself is untouched: both users worked on copies.
    assert set(PeopleStore(lib).faces(ann)) == set(faces[3:])


def test_a_face_of_a_photo_the_person_is_already_in_is_asked_last_and_marked(data_dir, tmp_path):
    """A collage shows one person twice: its second face is still asked about, after the
    others, marked ``shares_photo`` (the Review writes "twice" under it)."""
    from PIL import Image

    from photosort.services.scan import scan

    photos = tmp_path / "photos"
    photos.mkdir()
    sources = sorted((data_dir / "five_celebrity" / "madonna").glob("*.jpg"))[:4]
    for i, src in enumerate(sources[:2]):
        Image.open(src).convert("RGB").save(photos / f"single_{i}.jpg")
    left, right = (Image.open(p).convert("RGB").resize((240, 300)) for p in sources[2:4])
    collage = Image.new("RGB", (480, 300))
    collage.paste(left, (0, 0))
    collage.paste(right, (240, 0))
    collage.save(photos / "collage.jpg")
    db = Database(tmp_path / "collage.sqlite3")
    try:
        scan(db, [photos], workers=1)
        rows = db.query("SELECT f.id, p.path FROM faces f JOIN photos p ON p.id = f.photo_id"
                        " ORDER BY f.x1")
        in_collage = [r["id"] for r in rows if r["path"].endswith("collage.jpg")]
        singles = [r["id"] for r in rows if not r["path"].endswith("collage.jpg")]
        assert len(in_collage) == 2 and len(singles) == 2
        editor = PeopleEditor(db)
        ann = editor.new_person([singles[0], in_collage[0]], "Ann")
        with db.transaction() as c:  # the rest unknown
            c.execute("DELETE FROM face_person WHERE person_id != ?", (ann,))
        items = suggest.suggestions(db, MODEL, band=1.0)
        asked = {s.face_id: s for s in items if s.person_id == ann}
        assert set(asked) == {singles[1], in_collage[1]}
        assert asked[in_collage[1]].shares_photo and not asked[singles[1]].shares_photo
        assert [s.face_id for s in items if s.person_id == ann][-1] == in_collage[1]
    finally:
        db.close()


def test_a_page_of_mostly_wrong_faces_costs_an_untick_all_and_the_right_ticks(lib):
    """The simulated user answers a page the cheapest way the Review offers: here "Untick
    all" (1), tick Ann's one face again (1), Enter (1) — not 1 + 4 unticks, not 5 answers."""
    from photosort.services.effort import _User

    editor = PeopleEditor(lib)
    people = PeopleStore(lib).list()
    ann, bob = people[0].id, people[1].id
    editor.rename(ann, "Ann")
    mine, theirs = PeopleStore(lib).faces(ann)[0], PeopleStore(lib).faces(bob)[:4]
    unlink(lib, [mine])
    photo = {r["id"]: r["photo_id"] for r in lib.query("SELECT id, photo_id FROM faces")}
    page = [suggest.Suggestion(f, ann, 0.5, photo[f], None if f == mine else bob)
            for f in [*theirs, mine]]
    labels = {f: "Ann" for f in [mine, *PeopleStore(lib).faces(ann)]}
    labels.update({f: "Bob" for f in PeopleStore(lib).faces(bob)})
    user = _User(lib, MODEL, labels)
    user.answer_page(page)
    assert dict(user.run.by_kind) == {"suggestion_page": 3}
    store = PeopleStore(lib)
    assert store.links()[mine] == (ann, "user")
    assert set(theirs) <= set(store.faces(bob))
    assert {(f, ann) for f in theirs} <= store.rejections()


def test_unlabelled_faces_beside_the_labelled_one_are_answered_by_the_chosen_bound(data_dir, tmp_path):
    """``cheaper``: Yes (nothing known); ``photo``: No when the photo's labelled face is the
    person asked about — two faces of one photo are two people."""
    import shutil

    from photosort.services.effort import _User
    from photosort.services.scan import scan

    photos = tmp_path / "photos"
    photos.mkdir()
    shutil.copy(data_dir / "face_recognition_examples" / "_group_photos" / "kit_with_rose.jpg", photos)
    db = Database(tmp_path / "group.sqlite3")
    try:
        scan(db, [photos], workers=1)
        faces = db.query("SELECT id FROM faces ORDER BY x1")
        assert len(faces) >= 2
        rose, kit = faces[0]["id"], faces[-1]["id"]  # left to right, as labels.csv says
        truth = {rose: "rose_leslie"}
        assert not _User(db, MODEL, truth, "cheaper")._is_not(kit, "rose_leslie")
        assert _User(db, MODEL, truth, "photo")._is_not(kit, "rose_leslie")
        assert not _User(db, MODEL, truth, "photo")._is_not(kit, "kit_harington")
        assert _User(db, MODEL, truth, "photo")._is_not(rose, "kit_harington")  # labelled
        with pytest.raises(ValueError):
            _User(db, MODEL, truth, "guess")
    finally:
        db.close()


def test_evaluate_effort_json_from_the_command_line(data_dir, capsys):
    import json

    from photosort.cli.main import main

    assert main(["evaluate", str(data_dir / "face_recognition_examples"), "--json",
                 "--workers", "1", "--effort"]) == 0
    effort = json.loads(capsys.readouterr().out)["effort"]
    for key in ("actions", "actions_per_100_faces", "baseline_actions",
                "baseline_actions_per_100_faces", "by_kind"):
        assert key in effort
    assert effort["perfect"] and effort["labelled_faces"] >= 18
    assert effort["by_kind"]["name"] <= effort["true_people"] <= 6  # people with >= 2 faces
    assert not {"suggestion", "suggestion_page", "proposal"} & set(effort["baseline_by_kind"])
    assert effort["actions_per_100_faces"] == pytest.approx(
        100 * effort["actions"] / effort["labelled_faces"])


def test_vectorised_quality_equals_the_single_face_rule():
    import numpy as np

    from photosort.services.cover import face_qualities

    rng = np.random.default_rng(3)
    corner, size = rng.uniform(0, 200, size=(20, 2)), rng.uniform(10, 100, size=(20, 2))
    boxes = np.hstack([corner, corner + size])
    marks = rng.uniform(0, 200, size=(20, 5, 2))
    scores = rng.uniform(0.9, 1.0, size=20)
    sharp = rng.uniform(0, 2000, size=20)
    sharp[::4] = np.nan  # faces analysed before sharpness was stored
    many = face_qualities(boxes, marks, scores, sharp)
    one = [face_quality(tuple(b), m, s, None if np.isnan(k) else k)
           for b, m, s, k in zip(boxes, marks, scores, sharp)]
    assert np.allclose(many, one)
