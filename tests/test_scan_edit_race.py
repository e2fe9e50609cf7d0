"""A real scan while the user edits people: every edit is kept, the scan finishes, nothing raises.

A second thread, on its own connection as the window has, makes hundreds of
seeded random edits (merge, rename, not this person, hide, move to) through
``PeopleEditor``: a few after each analysed photo (whenever its thread gets
to them), and a burst inside every grouping computation, between the moment
a regroup read the catalog and the moment it writes (``group_faces`` is
wrapped to hand over to the editing thread and wait for its burst). The
editing thread keeps a model of what the user decided; afterwards the
catalog must hold every decision.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
from pathlib import Path

import pytest

import photosort.services.cluster as cluster_service
import photosort.services.scan as scan_service
from gui_support import photo_folder
from photosort.services.edits import PeopleEditor
from photosort.services.scan import scan
from photosort.store.db import Database

EDITS = 300
BURST = 6


class User:
    """Random edits through the editor, and a model of what they decided."""

    def __init__(self, db_path: Path, seed: int) -> None:
        self.db = Database(db_path)
        self.editor = PeopleEditor(self.db)
        self.rng = random.Random(seed)
        self.merged: dict[int, int] = {}
        self.names: dict[int, str | None] = {}
        self.hidden: dict[int, bool] = {}
        self.placed: dict[int, int] = {}           # face -> person the user put it in
        self.rejected: set[tuple[int, int]] = set()
        self.done = 0
        self.kinds: dict[str, int] = {}

    def _people(self) -> list[tuple[int, str | None]]:
        return [(r[0], r[1]) for r in self.db.query("SELECT id, name FROM people ORDER BY id")]

    def _exists(self, p: int) -> bool:
        return bool(self.db.query("SELECT 1 FROM people WHERE id = ?", (p,)))

    def edit(self) -> None:
        people = self._people()
        links = self.db.query("SELECT face_id, person_id FROM face_person ORDER BY face_id")
        faces = [r[0] for r in self.db.query("SELECT id FROM faces ORDER BY id")]
        if len(people) < 4 or not links:  # merges shrink the library: split a face off
            face = self.rng.choice(faces)
            p = self.editor.new_person([face])
            self.placed[face] = p
            self.rejected = {(f, q) for f, q in self.rejected if f != face or q != p}
            self._count("new person")
            return
        kind = self.rng.choices(["rename", "merge", "reject", "hide", "move"], [3, 1, 3, 2, 3])[0]
        p, _ = self.rng.choice(people)
        if kind == "rename":
            name = f"Person {self.rng.randrange(10_000)}"
            self.editor.rename(p, name)
            if self._exists(p):  # (a regroup may have dropped an empty unnamed person just now)
                self.names[p] = name
        elif kind == "hide":
            hidden = self.rng.random() < 0.7
            self.editor.set_hidden([p], hidden)
            if self._exists(p):
                self.hidden[p] = hidden
        elif kind == "merge":
            named = [q for q, name in people if name]
            if not named:
                return
            target = self.rng.choice(named)  # a named person is never dropped by a regroup
            if target == p:
                return
            self.editor.merge(target, [p])
            self.merged[p] = target
            if self.names.get(target) is None and self.names.get(p):
                self.names[target] = self.names[p]
            self.names.pop(p, None)
            self.hidden.pop(p, None)
            self.placed = {f: (target if q == p else q) for f, q in self.placed.items()}
            self.rejected = {(f, target if q == p else q) for f, q in self.rejected}
            # "not this person" holds through the merge: such faces leave the merged person
            self.placed = {f: q for f, q in self.placed.items() if (f, q) not in self.rejected}
        elif kind == "reject":
            face, owner = self.rng.choice(links)
            self.editor.reject_faces([face], owner)
            self.rejected.add((face, owner))
            self.placed.pop(face, None)
        else:
            face, _ = self.rng.choice(links)
            self.editor.move_faces([face], p)
            self.placed[face] = p
            self.rejected.discard((face, p))
        self._count(kind)

    def _count(self, kind: str) -> None:
        self.done += 1
        self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def check(self, db: Database) -> None:
        """Every decision the model holds is in the catalog."""
        people = {r[0]: (r[1], bool(r[2])) for r in db.query("SELECT id, name, hidden FROM people")}
        links = {r[0]: (r[1], r[2]) for r in db.query("SELECT face_id, person_id, source FROM face_person")}
        rejections = {(r[0], r[1]) for r in db.query("SELECT face_id, person_id FROM rejections")}
        # (a merged person's id may be taken again by a new person: SQLite reuses the top id)
        for p, name in self.names.items():
            if name is not None:
                assert people[p][0] == name, f"person {p} lost the name {name}"
        for p, hidden in self.hidden.items():
            if p in people:
                assert people[p][1] == hidden, f"person {p} hidden={people[p][1]}, not {hidden}"
        for face, p in self.placed.items():
            assert p in people, f"person {p} holding the user's face {face} is gone"
            assert links.get(face) == (p, "user"), f"face {face} not in person {p}: {links.get(face)}"
        for face, p in self.rejected:
            if p not in people:  # emptied by the user's own moves, then dropped by a regroup
                continue
            assert (face, p) in rejections, f"'not {p}' for face {face} lost"
            assert links.get(face, (None,))[0] != p, f"face {face} is back in person {p}"


@pytest.mark.parametrize("seed", [13])
def test_a_scan_with_hundreds_of_edits_keeps_every_edit(data_dir, tmp_path, monkeypatch, caplog, seed):
    db_path = tmp_path / "catalog.sqlite3"
    people = ("ben_afflek", "elton_john", "jerry_seinfeld", "madonna", "mindy_kaling")
    db = Database(db_path)
    first = scan(db, [photo_folder(data_dir, tmp_path / "photos" / "a", people, per_person=3)])
    assert first.people > 0 and not first.errors
    folder = photo_folder(data_dir, tmp_path / "photos" / "b", people, per_person=7)  # 35 more

    user = User(db_path, seed)
    work: queue.Queue = queue.Queue()
    failures: list[BaseException] = []

    def editing() -> None:
        while True:
            job = work.get()
            if job is None:
                return
            count, done = job
            try:
                for _ in range(count):
                    user.edit()
            except BaseException as exc:  # noqa: BLE001  (reported by the test below)
                failures.append(exc)
            finally:
                if done is not None:
                    done.set()

    def during_grouping(real):
        def grouped(*args, **kwargs):  # a burst of edits between a regroup's read and write
            done = threading.Event()
            work.put((BURST, done))
            done.wait()
            return real(*args, **kwargs)
        return grouped

    monkeypatch.setattr(cluster_service, "group_faces", during_grouping(cluster_service.group_faces))
    try:
        import photosort.services.live_grouping as live_grouping
        monkeypatch.setattr(live_grouping, "group_faces", during_grouping(live_grouping.group_faces))
    except ImportError:  # (the code before live grouping)
        pass
    monkeypatch.setattr(scan_service, "RECLUSTER_EVERY_S", 0.0)
    rng = random.Random(seed)

    def progress(event) -> None:  # a few edits after each photo, made whenever the thread can
        if event.stage == "analyze" and event.done:
            work.put((rng.randrange(0, 9), None))

    editor_thread = threading.Thread(target=editing)
    editor_thread.start()
    try:
        with caplog.at_level(logging.WARNING):
            summary = scan(db, [folder], progress=progress, on_people_changed=lambda: None)
        during_scan = user.done
        for _ in range(10):  # the rest of the edits, then a last regroup in between
            if user.done >= EDITS:
                break
            work.put((EDITS - user.done, None))
            work.put((0, done := threading.Event()))
            done.wait()
            if failures:
                break
        cluster_service.update_people(db, summary_model(db))
    finally:
        work.put(None)
        editor_thread.join()
    assert not failures, failures
    assert summary.analyzed == 35 and not summary.cancelled and not summary.errors
    assert not [r for r in caplog.records if "grouping" in r.getMessage()]
    assert during_scan >= EDITS // 2, during_scan
    assert user.done >= EDITS and all(user.kinds.get(k) for k in
                                      ("rename", "merge", "reject", "hide", "move")), user.kinds
    assert db.query("PRAGMA foreign_key_check") == []
    user.check(db)
    assert sum(1 for f, p in user.rejected if (f, p) in
               {(r[0], r[1]) for r in db.query("SELECT face_id, person_id FROM rejections")}) > 10
    db.close()
    user.db.close()


def summary_model(db: Database) -> str:
    return db.query("SELECT model FROM faces WHERE model IS NOT NULL LIMIT 1")[0][0]
