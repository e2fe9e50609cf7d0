"""Bad input gives ImageError with the right reason, never a crash or a silent bad image."""

from __future__ import annotations

import os
import pickle
import struct
import zlib
from pathlib import Path

import pytest

from photosort.media import decode
from photosort.media.containers import isobmff_truncated
from photosort.media.decode import MAX_PIXELS, load_image, probe
from photosort.media.errors import ErrorKind, ImageError
from photosort.media.hashing import content_hash

FORMATS = Path("negatives_and_formats")
JPEG = FORMATS / "no_faces" / "exifs__jpg__gps__DSCN0010.jpg"
PNG = FORMATS / "no_faces_other_formats" / "nokia__content__pngs__bird.png"
HEIC = FORMATS / "no_faces_other_formats" / "immich__formats__heic__IMG_2682.heic"
AVIF = FORMATS / "no_faces_other_formats" / "immich__formats__avif__8bit-sRGB.avif"
WEBP = FORMATS / "no_faces_other_formats" / "immich__formats__webp__denali.webp"


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def error_of(read, path: Path, *args) -> ImageError:
    with pytest.raises(ImageError) as info:
        read(path, *args)
    assert info.value.path == path
    return info.value


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width``×``height`` RGB pixels, with one tiny IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + png_chunk(b"IEND", b""))


