"""Planning an organize run (the dry run): layout, policies, collisions, identical files."""

from __future__ import annotations

import pytest

from organize_support import Library, tree
from photosort.core.plan_types import (
    SKIP_IN_PLACE, SKIP_MISSING, SKIP_NO_FACES, SKIP_NO_PEOPLE, SKIP_NOT_ANALYZED, SKIP_PRESENT,
    SKIP_UNREADABLE,
)
from photosort.services.organize import execute_plan, plan_organize


@pytest.fixture()
def lib(tmp_path, db_path):
    library = Library(db_path, tmp_path / "library")
    yield library
    library.close()


def targets(plan) -> list[tuple[str, str, str]]:
    """(kind, source relative to the library, destination relative to DEST)."""
    return [(op.kind, op.src.name, str(op.dst.relative_to(plan.dest))) for op in plan.ops]


def test_one_person_goes_to_their_folder(lib, tmp_path):
    anna = lib.person("Anna")
    lib.photo("2020/a.jpg", [(anna, 50)])
    plan = plan_organize(lib.db, tmp_path / "out", mode="move")
    assert targets(plan) == [("move", "a.jpg", "Anna/a.jpg")]
    assert plan.ops[0].reason == "Anna" and plan.folders == {anna: "Anna"}
    assert plan.counts == {"move": 1, "copy": 0, "skipped": 0, "duplicate": 0, "renamed": 0}


def test_a_plan_without_a_mode_copies_and_leaves_the_originals(lib, tmp_path):
    """Every caller that forgets the mode gets the safe one (copy), as the CLI and GUI do."""
    anna = lib.person("Anna")
    lib.photo("a.jpg", [(anna, 50)])
    plan = plan_organize(lib.db, tmp_path / "out")
    assert targets(plan) == [("copy", "a.jpg", "Anna/a.jpg")]
    execute_plan(lib.db, plan)
    assert (lib.root / "a.jpg").exists() and (tmp_path / "out" / "Anna" / "a.jpg").exists()


def test_several_people_copy_policy_moves_to_largest_face_and_copies_to_the_rest(lib, tmp_path):
    anna, bob, cleo = lib.person("Anna"), lib.person("Bob"), lib.person("Cleo")
    lib.photo("g.jpg", [(anna, 40), (bob, 90), (cleo, 60), (bob, 10)])
    move = plan_organize(lib.db, tmp_path / "out", mode="move", group_photos="copy")
    assert targets(move) == [("copy", "g.jpg", "Cleo/g.jpg"), ("copy", "g.jpg", "Anna/g.jpg"),
                             ("move", "g.jpg", "Bob/g.jpg")]
    copy = plan_organize(lib.db, tmp_path / "out", mode="copy", group_photos="copy")
    assert targets(copy) == [("copy", "g.jpg", "Bob/g.jpg"), ("copy", "g.jpg", "Cleo/g.jpg"),
                             ("copy", "g.jpg", "Anna/g.jpg")]


def test_together_and_largest_policies(lib, tmp_path):
    anna, bob = lib.person("Anna"), lib.person("Bob")
    lib.photo("g.jpg", [(anna, 40), (bob, 90)])
    lib.photo("solo.jpg", [(anna, 40)])
    together = plan_organize(lib.db, tmp_path / "out", group_photos="together", mode="move")
    assert targets(together) == [("move", "g.jpg", "Together/g.jpg"), ("move", "solo.jpg", "Anna/solo.jpg")]
    assert together.ops[0].reason == "together: Bob, Anna"
    largest = plan_organize(lib.db, tmp_path / "out", group_photos="largest", mode="move")
    assert targets(largest) == [("move", "g.jpg", "Bob/g.jpg"), ("move", "solo.jpg", "Anna/solo.jpg")]


