"""Undo on the file systems users organize onto: a real FAT volume, and exFAT/SMB timestamps.

FAT keeps 2-second times, exFAT 10 ms, SMB servers 100 ns or whole seconds: a
time journaled from the source never reads back exactly from there. Size
and content hash decide "changed", so undo still restores every file.
The FAT volume is real: ``mkfs.vfat`` an image, mount it with ``fusefat``
through FUSE (no kernel module, no root needed); ``.ci/run`` installs both.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from organize_support import Library, temp_leftovers, tree
from photosort.media.hashing import content_hash
from photosort.services.organize import execute_plan, plan_organize
from photosort.services.timestamps import Granularity, granularity_of, same_at
from photosort.services.undo import undo_last


def _fusermount() -> str | None:
    return shutil.which("fusermount3") or shutil.which("fusermount")


@pytest.fixture()
def fat_volume(tmp_path: Path):
    """A freshly formatted FAT volume, mounted through FUSE for the test."""
    if not Path("/dev/fuse").exists():
        pytest.skip("/dev/fuse is absent here: no FUSE, so no FAT volume can be mounted")
    for tool in ("mkfs.vfat", "fusefat"):
        assert shutil.which(tool), f"{tool} is missing: .ci/run installs dosfstools and fusefat"
    assert _fusermount(), "fusermount is missing: .ci/run installs fuse"
    image, mount = tmp_path / "stick.img", tmp_path / "stick"
    mount.mkdir()
    subprocess.run(["mkfs.vfat", "-C", str(image), "32768"], check=True, capture_output=True)
    subprocess.run(["fusefat", "-o", "rw+", str(image), str(mount)], check=True, capture_output=True)
    try:
        yield mount
    finally:
        subprocess.run([_fusermount(), "-u", str(mount)], check=False, capture_output=True)


@pytest.fixture()
def lib(tmp_path, db_path):
    library = Library(db_path, tmp_path / "library")
    anna, bob = library.person("Anna"), library.person("Bob")
    odd = 1_600_000_001_123_456_789  # an odd second with nanoseconds: FAT cannot keep it
    library.photo("2019/a.jpg", [(anna, 30)], mtime_ns=odd)
    library.photo("2019/g.jpg", [(anna, 20), (bob, 40)], mtime_ns=odd + 2_345_678)
    library.photo("2020/b.jpg", [(bob, 30)])
    library.photo("n.jpg")
    with library.db.transaction() as c:  # the content hashes a real scan records
        for photo_id, path in c.execute("SELECT id, path FROM photos").fetchall():
            c.execute("UPDATE photos SET content_hash = ? WHERE id = ?", (content_hash(path), photo_id))
    yield library
    library.close()


def _catalog(lib: Library) -> list[tuple]:
    return [tuple(r) for r in lib.db.query("SELECT id, path, size, mtime_ns FROM photos ORDER BY id")]


@pytest.mark.parametrize("mode", ["move", "copy"])
def test_organize_onto_a_fat_volume_then_undo_restores_everything(lib, fat_volume, mode):
    before, rows = tree(lib.root), _catalog(lib)
    # Below a folder of the stick: fusefat dies when asked to set its root folder's
    # time (FAT's root has none), which undo does for every folder a batch changed.
    (fat_volume / "USB").mkdir()
    dest = fat_volume / "USB" / "Sorted"
    plan = plan_organize(lib.db, dest, mode=mode, group_photos="copy", unsorted="move")
    done = execute_plan(lib.db, plan)
    assert not done.failed and len(done.done) == 5
    placed = dest / "Anna" / "a.jpg"
    assert placed.stat().st_mtime_ns % 2_000_000_000 == 0  # really FAT: 2-second times
    undone = undo_last(lib.db)
    assert not undone.left_alone and not undone.failed, undone.describe()
    assert tree(lib.root) == before  # paths, bytes and times exactly as before
    assert _catalog(lib) == rows
    assert not dest.exists()  # the folders it created went too
    assert not temp_leftovers(fat_volume)


@pytest.mark.parametrize("step_ns", [10_000_000, 100, 1_000_000_000],
                         ids=["exFAT 10 ms", "SMB 100 ns", "SMB server 1 s"])
def test_undo_after_timestamps_were_rounded_like_exfat_and_smb(lib, tmp_path, step_ns):
    before = tree(lib.root)
    dest = tmp_path / "share"
    done = execute_plan(lib.db, plan_organize(lib.db, dest, mode="move", unsorted="move"))
    assert not done.failed
    for op in done.done:  # what the share reports a moment later
        st = op.dst.stat()
        rounded = (st.st_mtime_ns + step_ns // 2) // step_ns * step_ns
        if rounded == st.st_mtime_ns:
            rounded += step_ns
        os.utime(op.dst, ns=(st.st_atime_ns, rounded))
    undone = undo_last(lib.db)
    assert not undone.left_alone and not undone.failed, undone.describe()
    assert tree(lib.root) == before


def test_a_file_edited_since_organize_is_left_alone_even_with_the_same_size(lib, tmp_path):
    dest = tmp_path / "out"
    done = execute_plan(lib.db, plan_organize(lib.db, dest, mode="move", unsorted="move"))
    edited = next(op.dst for op in done.done if op.dst.name == "b.jpg")
    data = bytearray(edited.read_bytes())
    data[0] ^= 0xFF
    st = edited.stat()
    edited.write_bytes(bytes(data))
    os.utime(edited, ns=(st.st_atime_ns, st.st_mtime_ns + 3_000_000_000))
    undone = undo_last(lib.db)
    files = [(path, why) for path, why in undone.left_alone if not os.path.isdir(path)]
    assert files == [(str(edited), "changed since it was organized")]
    assert edited.read_bytes() == bytes(data)
    for op in done.done:  # everything else is undone
        if op.dst != edited:
            assert op.src.exists() and not op.dst.exists(), op


def test_granularity_is_measured_on_the_fat_volume(fat_volume, tmp_path):
    (fat_volume / "x.jpg").write_bytes(b"x")
    assert Granularity().step(fat_volume / "x.jpg") == 2_000_000_000
    assert not list(fat_volume.glob(".photosort-tmp-*"))


def test_granularity_of_known_roundings():
    t = 1_700_000_001_123_456_789
    assert granularity_of(t, t) == 1
    assert granularity_of(t, 1_700_000_000_000_000_000) == 2_000_000_000  # FAT truncates
    assert granularity_of(t, 1_700_000_001_120_000_000) == 10_000_000  # exFAT
    assert granularity_of(t, 1_700_000_001_123_456_700) == 100  # NTFS, SMB
    assert granularity_of(t, 1_700_000_001_000_000_000) == 1_000_000_000
    assert granularity_of(t, 5) == 2_000_000_000
    assert same_at(t, 1_700_000_000_000_000_000, 2_000_000_000)
    assert not same_at(t, 1_700_000_002_000_000_000, 2_000_000_000)
