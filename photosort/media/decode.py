"""Decoding photos into upright 8-bit RGB arrays, at reduced size when asked.

Every reader goes through :func:`open_image`, which turns all failures into an
:class:`~photosort.media.errors.ImageError` with a short reason: a zero-byte,
vanished or unreadable file, a truncated or corrupt one, an unsupported format
(JPEG XL, GIF, video...), or one above :data:`MAX_PIXELS`.

Decisions worth knowing:

* Speed: with ``max_side`` set, JPEGs are decoded with libjpeg's DCT scaling
  (``Image.draft``) at the largest 1/2, 1/4 or 1/8 reduction that keeps the long
  side at least ``max_side``, then resized with :data:`RESAMPLE`. A caller that
  can work with a slightly smaller image passes ``min_fraction``: a reduction
  that lands between ``min_fraction × max_side`` and ``max_side`` is then kept
  as it is, with no resize at all (face detection does this: a 4000 px photo
  becomes 1000 px straight from the decoder, 15 instead of 41 ms). HEIF files use
  an embedded thumbnail when one is big enough (pillow-heif's ``draft``); other
  formats decode fully. ``benchmarks/bench_decode.py`` has the numbers.
* Size limit: :data:`MAX_PIXELS` (250 MP) applies to every format, JPEG
  included, even though a drafted JPEG would need less memory: no camera photo
  is that large, and at the detector's resolution faces in a bigger panorama
  would be too small to find anyway. Pillow's own ``MAX_IMAGE_PIXELS`` is set
  to the same value, so its ``DecompressionBombError`` (above twice the limit)
  and our explicit check (above the limit, before any pixel is decoded) both
  become ``ImageError(kind=TOO_LARGE)``; we never rely on warning filters.
* Truncation: ``ImageFile.LOAD_TRUNCATED_IMAGES`` is left False and every image
  is fully loaded here, so Pillow raises on truncated JPEG/PNG/WebP data.
  Truncated HEIF/AVIF files, which libheif decodes silently with grey holes,
  are caught by checking the container's box sizes against the file length
  (and WebP's RIFF size likewise, for a clearer reason).
* Importing this module registers pillow-heif's HEIF opener. AVIF is read by
  Pillow's own plugin (Pillow ≥ 11.2; pillow-heif 1.x no longer reads AVIF).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image, UnidentifiedImageError

from photosort.media.containers import (
    HEAD_SIZE,
    is_isobmff,
    isobmff_truncated,
    photo_format_name,
    riff_truncated,
    unsupported_format_name,
)
from photosort.media.convert import apply_orientation, oriented_size, read_orientation, to_rgb
from photosort.media.errors import ErrorKind, ImageError, file_error
from photosort.media.raw import is_raw_path, load_raw, raw_header

MAX_PIXELS = 250_000_000
"""Largest photo (width × height) we decode; larger ones raise ``ImageError``."""

RESAMPLE = Image.Resampling.BICUBIC
"""Filter for the final resize after draft. Measured on 12-24 MP camera JPEGs to
1024 px: BICUBIC halves BILINEAR's difference from a full-resolution LANCZOS
reference (mean 1.6 vs 2.6 levels) for ~10% more decode time; LANCZOS gains
little more (1.1) for more time again."""

SUPPORTED_FORMATS = ("JPEG", "PNG", "HEIF", "AVIF", "WEBP", "TIFF", "BMP")
"""Pillow format names we open (JPEG includes MPO); anything else is reported as unsupported."""

Image.MAX_IMAGE_PIXELS = MAX_PIXELS
pillow_heif.register_heif_opener()


@dataclass(frozen=True)
class LoadedImage:
    """A decoded, upright photo.

    ``pixels`` is (H, W, 3) uint8 RGB. ``scale`` is pixels size / original size
    (≤ 1): multiply original-pixel coordinates by it to index ``pixels``.
    ``original_size`` is (width, height) of the full-resolution photo after EXIF
    orientation; ``format`` is Pillow's name ("JPEG", "PNG", "HEIF"...).
    """

    pixels: np.ndarray = field(compare=False, repr=False)
    scale: float
    original_size: tuple[int, int]
    format: str

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of ``pixels``."""
        return (self.pixels.shape[1], self.pixels.shape[0])