def test_photos_without_named_people_stay_or_go_to_unsorted(lib, tmp_path):
    anna, unnamed = lib.person("Anna"), lib.person(None)
    hidden = lib.person("Hidden Harry", hidden=True)
    lib.photo("named.jpg", [(anna, 10), (hidden, 99)])
    lib.photo("unnamed.jpg", [(unnamed, 10)])
    lib.photo("hidden.jpg", [(hidden, 10)])
    lib.photo("faceless.jpg")
    lib.photo("unknown-face.jpg", [(None, 30)])
    lib.photo("pending.jpg", status="pending")
    lib.photo("broken.jpg", status="error")
    leave = plan_organize(lib.db, tmp_path / "out", unsorted="leave", mode="move")
    assert targets(leave) == [("move", "named.jpg", "Anna/named.jpg")]
    assert {(s.path.name, s.reason) for s in leave.skipped} == {
        ("unnamed.jpg", SKIP_NO_PEOPLE), ("hidden.jpg", SKIP_NO_PEOPLE), ("faceless.jpg", SKIP_NO_FACES),
        ("unknown-face.jpg", SKIP_NO_PEOPLE), ("pending.jpg", SKIP_NOT_ANALYZED),
        ("broken.jpg", SKIP_UNREADABLE)}
    move = plan_organize(lib.db, tmp_path / "out", unsorted="move", mode="move")
    assert sorted(targets(move)) == [
        ("move", "faceless.jpg", "Unsorted/faceless.jpg"), ("move", "hidden.jpg", "Unsorted/hidden.jpg"),
        ("move", "named.jpg", "Anna/named.jpg"), ("move", "unknown-face.jpg", "Unsorted/unknown-face.jpg"),
        ("move", "unnamed.jpg", "Unsorted/unnamed.jpg")]
    assert "Hidden Harry" not in move.folders.values()


def test_person_folders_are_sanitised_and_distinct(lib, tmp_path):
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "Bob").write_text("a file, not a folder")
    names = ["Anna", "anna", "A:B", "A_B", "CON", "..", "Unsorted", "Bob"]
    people = [lib.person(n) for n in names]
    for i, person in enumerate(people):
        lib.photo(f"p{i}.jpg", [(person, 10)])
    plan = plan_organize(lib.db, dest, unsorted="move", mode="move")
    assert [plan.folders[p] for p in people] == [
        "Anna", "anna (2)", "A_B", "A_B (2)", "_CON", "_", "Unsorted (2)", "Bob (2)"]
    assert all(op.dst.parent.parent == dest for op in plan.ops)
    assert {c.wanted for c in plan.conflicts if c.what == "folder"} == {"anna", "A:B", "A_B", "CON", "..",
                                                                       "Unsorted", "Bob"}


def test_file_name_collisions_are_numbered_case_insensitively(lib, tmp_path):
    anna = lib.person("Anna")
    dest = tmp_path / "out"
    (dest / "Anna").mkdir(parents=True)
    (dest / "Anna" / "a.jpg").write_bytes(b"someone else's photo")
    lib.photo("x/a.jpg", [(anna, 10)])
    lib.photo("y/A.JPG", [(anna, 10)])
    lib.photo("z/a.jpg", [(anna, 10)])
    plan = plan_organize(lib.db, dest, mode="move")
    assert [str(op.dst.relative_to(dest)) for op in plan.ops] == [
        "Anna/a (2).jpg", "Anna/A (3).JPG", "Anna/a (4).jpg"]
    assert [(c.wanted, c.actual) for c in plan.conflicts] == [
        ("a.jpg", "a (2).jpg"), ("A.JPG", "A (3).JPG"), ("a.jpg", "a (4).jpg")]


def test_identical_file_at_destination_is_recognised(lib, tmp_path):
    anna = lib.person("Anna")
    dest = tmp_path / "out"
    (dest / "Anna").mkdir(parents=True)
    lib.photo("a.jpg", [(anna, 10)], content=b"A" * 5000)
    lib.photo("b.jpg", [(anna, 10)], content=b"B" * 5000)
    lib.photo("c.jpg", [(anna, 10)], content=b"C" * 5000)
    (dest / "Anna" / "a.jpg").write_bytes(b"A" * 5000)
    (dest / "Anna" / "b (2).jpg").write_bytes(b"B" * 5000)  # from an earlier collision
    (dest / "Anna" / "c.jpg").write_bytes(b"c" * 5000)  # same size, other bytes
    move = plan_organize(lib.db, dest, mode="move")
    assert [(d.path.name, d.reason, d.other.name) for d in move.duplicates] == [
        ("a.jpg", SKIP_PRESENT, "a.jpg"), ("b.jpg", SKIP_PRESENT, "b (2).jpg")]
    assert targets(move) == [("move", "c.jpg", "Anna/c (2).jpg")]
    copy = plan_organize(lib.db, dest, mode="copy")
    assert [(s.path.name, s.reason) for s in copy.skipped] == [
        ("a.jpg", SKIP_PRESENT), ("b.jpg", SKIP_PRESENT)]
    assert copy.duplicates == []


