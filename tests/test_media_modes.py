"""Every Pillow pixel mode a photo file can carry becomes 8-bit RGB with the right colours."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photosort.media.decode import load_image

RED, WHITE, BLUE = (255, 0, 0), (255, 255, 255), (0, 0, 255)


def saved(image: Image.Image, path: Path, **options) -> Path:
    image.save(path, **options)
    return path


def rgba_pattern() -> Image.Image:
    """Opaque red on the left, fully transparent blue on the right, half-transparent red below."""
    im = Image.new("RGBA", (40, 20), (*RED, 255))
    im.paste((*BLUE, 0), (20, 0, 40, 10))
    im.paste((*RED, 128), (0, 10, 40, 20))
    return im


@pytest.mark.parametrize("suffix", [".png", ".webp", ".tiff"])
def test_alpha_is_composited_on_white(tmp_path: Path, suffix: str) -> None:
    options = {"lossless": True} if suffix == ".webp" else {}
    pixels = load_image(saved(rgba_pattern(), tmp_path / f"alpha{suffix}", **options)).pixels
    assert pixels.shape == (20, 40, 3) and pixels.dtype == np.uint8
    assert tuple(pixels[5, 5]) == RED
    assert tuple(pixels[5, 30]) == WHITE  # transparent: the hidden blue must not show
    assert np.abs(pixels[15, 5].astype(int) - (255, 127, 127)).max() <= 2  # half red over white


def test_palette_with_and_without_transparency(tmp_path: Path) -> None:
    palette = Image.new("P", (10, 10), 0)
    palette.putpalette([*RED, *BLUE] + [0] * 762)
    palette.paste(1, (5, 0, 10, 10))
    plain = load_image(saved(palette, tmp_path / "p.png")).pixels
    assert tuple(plain[0, 0]) == RED and tuple(plain[0, 9]) == BLUE
    see_through = load_image(saved(palette, tmp_path / "pt.png", transparency=1)).pixels
    assert tuple(see_through[0, 0]) == RED and tuple(see_through[0, 9]) == WHITE


def test_grey_and_bilevel_and_la(tmp_path: Path) -> None:
    grey = load_image(saved(Image.new("L", (8, 8), 100), tmp_path / "g.jpg", quality=95)).pixels
    assert np.abs(grey.astype(int) - 100).max() <= 2
    bits = load_image(saved(Image.new("1", (8, 8), 1), tmp_path / "b.png")).pixels
    assert (bits == 255).all()
    la = Image.new("LA", (8, 8), (0, 0))
    assert (load_image(saved(la, tmp_path / "la.png")).pixels == 255).all()  # black, fully transparent


@pytest.mark.parametrize("suffix", [".png", ".tiff"])
def test_sixteen_bit_grey_is_scaled_not_clipped(tmp_path: Path, suffix: str) -> None:
    values = np.array([[0, 256, 32768, 65535]], dtype=np.uint16).repeat(4, axis=0)
    source = Image.fromarray(values)
    assert source.mode.startswith("I;16")
    pixels = load_image(saved(source, tmp_path / f"deep{suffix}")).pixels
    assert pixels[0, :, 0].tolist() == [0, 1, 128, 255]
    assert (pixels[..., 0] == pixels[..., 2]).all()


def test_cmyk_jpeg_and_bmp(tmp_path: Path) -> None:
    cmyk = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # no cyan/black, full magenta+yellow = red
    pixels = load_image(saved(cmyk, tmp_path / "c.jpg", quality=95)).pixels
    assert np.abs(pixels.astype(int) - RED).max() <= 4
    bmp = load_image(saved(Image.new("RGB", (7, 5), BLUE), tmp_path / "b.bmp"))
    assert bmp.format == "BMP" and bmp.pixels.shape == (5, 7, 3) and tuple(bmp.pixels[2, 3]) == BLUE


def test_reduced_size_of_a_non_jpeg_keeps_aspect(tmp_path: Path) -> None:
    im = Image.new("RGB", (900, 300), RED)
    im.paste(BLUE, (450, 0, 900, 300))
    loaded = load_image(saved(im, tmp_path / "wide.png"), max_side=300)
    assert loaded.size == (300, 100) and loaded.scale == pytest.approx(1 / 3)
    assert tuple(loaded.pixels[50, 10]) == RED and tuple(loaded.pixels[50, 290]) == BLUE
