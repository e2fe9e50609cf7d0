"""Face and photo thumbnails, and the content hash used to follow moved files."""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photosort.core.records import Box
from photosort.media.decode import load_image
from photosort.media.errors import ImageError
from photosort.media.hashing import content_hash
from photosort.media.thumbs import face_crop, make_thumbnail

FACES = Path("negatives_and_formats") / "faces_with_xmp_names"
UPRIGHT = FACES / "immich__metadata__faces__portrait.jpg"  # 840x700
ROTATED = FACES / "immich__metadata__faces__portrait-orientation-6.jpg"  # same photo, stored turned, orientation 6
HEIC_PORTRAIT = Path("negatives_and_formats") / "no_faces_other_formats" / "exifs__heic__mobile__iphone_13_pro_max.HEIC"
RED, BLUE = (220, 20, 20), (20, 20, 220)


def decoded(jpeg: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(jpeg)) as im:
        assert im.format == "JPEG"
        return np.asarray(im.convert("RGB")).astype(np.int32)


def near(pixel: np.ndarray, colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    return bool(np.abs(pixel - colour).max() <= tolerance)


@pytest.fixture()
def target(tmp_path: Path) -> Path:
    """A 2000x1000 blue photo with a red 200x200 "face" at x 1200-1400, y 300-500."""
    im = Image.new("RGB", (2000, 1000), BLUE)
    im.paste(RED, (1200, 300, 1400, 500))
    path = tmp_path / "target.jpg"
    im.save(path, quality=92)
    return path


def test_face_crop_is_centred_square_and_uses_original_coordinates(target: Path) -> None:
    box = Box(1200, 300, 1400, 500)
    from_path = decoded(make_thumbnail(target, box, 90))
    from_small = decoded(make_thumbnail(load_image(target, max_side=500), box, 90))  # scale 0.25
    for thumb in (from_path, from_small):
        assert thumb.shape == (90, 90, 3)
        # margin 0.4: the 200 px face fills the middle 200/360 of the square
        assert near(thumb[45, 45], RED) and near(thumb[22, 45], RED) and near(thumb[45, 67], RED)
        assert near(thumb[5, 5], BLUE) and near(thumb[84, 84], BLUE) and near(thumb[45, 8], BLUE)
    assert np.abs(from_path - from_small).mean() < 6


def test_face_near_the_edge_shifts_the_square_inside_the_photo(target: Path) -> None:
    thumb = decoded(make_thumbnail(target, Box(1900, 900, 2000, 1000), 60))
    assert thumb.shape == (60, 60, 3)
    assert all(near(thumb[y, x], BLUE) for y, x in ((2, 2), (2, 57), (57, 2), (57, 57)))  # no padding


def test_face_crop_geometry() -> None:
    assert face_crop(Box(100, 100, 200, 150), (1000, 800), margin=0.5) == (50.0, 25.0, 250.0, 225.0)
    assert face_crop(Box(0, 0, 100, 100), (1000, 800), margin=0.5) == (0.0, 0.0, 200.0, 200.0)
    assert face_crop(Box(900, 700, 1000, 800), (1000, 800), margin=0.5) == (800.0, 600.0, 1000.0, 800.0)
    assert face_crop(Box(10, 10, 290, 290), (1000, 300), margin=0.5) == (0.0, 0.0, 300.0, 300.0)


def test_face_thumbnail_follows_exif_orientation(data_dir: Path) -> None:
    box = Box(240, 90, 420, 300)  # upright coordinates, valid for both files
    upright = decoded(make_thumbnail(data_dir / UPRIGHT, box, 128))
    rotated = decoded(make_thumbnail(data_dir / ROTATED, box, 128))
    assert np.abs(upright - rotated).mean() < 8
    assert np.abs(upright - rotated[::-1, ::-1]).mean() > 2 * np.abs(upright - rotated).mean()


def test_whole_photo_thumbnail_keeps_aspect_and_never_enlarges(data_dir: Path, target: Path) -> None:
    assert decoded(make_thumbnail(target, None, 256)).shape == (128, 256, 3)
    portrait = decoded(make_thumbnail(data_dir / ROTATED, None, 200))
    assert portrait.shape == (167, 200, 3)  # 840x700 upright
    small = data_dir / "negatives_and_formats" / "no_faces" / "immich__metadata__tags__picasa.jpg"
    assert decoded(make_thumbnail(small, None, 512)).shape == (75, 100, 3)


def test_heic_thumbnail_matches_the_full_photo(data_dir: Path) -> None:
    path = data_dir / HEIC_PORTRAIT  # 3024x4032 upright; small thumbnails come from the embedded preview
    thumb = decoded(make_thumbnail(path, None, 160))
    assert thumb.shape == (160, 120, 3)
    reference = np.asarray(Image.fromarray(load_image(path, 640).pixels).resize((120, 160), Image.LANCZOS))
    assert np.abs(thumb - reference).mean() < 10


def test_thumbnail_errors(tmp_path: Path) -> None:
    with pytest.raises(ImageError):
        make_thumbnail(tmp_path / "gone.jpg", None, 64)
    with pytest.raises(ValueError):
        make_thumbnail(tmp_path / "gone.jpg", None, 0)


def test_content_hash_is_streamed_blake2b(data_dir: Path, tmp_path: Path) -> None:
    source = data_dir / HEIC_PORTRAIT  # 2.2 MB: several read buffers and a partial one
    data = source.read_bytes()
    assert len(data) > 2 * (1 << 20) and len(data) % (1 << 18)
    digest = content_hash(source)
    assert digest == hashlib.blake2b(data, digest_size=16).hexdigest()
    assert len(digest) == 32
    moved = tmp_path / "renamed elsewhere.heic"
    shutil.copyfile(source, moved)
    assert content_hash(moved) == digest
    changed = bytearray(data)
    changed[-1] ^= 1
    (tmp_path / "edited.heic").write_bytes(changed)
    assert content_hash(tmp_path / "edited.heic") != digest
    (tmp_path / "empty").write_bytes(b"")
    assert content_hash(tmp_path / "empty") == hashlib.blake2b(b"", digest_size=16).hexdigest()