def test_identical_photos_in_the_library_are_not_duplicated(lib, tmp_path):
    anna = lib.person("Anna")
    lib.photo("x/a.jpg", [(anna, 10)], content=b"same bytes")
    lib.photo("y/a.jpg", [(anna, 10)], content=b"same bytes")
    plan = plan_organize(lib.db, tmp_path / "out", mode="move")
    assert targets(plan) == [("move", "a.jpg", "Anna/a.jpg")]
    assert [(d.path.parent.name, d.other.name) for d in plan.duplicates] == [("y", "a.jpg")]


def test_destination_inside_the_library_and_repeated_runs(lib):
    anna, bob = lib.person("Anna"), lib.person("Bob")
    lib.photo("a.jpg", [(anna, 10)])
    lib.photo("g.jpg", [(anna, 10), (bob, 20)])
    dest = lib.root / "Sorted"
    execute_plan(lib.db, plan_organize(lib.db, dest, mode="move"))
    again = plan_organize(lib.db, dest, mode="move")
    assert again.ops == []
    assert sorted((s.path.name, s.reason) for s in again.skipped) == [
        ("a.jpg", SKIP_IN_PLACE), ("g.jpg", SKIP_IN_PLACE), ("g.jpg", SKIP_PRESENT)]
    cleo = lib.person("Cleo")  # a new person on a photo that already sits in Bob's folder
    lib.db.conn.execute("INSERT INTO faces (photo_id, x1, y1, x2, y2, landmarks, score)"
                        " SELECT id, 0, 0, 99, 99, x'00', 1 FROM photos WHERE path LIKE '%g.jpg'")
    lib.db.conn.execute("INSERT INTO face_person (face_id, person_id, source) VALUES (?, ?, 'user')",
                        (lib.db.conn.execute("SELECT MAX(id) FROM faces").fetchone()[0], cleo))
    third = plan_organize(lib.db, dest, mode="move")
    assert targets(third) == [("copy", "g.jpg", "Cleo/g.jpg")]  # stays in Bob's folder


def test_missing_files_and_stale_catalog_rows(lib, tmp_path):
    anna = lib.person("Anna")
    gone = lib.photo("gone.jpg", [(anna, 10)])
    lib.path_of(gone).unlink()
    dest = tmp_path / "out"
    lib.photo("ok.jpg", [(anna, 10)])
    with lib.db.transaction() as c:  # a row for a file that no longer exists, inside DEST
        c.execute("INSERT INTO photos (path, size, mtime_ns, status) VALUES (?, 1, 1, 'pending')",
                  (str(dest / "Anna" / "ok.jpg"),))
    plan = plan_organize(lib.db, dest, mode="move")
    assert [(s.path.name, s.reason) for s in plan.skipped] == [
        ("gone.jpg", SKIP_MISSING), ("ok.jpg", SKIP_NOT_ANALYZED)]
    assert targets(plan) == [("move", "ok.jpg", "Anna/ok (2).jpg")]


def test_planning_touches_nothing_and_describes_everything(lib, tmp_path):
    anna, bob = lib.person("Anna"), lib.person("anna")
    lib.photo("a.jpg", [(anna, 10)])
    lib.photo("b.jpg", [(bob, 10)])
    lib.photo("c.jpg")
    dest = tmp_path / "out"
    before = tree(lib.root)
    plan = plan_organize(lib.db, dest, mode="copy", group_photos="largest", unsorted="leave")
    assert tree(lib.root) == before and not dest.exists()
    assert not lib.db.query("SELECT 1 FROM operations") and not lib.db.query("SELECT 1 FROM batches")
    lines = plan.describe()
    assert lines[0] == (f"Organize into {dest} (copy; photos with several people: largest; "
                        "photos without named people: leave)")
    assert f"copy  {lib.root / 'a.jpg'} -> {dest / 'Anna' / 'a.jpg'}  [Anna]" in lines
    assert f"copy  {lib.root / 'b.jpg'} -> {dest / 'anna (2)' / 'b.jpg'}  [anna]" in lines
    assert f"skip  {lib.root / 'c.jpg'}  [no faces]" in lines
    assert f"rename folder  'anna' -> 'anna (2)'  in {dest}" in lines
    assert lines[-1] == "Total: 0 move, 2 copy, 1 skipped, 0 duplicate, 1 renamed"


def test_unknown_policy_is_refused(lib, tmp_path):
    with pytest.raises(ValueError):
        plan_organize(lib.db, tmp_path, mode="shuffle")
    with pytest.raises(ValueError):
        plan_organize(lib.db, tmp_path, group_photos="first")
