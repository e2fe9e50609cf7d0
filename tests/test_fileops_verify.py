"""A copy that does not match its source is never placed: real files, a real flipped byte."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from photosort.services.fileops import FileOps, VerifyError, describe_error, temp_path


@pytest.fixture()
def corrupting(monkeypatch) -> list[Path]:
    """Make every temporary copy lose one bit on disk after it was written and hashed."""
    real = FileOps._write_temp
    corrupted: list[Path] = []

    def write_then_flip(self, src: Path, tmp: Path, size: int) -> str:
        digest = real(self, src, tmp, size)
        with open(tmp, "r+b") as f:  # what a bad cable or a failing card does
            f.seek(size // 2)
            byte = f.read(1)
            f.seek(size // 2)
            f.write(bytes([byte[0] ^ 0x10]))
        corrupted.append(tmp)
        return digest

    monkeypatch.setattr(FileOps, "_write_temp", write_then_flip)
    return corrupted


def _photo(path: Path, size: int = 9_000) -> bytes:
    content = os.urandom(size)
    path.write_bytes(content)
    return content


@pytest.mark.parametrize("chunk_size", [4096, 1 << 20])
def test_a_corrupted_copy_is_refused_and_removed(tmp_path, corrupting, chunk_size):
    src, dst = tmp_path / "a.jpg", tmp_path / "out" / "a.jpg"
    dst.parent.mkdir()
    content = _photo(src)
    with pytest.raises(VerifyError) as caught:
        FileOps(chunk_size=chunk_size).copy(src, dst, 7)
    assert corrupting == [temp_path(7, dst)]  # the corruption really happened on disk
    assert describe_error(caught.value).startswith("copy does not match the source")
    assert not dst.exists() and not temp_path(7, dst).exists()
    assert sorted(p.name for p in dst.parent.iterdir()) == []
    assert src.read_bytes() == content


def test_a_cross_volume_move_keeps_the_source_when_the_copy_is_corrupt(tmp_path, corrupting):
    src, dst = tmp_path / "a.jpg", tmp_path / "out" / "a.jpg"
    dst.parent.mkdir()
    content = _photo(src)
    with pytest.raises(VerifyError):
        FileOps(force_cross_device=True).move(src, dst, 3)
    assert corrupting and not dst.exists() and not temp_path(3, dst).exists()
    assert src.read_bytes() == content  # nothing lost: the source stays


def test_without_corruption_the_same_copy_is_placed(tmp_path):
    src, dst = tmp_path / "a.jpg", tmp_path / "b.jpg"
    content = _photo(src)
    FileOps(chunk_size=4096).copy(src, dst, 1)
    assert dst.read_bytes() == content and src.read_bytes() == content
