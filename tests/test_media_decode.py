"""Decoding the real test photos: every format, EXIF orientation, draft decoding, probe."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile
from PIL.JpegImagePlugin import JpegImageFile

from photosort.media.decode import LoadedImage, load_image, probe
from photosort.media.discover import is_photo_path
from photosort.media.errors import ErrorKind, ImageError

FORMATS = Path("negatives_and_formats")
ORIENTATION = FORMATS / "orientation_tests"
BIG_JPEG = FORMATS / "no_faces" / "immich__metadata__gps-position__empty_gps.jpg"  # 4640x3472
ROTATED_JPEG = FORMATS / "no_faces" / "exifs__jpg__hdr__canon_hdr_NO.jpg"  # 2048x1536, orientation 6
ORIENTATION_SETS = {  # file stem -> orientation values present
    "exifs__jpg__orientation__landscape_": range(1, 9),
    "exifs__jpg__orientation__portrait_": range(1, 9),
    "recurser__Landscape_": range(0, 9),
    "recurser__Portrait_": range(0, 9),
}


def manifest(data_dir: Path) -> list[dict[str, str]]:
    with open(data_dir / FORMATS / "manifest.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def expected_size(row: dict[str, str]) -> tuple[int, int]:
    """The manifest lists stored (unrotated) sizes; orientations 5-8 swap them."""
    width, height = int(row["width"]), int(row["height"])
    orientation = int(row["exif_orientation"] or 1)
    return (height, width) if orientation >= 5 else (width, height)


def mad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean())


def resized(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.LANCZOS))


def test_every_photo_in_the_formats_set_decodes_with_its_manifest_size(data_dir: Path) -> None:
    rows = [r for r in manifest(data_dir) if is_photo_path(r["file"])]
    assert len(rows) == 134
    seen_formats = set()
    for row in rows:
        path = data_dir / FORMATS / row["file"]
        loaded = load_image(path, max_side=256)
        height, width, channels = loaded.pixels.shape
        assert loaded.pixels.dtype == np.uint8 and channels == 3, row["file"]
        assert loaded.original_size == expected_size(row), row["file"]
        assert probe(path) == loaded.original_size, row["file"]
        assert max(width, height) == min(256, max(loaded.original_size)), row["file"]
        assert loaded.scale == pytest.approx(max(width, height) / max(loaded.original_size)), row["file"]
        assert loaded.pixels.std() > 3, f"{row['file']} decoded to a flat image"
        assert loaded.format == row["format"], row["file"]
        seen_formats.add(loaded.format)
    assert seen_formats == {"JPEG", "PNG", "HEIF", "AVIF", "WEBP"}


def test_jpeg_xl_fails_clearly_as_unsupported(data_dir: Path) -> None:
    jxl = sorted((data_dir / FORMATS / "no_faces_other_formats").glob("*.jxl"))
    assert len(jxl) == 2
    for path in jxl:
        for read in (load_image, probe):
            with pytest.raises(ImageError) as info:
                read(path)
            assert info.value.kind == ErrorKind.UNSUPPORTED
            assert info.value.reason == "unsupported format: JPEG XL"
            assert info.value.path == path


@pytest.mark.parametrize("stem", sorted(ORIENTATION_SETS))
@pytest.mark.parametrize("max_side", [None, 300])
def test_every_exif_orientation_comes_out_upright(data_dir: Path, stem: str, max_side: int | None) -> None:
    reference = load_image(data_dir / ORIENTATION / f"{stem}1.jpg", max_side)
    for value in ORIENTATION_SETS[stem]:
        loaded = load_image(data_dir / ORIENTATION / f"{stem}{value}.jpg", max_side)
        assert loaded.original_size == reference.original_size, value
        assert loaded.pixels.shape == reference.pixels.shape, value
        right = mad(loaded.pixels, reference.pixels)
        # Every other way the same stored pixels could have been turned must fit worse.
        p = loaded.pixels
        wrong = [p[:, ::-1], p[::-1, :], p[::-1, ::-1]]
        assert right < 20, (value, right)
        assert all(right < 0.5 * mad(w, reference.pixels) for w in wrong), value
        corr = np.corrcoef(p.reshape(-1).astype(np.float32), reference.pixels.reshape(-1).astype(np.float32))[0, 1]
        assert corr > 0.95, (value, corr)


def test_draft_decode_matches_a_full_decode_resized(data_dir: Path) -> None:
    path = data_dir / BIG_JPEG
    full = load_image(path)
    assert full.original_size == (4640, 3472) and full.scale == 1.0
    for max_side in (1024, 1600):
        small = load_image(path, max_side)
        assert small.original_size == (4640, 3472)
        assert small.size[0] == max_side
        assert small.scale == pytest.approx(max_side / 4640)
        # A textured photo: 2-4 levels of softness from DCT scaling; a 1-pixel shift would give ~11.
        assert mad(small.pixels, resized(full.pixels, small.size)) < 5.0


def test_draft_picks_the_largest_reduction_that_keeps_max_side(data_dir: Path, monkeypatch) -> None:
    scales = []
    real_draft = JpegImageFile.draft

    def recording_draft(self, mode, size):
        result = real_draft(self, mode, size)
        scales.append(self.decoderconfig[0])
        return result

    monkeypatch.setattr(JpegImageFile, "draft", recording_draft)
    path = data_dir / BIG_JPEG  # 4640 px wide
    for max_side, scale in ((1024, 4), (1600, 2), (500, 8), (2400, 1)):
        scales.clear()
        assert load_image(path, max_side).size[0] == max_side
        assert scales == [scale], max_side
    scales.clear()
    load_image(path, 5000)  # already small enough: no draft, no resize
    assert scales == []


def test_min_fraction_keeps_a_decoder_reduction_close_enough_to_max_side(data_dir: Path, tmp_path: Path) -> None:
    """4640 px / 4 = 1160 > 1024 and / 8 = 580 < 0.9 x 1024: resized to 1024 as before;
    a 4000 px JPEG / 4 = 1000 ≥ 0.9 x 1024: kept at 1000, not resized."""
    big = load_image(data_dir / BIG_JPEG, 1024, min_fraction=0.9)
    assert big.size[0] == 1024
    gradient = np.linspace(0, 255, 4000, dtype=np.float32)
    pixels = np.stack([np.broadcast_to(gradient, (3000, 4000)),
                       np.broadcast_to(gradient[:3000, None], (3000, 4000)),
                       np.full((3000, 4000), 90.0)], axis=2).astype(np.uint8)
    jpeg, png = tmp_path / "12mp.jpg", tmp_path / "12mp.png"
    Image.fromarray(pixels).save(jpeg, quality=90)
    Image.fromarray(pixels).save(png, compress_level=1)
    near = load_image(jpeg, 1024, min_fraction=0.9)
    assert near.size == (1000, 750) and near.scale == 0.25 and near.original_size == (4000, 3000)
    assert mad(near.pixels, resized(pixels, (1000, 750))) < 3.0
    assert load_image(jpeg, 1024).size == (1024, 768)  # the default is still exact
    assert load_image(png, 1024, min_fraction=0.9).size == (1024, 768)  # no decoder reduction for PNG
    assert load_image(jpeg, 1100, min_fraction=0.95).size == (1100, 825)  # 1000 < 0.95 x 1100
    with pytest.raises(ValueError):
        load_image(jpeg, 1024, min_fraction=0)


def test_draft_keeps_orientation_and_the_full_oriented_size(data_dir: Path) -> None:
    path = data_dir / ROTATED_JPEG  # stored 2048x1536 landscape, orientation 6 -> upright portrait
    full = load_image(path)
    assert full.original_size == (1536, 2048) and full.pixels.shape == (2048, 1536, 3)
    small = load_image(path, 512)  # draft at 1/4 of the stored image, then rotated
    assert small.original_size == (1536, 2048)
    assert small.pixels.shape == (512, 384, 3)
    assert mad(small.pixels, resized(full.pixels, (384, 512))) < 5.0
    assert mad(small.pixels[::-1, ::-1], resized(full.pixels, (384, 512))) > 10


def test_heif_is_upright_and_matches_its_png_render(data_dir: Path) -> None:
    other = data_dir / FORMATS / "no_faces_other_formats"
    heic = load_image(other / "nokia__content__images__winter_1440x960.heic", 512)
    png = load_image(other / "nokia__content__pngs__winter.png")
    assert heic.format == "HEIF" and png.format == "PNG"
    assert heic.original_size == (1440, 960) and heic.pixels.shape == (341, 512, 3)
    assert png.pixels.shape == (342, 512, 3)  # the render rounded 341.3 up
    render = resized(png.pixels, heic.size)
    assert mad(heic.pixels, render) < 12  # measured 8.1: the render went through other codecs
    assert 3 * mad(heic.pixels, render) < min(mad(heic.pixels[::-1], render), mad(heic.pixels[:, ::-1], render))
    phone = load_image(other / "exifs__heic__mobile__iphone_13_pro_max.HEIC", 400)  # rotation stored as irot
    assert phone.original_size == (3024, 4032) and phone.pixels.shape == (400, 300, 3)


def test_probe_reads_headers_only(data_dir: Path, monkeypatch) -> None:
    loads = []
    real_load = ImageFile.ImageFile.load

    def recording_load(self):
        loads.append(self.format)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", recording_load)
    other = data_dir / FORMATS / "no_faces_other_formats"
    assert probe(other / "nokia__content__pngs__bird.png") == (512, 288)  # Pillow's PNG getexif() would load
    assert probe(data_dir / ROTATED_JPEG) == (1536, 2048)
    assert probe(other / "immich__formats__webp__denali.webp") == (600, 315)
    assert loads == []
    load_image(other / "nokia__content__pngs__bird.png")
    assert set(loads) == {"PNG"}  # the spy does see real decoding


def test_loaded_image_is_frozen_and_never_enlarged(data_dir: Path) -> None:
    path = data_dir / FORMATS / "no_faces" / "immich__metadata__tags__picasa.jpg"  # 100x75
    loaded = load_image(path, max_side=1024)
    assert isinstance(loaded, LoadedImage)
    assert loaded.size == (100, 75) and loaded.scale == 1.0
    assert loaded.pixels.flags.writeable and loaded.pixels.flags.c_contiguous
    with pytest.raises(AttributeError):
        loaded.scale = 0.5  # type: ignore[misc]
    with pytest.raises(ValueError):
        load_image(path, max_side=0)


def test_truncated_images_are_never_accepted_silently() -> None:
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