def test_zero_byte_file(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.jpg", b"")
    for read in (load_image, probe):
        error = error_of(read, path)
        assert (error.kind, error.reason) == (ErrorKind.EMPTY, "empty file (0 bytes)")


@pytest.mark.parametrize("source", [JPEG, PNG, HEIC, AVIF, WEBP], ids=lambda p: p.suffix)
@pytest.mark.parametrize("fraction", [0.5, 0.9])
def test_truncated_files(data_dir: Path, tmp_path: Path, source: Path, fraction: float) -> None:
    data = (data_dir / source).read_bytes()
    path = write(tmp_path / f"cut{source.suffix}", data[: int(len(data) * fraction)])
    for max_side in (None, 128):
        error = error_of(load_image, path, max_side)
        assert (error.kind, error.reason) == (ErrorKind.TRUNCATED, "truncated file (image data incomplete)")


def test_corrupt_jpeg_scan_and_header(data_dir: Path, tmp_path: Path) -> None:
    data = bytearray((data_dir / JPEG).read_bytes())
    sos = data.rfind(b"\xff\xda")  # the main image's start of scan: refer to a component that does not exist
    data[sos + 5] = 9
    error = error_of(load_image, write(tmp_path / "bad_scan.jpg", bytes(data)))
    assert error.kind == ErrorKind.CORRUPT and error.reason.startswith("corrupt image data")

    data = bytearray((data_dir / JPEG).read_bytes())
    sof = data.rfind(b"\xff\xc0")
    data[sof + 9] = 0  # zero colour components
    error = error_of(load_image, write(tmp_path / "bad_header.jpg", bytes(data)))
    assert error.kind == ErrorKind.CORRUPT
    assert error.reason == "corrupt or unsupported JPEG file (header unreadable)"


def test_corrupt_png_data_is_not_returned_as_a_black_image(data_dir: Path, tmp_path: Path) -> None:
    data = bytearray((data_dir / PNG).read_bytes())
    idat = data.find(b"IDAT")
    data[idat + 4: idat + 2004] = bytes((i * 97 + 13) % 256 for i in range(2000))
    path = write(tmp_path / "bad.png", bytes(data))
    error = error_of(load_image, path)
    assert error.kind == ErrorKind.CORRUPT, error.reason
    assert probe(path) == (512, 288)  # the header alone is intact


@pytest.mark.parametrize("name,data", [
    ("notes.jpg", b"shopping list: milk, eggs\n" * 20),
    ("noise.png", bytes((i * 31 + 7) % 256 for i in range(4096))),
])
def test_non_image_content(tmp_path: Path, name: str, data: bytes) -> None:
    error = error_of(load_image, write(tmp_path / name, data))
    assert (error.kind, error.reason) == (ErrorKind.UNSUPPORTED, "not a recognised image format")


def test_known_but_unsupported_formats_are_named(tmp_path: Path) -> None:
    gif = write(tmp_path / "anim.jpg", b"GIF89a" + b"\x01\x00\x01\x00\x00\x00\x00;")
    assert error_of(load_image, gif).reason == "unsupported format: GIF"
    video = write(tmp_path / "clip.heic", struct.pack(">I", 24) + b"ftypqt  " + bytes(12) + bytes(64))
    assert error_of(load_image, video).reason == "unsupported format: video"


# Pillow warns (once) between MAX_PIXELS and twice that; our own check is what refuses.
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_decompression_bomb_header_is_refused_before_decoding(tmp_path: Path) -> None:
    huge = write(tmp_path / "huge.png", png_header_only(100_000, 100_000))  # 10 gigapixels
    for read in (load_image, probe):
        error = error_of(read, huge)
        assert error.kind == ErrorKind.TOO_LARGE and "limit 250 megapixels" in error.reason
    # 300 MP: above our limit but below Pillow's own error threshold (2 x MAX_PIXELS);
    # refused by our explicit check before any pixel is read (else it would be "truncated").
    big = write(tmp_path / "big.png", png_header_only(20_000, 15_000))
    assert 20_000 * 15_000 > MAX_PIXELS
    error = error_of(load_image, big)
    assert (error.kind, error.reason) == (
        ErrorKind.TOO_LARGE, "image too large (20000×15000 pixels; limit 250 megapixels)")
    # Just under the limit the header is accepted; the missing pixel data then shows.
    under = write(tmp_path / "under.png", png_header_only(15_000, 15_000))
    assert probe(under) == (15_000, 15_000)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    gone = tmp_path / "moved.jpg"
    for read in (load_image, probe, content_hash):
        error = error_of(read, gone)
        assert (error.kind, error.reason) == (ErrorKind.MISSING, "file not found (moved or deleted?)")
    folder = tmp_path / "folder.jpg"
    folder.mkdir()
    assert error_of(load_image, folder).reason == "not a file (it is a folder)"


def test_unreadable_file(data_dir: Path, tmp_path: Path, monkeypatch) -> None:
    path = write(tmp_path / "locked.jpg", (data_dir / JPEG).read_bytes())
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):  # running as root: chmod does not stop reads, so refuse the open
            real_open = open

            def refusing_open(file, *args, **kwargs):
                if Path(file) == path:
                    raise PermissionError(13, "Permission denied", str(file))
                return real_open(file, *args, **kwargs)

            monkeypatch.setattr(decode, "open", refusing_open, raising=False)
            monkeypatch.setattr("photosort.media.hashing.open", refusing_open, raising=False)
        for read in (load_image, probe, content_hash):
            error = error_of(read, path)
            assert (error.kind, error.reason) == (ErrorKind.PERMISSION, "permission denied")
    finally:
        path.chmod(0o644)


def test_image_error_text_and_pickling(tmp_path: Path) -> None:
    error = ImageError(tmp_path / "a.jpg", "truncated file (image data incomplete)", ErrorKind.TRUNCATED)
    assert str(error) == f"{tmp_path / 'a.jpg'}: truncated file (image data incomplete)"
    copy = pickle.loads(pickle.dumps(error))  # crosses process-pool boundaries
    assert (copy.path, copy.reason, copy.kind) == (error.path, error.reason, error.kind)


def test_isobmff_box_walk(tmp_path: Path) -> None:
    boxes = struct.pack(">I", 16) + b"ftypheic" + b"mif1" + struct.pack(">I", 1000) + b"mdat" + bytes(992)
    whole = write(tmp_path / "whole.heic", boxes)
    cut = write(tmp_path / "cut.heic", boxes[:600])
    with open(whole, "rb") as f:
        assert not isobmff_truncated(f, len(boxes)) and f.tell() == 0
    with open(cut, "rb") as f:
        assert isobmff_truncated(f, 600)
    assert error_of(load_image, cut).kind == ErrorKind.TRUNCATED
