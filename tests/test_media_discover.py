"""Finding photos on disk: extensions, hidden items, output folders, links, unreadable folders."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from photosort.media import discover
from photosort.media.discover import (
    OUTPUT_MARKER,
    PHOTO_EXTENSIONS,
    DiscoveryStats,
    has_hidden_attribute,
    iter_photos,
)

PHOTO_NAMES = ["a.JPG", "b.jpeg", "c.jpe", "d.jfif", "e.PNG", "f.heic", "g.HEIF", "h.hif",
               "i.webp", "j.tif", "k.TIFF", "l.bmp", "m.avif"]


def touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def walk(roots, **kwargs) -> tuple[list[Path], DiscoveryStats, list[tuple[Path, str]]]:
    stats, errors = DiscoveryStats(), []
    photos = list(iter_photos(roots, on_error=lambda p, r: errors.append((p, r)), stats=stats, **kwargs))
    return photos, stats, errors


@pytest.fixture()
def library(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    for name in PHOTO_NAMES:
        touch(root / name)
    touch(root / "notes.txt")
    touch(root / "clip.MOV")
    touch(root / "layers.psd")  # (RAW files such as .cr2 are photos now)
    touch(root / "README")
    touch(root / "animation.jxl")
    touch(root / ".hidden.jpg")
    touch(root / ".git" / "inside.jpg")
    touch(root / "2019" / "summer" / "beach.jpg")
    touch(root / "2019" / "summer" / "notes.txt")
    touch(root / "Sorted" / OUTPUT_MARKER)
    touch(root / "Sorted" / "Alice" / "copy.jpg")
    touch(root / "Exports" / "export.jpg")
    return root


def test_walk_finds_photos_sorted_and_counts_what_it_skips(library: Path) -> None:
    photos, stats, errors = walk([library], skip_dirs={library / "Exports"})
    expected = [library / "2019" / "summer" / "beach.jpg", *(library / n for n in PHOTO_NAMES)]
    assert photos == sorted(expected) == expected
    assert errors == []
    assert stats.photos == 14
    assert dict(stats.non_images) == {".txt": 2, ".mov": 1, ".psd": 1, "": 1, ".jxl": 1}
    assert stats.non_image_total == 6
    assert stats.hidden == 2  # .hidden.jpg and the .git folder (its content is never looked at)
    assert stats.output_folders == 2  # Sorted (marker) and Exports (skip_dirs)
    assert stats.folders == 3  # library, 2019, 2019/summer
    assert stats.summary() == ("14 photos in 3 folders; skipped 6 other files (.txt 2, no extension 1, .jxl 1, "
                               ".mov 1, .psd 1); 2 hidden items; 2 output folders")
    assert list(iter_photos([library], {library / "Exports"})) == photos  # deterministic


def test_every_photo_extension_is_recognised_in_any_case() -> None:
    from photosort.media.raw import RAW_EXTENSIONS

    assert {Path(n).suffix.lower() for n in PHOTO_NAMES} == PHOTO_EXTENSIONS - RAW_EXTENSIONS
    assert RAW_EXTENSIONS < PHOTO_EXTENSIONS  # RAW files: tests/test_raw.py


def test_relative_and_nested_roots_yield_each_photo_once(library: Path, monkeypatch) -> None:
    monkeypatch.chdir(library.parent)
    photos, _, _ = walk([Path("library") / "2019", Path("library"), library])
    assert len(photos) == len(set(photos)) == 15  # the Exports photo is not skipped here
    assert all(p.is_absolute() for p in photos)


def test_output_marker_in_a_root_skips_the_whole_root(library: Path) -> None:
    photos, stats, _ = walk([library / "Sorted"])
    assert photos == [] and stats.output_folders == 1


def test_links_to_folders_are_not_followed_and_loops_do_not_hang(tmp_path: Path) -> None:
    root = tmp_path / "root"
    touch(root / "sub" / "photo.jpg")
    os.symlink(root, root / "sub" / "loop")  # root/sub/loop -> root
    os.symlink(root / "sub", root / "alias")
    os.symlink(root / "sub" / "photo.jpg", root / "linked.jpg")  # links to files are followed
    os.symlink(root / "missing.jpg", root / "broken.jpg")
    photos, stats, errors = walk([root])
    assert photos == [root / "linked.jpg", root / "sub" / "photo.jpg"]
    assert stats.linked_folders == 2
    assert dict(stats.non_images) == {".jpg": 1}  # the broken link
    assert errors == []


def test_unreadable_folder_is_reported_and_the_walk_goes_on(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "root"
    touch(root / "a" / "one.jpg")
    touch(root / "b_locked" / "secret.jpg")
    touch(root / "c" / "two.jpg")
    locked = root / "b_locked"
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):  # root ignores permissions: refuse the listing instead
            real_scandir = os.scandir

            def scandir(path):
                if Path(path) == locked:
                    raise PermissionError(13, "Permission denied", str(path))
                return real_scandir(path)

            monkeypatch.setattr(discover.os, "scandir", scandir)
        photos, stats, errors = walk([root])
    finally:
        locked.chmod(0o755)
    assert photos == [root / "a" / "one.jpg", root / "c" / "two.jpg"]
    assert errors == [(locked, "permission denied: cannot read this folder")]
    assert stats.errors == 1 and stats.summary().endswith("1 unreadable items")


def test_missing_root_and_file_roots(tmp_path: Path) -> None:
    photo = touch(tmp_path / "single.HEIC")
    text = touch(tmp_path / "single.txt")
    photos, stats, errors = walk([tmp_path / "gone", photo, text])
    assert photos == [photo]
    assert errors == [(tmp_path / "gone", "folder not found")]
    assert dict(stats.non_images) == {".txt": 1}


def test_walk_is_lazy(tmp_path: Path) -> None:
    touch(tmp_path / "a" / "1.jpg")
    touch(tmp_path / "b" / "2.jpg")
    stats = DiscoveryStats()
    walker = iter_photos([tmp_path], stats=stats)
    assert next(walker) == tmp_path / "a" / "1.jpg"
    assert stats.folders == 2  # the root and "a" so far; "b" not yet listed


def test_real_photo_folder(data_dir: Path) -> None:
    photos, stats, errors = walk([data_dir / "negatives_and_formats"])
    assert len(photos) == 134 and errors == []
    assert dict(stats.non_images) == {".jxl": 2, ".csv": 1, ".md": 1}
    assert photos == sorted(photos)


def test_windows_hidden_and_system_attributes() -> None:
    assert has_hidden_attribute(SimpleNamespace(st_file_attributes=0x2))  # FILE_ATTRIBUTE_HIDDEN
    assert has_hidden_attribute(SimpleNamespace(st_file_attributes=0x4 | 0x20))  # SYSTEM | ARCHIVE
    assert not has_hidden_attribute(SimpleNamespace(st_file_attributes=0x20 | 0x10))
    assert not has_hidden_attribute(os.stat(__file__))  # no such field on POSIX


@pytest.mark.windows
@pytest.mark.skipif(sys.platform != "win32", reason="file attributes exist only on Windows")
def test_windows_hidden_file_is_skipped(tmp_path: Path) -> None:
    import ctypes

    hidden = touch(tmp_path / "desktop.jpg")
    assert ctypes.windll.kernel32.SetFileAttributesW(str(hidden), 0x2)
    visible = touch(tmp_path / "visible.jpg")
    photos, stats, _ = walk([tmp_path])
    assert photos == [visible] and stats.hidden == 1