def load_image(path: Path | str, max_side: int | None = None, min_fraction: float = 1.0) -> LoadedImage:
    """Decode ``path`` upright, shrunk so its long side is at most ``max_side``
    (and, when the JPEG decoder's own reduction gets there, possibly down to
    ``min_fraction × max_side`` instead of exactly ``max_side``).

    Never enlarges. Raises ``ImageError`` for anything that cannot be decoded.
    """
    if max_side is not None and max_side < 1:
        raise ValueError(f"max_side must be positive, got {max_side}")
    if not 0 < min_fraction <= 1:
        raise ValueError(f"min_fraction must be in (0, 1], got {min_fraction}")
    path = Path(path)
    if is_raw_path(path):
        return load_raw(path, max_side)
    with open_image(path) as im:
        raw_size = im.size
        target = _target_size(raw_size, max_side)
        try:
            box = None
            if target != raw_size:
                lowest = _target_size(raw_size, max(1, int(max_side * min_fraction)))
                drafted = im.draft("RGB", lowest)
                box = drafted[1] if drafted else None
            im.load()
            orientation = read_orientation(im)
            rgb = to_rgb(im)
            if max(rgb.size) > max(target) or (min_fraction == 1.0 and rgb.size != target):
                rgb = rgb.resize(target, RESAMPLE, box=box)
            pixels = np.array(apply_orientation(rgb, orientation), dtype=np.uint8)
        except Exception as exc:
            raise decode_error(path, exc) from exc
        return LoadedImage(
            pixels=pixels,
            scale=max(rgb.size) / max(raw_size),
            original_size=oriented_size(raw_size, orientation),
            format=_format_name(im),
        )


def probe(path: Path | str) -> tuple[int, int]:
    """(width, height) after EXIF orientation, from the header only (no pixel decoding)."""
    if is_raw_path(path):
        _, size, orientation = raw_header(path)
        return oriented_size(size, orientation)
    with open_image(Path(path)) as im:
        return oriented_size(im.size, read_orientation(im))


@contextmanager
def open_image(path: Path) -> Iterator[Image.Image]:
    """Open ``path`` with Pillow (header only), mapping every failure to ``ImageError``."""
    try:
        f = open(path, "rb")
    except OSError as exc:
        raise file_error(path, exc) from exc
    with f:
        try:
            file_size = os.fstat(f.fileno()).st_size
            head = f.read(HEAD_SIZE)
            f.seek(0)
            if file_size == 0:
                raise ImageError(path, "empty file (0 bytes)", ErrorKind.EMPTY)
            if riff_truncated(head, file_size) or (is_isobmff(head) and isobmff_truncated(f, file_size)):
                raise ImageError(path, "truncated file (image data incomplete)", ErrorKind.TRUNCATED)
            im = Image.open(f, formats=SUPPORTED_FORMATS)
        except UnidentifiedImageError as exc:
            raise _unidentified(path, head) from exc
        except ImageError:
            raise
        except Exception as exc:
            raise decode_error(path, exc) from exc
        with im:
            width, height = im.size
            if width * height > MAX_PIXELS:
                raise _too_large(path, f"{width}×{height} pixels")
            yield im


def decode_error(path: Path, exc: BaseException) -> ImageError:
    """The ``ImageError`` for an exception raised while Pillow parses or decodes ``path``."""
    if isinstance(exc, ImageError):
        return exc
    if isinstance(exc, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        return _too_large(path, "header claims a huge size")
    if isinstance(exc, MemoryError):
        return ImageError(path, "not enough memory to decode this image", ErrorKind.TOO_LARGE)
    if isinstance(exc, OSError) and exc.errno is not None:
        return file_error(path, exc)
    message = str(exc)
    if "truncated" in message.lower():
        return ImageError(path, "truncated file (image data incomplete)", ErrorKind.TRUNCATED)
    detail = message if 0 < len(message) <= 80 else type(exc).__name__
    return ImageError(path, f"corrupt image data ({detail})", ErrorKind.CORRUPT)


def _unidentified(path: Path, head: bytes) -> ImageError:
    """The error for a file no Pillow plugin would open, named as precisely as its bytes allow."""
    if name := unsupported_format_name(head):
        return ImageError(path, f"unsupported format: {name}", ErrorKind.UNSUPPORTED)
    if name := photo_format_name(head):
        return ImageError(path, f"corrupt or unsupported {name} file (header unreadable)", ErrorKind.CORRUPT)
    return ImageError(path, "not a recognised image format", ErrorKind.UNSUPPORTED)


def _too_large(path: Path, detail: str) -> ImageError:
    limit = MAX_PIXELS // 1_000_000
    return ImageError(path, f"image too large ({detail}; limit {limit} megapixels)", ErrorKind.TOO_LARGE)


def _target_size(size: tuple[int, int], max_side: int | None) -> tuple[int, int]:
    """Stored-orientation size whose long side is ``max_side`` (or ``size`` if already smaller)."""
    width, height = size
    longest = max(width, height)
    if max_side is None or longest <= max_side:
        return size
    ratio = max_side / longest
    return (max(1, round(width * ratio)), max(1, round(height * ratio)))


def _format_name(im: Image.Image) -> str:
    return "JPEG" if im.format == "MPO" else (im.format or "unknown")
