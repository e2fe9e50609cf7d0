"""Exact duplicates found while organizing go to the (real) trash only on request."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from organize_support import Library
from photosort.store.db import Database

TRASH_RUN = r"""
import json, sys
from photosort.services.duplicates import trash_duplicates
from photosort.services.organize import execute_plan, plan_organize
from photosort.store.db import Database
db = Database(sys.argv[1])
summary = execute_plan(db, plan_organize(db, sys.argv[2], mode="move"))
duplicates = summary.plan.duplicates + summary.duplicates
(summary.plan.dest / "Anna" / "edited.jpg").write_bytes(b"changed after planning")
result = trash_duplicates(db, duplicates)
print(json.dumps({"duplicates": [str(d.path) for d in duplicates], "trashed": result.trashed,
                  "kept": result.kept}))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="checks the freedesktop trash folder")
def test_duplicates_are_trashed_only_when_asked_and_still_identical(tmp_path, db_path):
    lib = Library(db_path, tmp_path / "library")
    anna = lib.person("Anna")
    kept_id = lib.photo("x/a.jpg", [(anna, 30)], content=b"same photo")
    twin_id = lib.photo("y/a.jpg", [(anna, 30)], content=b"same photo")
    outside_id = lib.photo("z.jpg", [(anna, 30)], content=b"already sorted by hand")
    lib.photo("edited.jpg", [(anna, 30)], content=b"edited")
    dest = tmp_path / "out"
    (dest / "Anna").mkdir(parents=True)
    (dest / "Anna" / "z.jpg").write_bytes(b"already sorted by hand")
    (dest / "Anna" / "edited.jpg").write_bytes(b"edited")
    lib.close()
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "xdg"))
    result = subprocess.run([sys.executable, "-c", TRASH_RUN, str(db_path), str(dest)], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    root = lib.root
    assert sorted(outcome["duplicates"]) == [str(root / "edited.jpg"), str(root / "y" / "a.jpg"),
                                             str(root / "z.jpg")]
    assert sorted(outcome["trashed"]) == [str(root / "y" / "a.jpg"), str(root / "z.jpg")]
    assert outcome["kept"] == [[str(root / "edited.jpg"),
                                "no longer identical to the file at the destination"]]
    trash = tmp_path / "xdg" / "Trash" / "files"
    assert sorted(p.read_bytes() for p in trash.iterdir()) == [b"already sorted by hand", b"same photo"]
    assert not (root / "y" / "a.jpg").exists() and (root / "edited.jpg").exists()
    db = Database(db_path)
    paths = {r["id"]: r["path"] for r in db.query("SELECT id, path FROM photos")}
    assert paths[kept_id] == str(dest / "Anna" / "a.jpg")
    assert twin_id not in paths  # its twin is a catalog photo of its own
    assert paths[outside_id] == str(dest / "Anna" / "z.jpg")  # follows to the identical file
    db.close()
