"""Transient analysis errors are retried on the next scan; permanent ones when the file changes.

Real photos, the real analyzer. The faults are injected from here at the
decode boundary (the file open that the decoder does, the decode call): the
production code has no test hooks for them.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest

import photosort.media.decode as decode
from photosort.cli.main import main
from photosort.services.analyze import Analyzer, AnalyzeSettings
from photosort.services.scan import scan
from photosort.store.db import Database


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    import torch

    torch.set_num_threads(1)
    return Analyzer(AnalyzeSettings())


@pytest.fixture()
def lib(tmp_path: Path, data_dir: Path) -> Path:
    folder = tmp_path / "lib"
    shutil.copytree(data_dir / "face_recognition_examples" / "biden", folder)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return folder


def _status(db: Database) -> dict[str, tuple]:
    return {Path(r["path"]).name: (r["status"], r["error_kind"])
            for r in db.query("SELECT path, status, error_kind FROM photos")}


def test_an_io_error_is_retried_next_scan_and_a_corrupt_file_is_not(lib, db_path, analyzer,
                                                                  monkeypatch, capsys):
    flaky = lib / "biden.jpg"
    real_open = open

    def failing_open(path, *args, **kwargs):
        if Path(path) == flaky:
            raise OSError(errno.EIO, "Input/output error", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(decode, "open", failing_open, raising=False)  # the decoder's file open
    db = Database(db_path)
    first = scan(db, [lib], analyzer=analyzer)
    assert first.analyzed == 3
    errors = dict(first.errors)
    assert "input/output error" in errors[str(flaky)].lower()
    assert first.transient == {str(flaky)}
    assert _status(db) == {"biden.jpg": ("error", "transient"), "biden2.jpg": ("done", None),
                           "broken.jpg": ("error", "permanent")}
    assert main(["--db", str(db_path), "status"]) == 0
    out = capsys.readouterr().out
    assert f"{flaky}: " in out and "[temporary: retried on the next scan]" in out
    assert "[permanent: retried when the file changes]" in out

    monkeypatch.undo()  # the drive works again
    second = scan(db, [lib], analyzer=analyzer)
    assert second.analyzed == 1 and not second.errors  # only the flaky one, not broken.jpg
    assert _status(db)["biden.jpg"] == ("done", None)
    assert _status(db)["broken.jpg"] == ("error", "permanent")

    third = scan(db, [lib], analyzer=analyzer)
    assert third.analyzed == 0

    shutil.copyfile(lib / "biden2.jpg", lib / "broken.jpg")  # rewritten: size and time change
    fourth = scan(db, [lib], analyzer=analyzer)
    assert fourth.changed == 1 and fourth.analyzed == 1 and not fourth.errors
    assert _status(db)["broken.jpg"] == ("done", None)


def test_a_file_replaced_while_it_is_read_is_retried(lib, db_path, analyzer, monkeypatch):
    target = lib / "biden.jpg"
    replacement = lib.parent / "replacement.jpg"
    shutil.copyfile(lib / "biden2.jpg", replacement)
    real_load = decode.load_image

    def load_then_replace(path, *args, **kwargs):
        loaded = real_load(path, *args, **kwargs)
        if Path(path) == target:  # a sync client swaps the file in the middle of the read
            os.replace(replacement, target)
        return loaded

    monkeypatch.setattr(decode, "load_image", load_then_replace)
    db = Database(db_path)
    first = scan(db, [lib], analyzer=analyzer)
    assert dict(first.errors)[str(target)] == "the file changed while it was being read"
    assert str(target) in first.transient
    monkeypatch.undo()
    second = scan(db, [lib], analyzer=analyzer)
    assert second.analyzed == 1 and str(target) not in dict(second.errors)
    assert _status(db)["biden.jpg"] == ("done", None)
