"""Pixel-level fixes applied to every decoded photo: EXIF orientation and RGB conversion."""

from __future__ import annotations

import numpy as np
from PIL import Image

ORIENTATION_TAG = 0x0112

# EXIF orientation value -> the transpose that makes the image upright (as Pillow's
# ImageOps.exif_transpose does). Values 5..8 swap width and height.
_TRANSPOSE: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_WHITE = (255, 255, 255)
_SIXTEEN_BIT_MODES = {"I;16", "I;16L", "I;16B", "I;16N"}


def read_orientation(im: Image.Image) -> int:
    """The EXIF (or XMP) orientation 1..8 of an opened image; 1 when absent or invalid.

    HEIF images come back as 1: pillow-heif already applies the container's
    rotation and mirroring while decoding. AVIF (Pillow's own plugin) reports
    its rotation here as an EXIF orientation. Never decodes pixels: a PNG not
    yet loaded whose EXIF, if any, follows the pixel data reports 1 (Pillow
    would otherwise decode the whole image to look for it).
    """
    if im.format == "PNG" and "exif" not in im.info and im.tile:
        return 1
    try:
        value = im.getexif().get(ORIENTATION_TAG, 1)
    except Exception:  # a broken EXIF block must not make the photo unreadable
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def oriented_size(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    """(width, height) of a stored image once ``orientation`` is applied."""
    width, height = size
    return (height, width) if orientation >= 5 else (width, height)


def apply_orientation(im: Image.Image, orientation: int) -> Image.Image:
    """The image turned upright according to ``orientation``."""
    method = _TRANSPOSE.get(orientation)
    return im if method is None else im.transpose(method)


def to_rgb(im: Image.Image) -> Image.Image:
    """Any Pillow mode as 8-bit RGB; transparency is composited on white.

    16-bit and 32-bit grey levels are scaled (not clipped) down to 8 bits.
    """
    if im.mode == "RGB" and "transparency" not in im.info:
        return im
    if im.mode in _SIXTEEN_BIT_MODES or im.mode in ("I", "F"):
        return Image.fromarray(_grey_to_8bit(im, np.asarray(im)), "L").convert("RGB")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info:
        rgba = im.convert("RGBA")
        background = Image.new("RGB", im.size, _WHITE)
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return im.convert("RGB")


def _grey_to_8bit(im: Image.Image, values: np.ndarray) -> np.ndarray:
    if im.mode in _SIXTEEN_BIT_MODES:
        return (values.astype(np.uint16) >> 8).astype(np.uint8)
    values = values.astype(np.float64)
    if values.size and values.max() > 255:  # 16-bit data stored in a 32-bit mode
        values = values / 257.0
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)
