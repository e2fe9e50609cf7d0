"""Small JPEG previews: a square crop around one face, or the whole photo.

Face boxes are in original, upright pixel coordinates (as stored in the
catalog); a :class:`~photosort.media.decode.LoadedImage` maps them to its own
pixels with its ``scale``. When given a path, only as much resolution as the
requested thumbnail needs is decoded (JPEG draft, HEIF embedded thumbnails).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from PIL import Image

from photosort.core.records import Box
from photosort.media.decode import LoadedImage, load_image, probe

FACE_MARGIN = 0.4
"""Space added on each side of a face, as a fraction of the face box's long side."""

JPEG_QUALITY = 85


def make_thumbnail(
    source: Path | str | LoadedImage, box: Box | None, size: int, *, margin: float = FACE_MARGIN
) -> bytes:
    """JPEG bytes of a ``size``×``size`` face crop, or of the whole photo fitted in ``size``×``size``.

    A face crop is upscaled when the face is small, so face tiles are uniform;
    the whole photo keeps its aspect ratio and is never enlarged. Raises
    ``ImageError`` when ``source`` is a path that cannot be decoded.
    """
    if size < 1:
        raise ValueError(f"thumbnail size must be positive, got {size}")
    if isinstance(source, LoadedImage):
        loaded = source
    elif box is None:
        loaded = load_image(source, max_side=size)
    else:
        original = probe(source)
        crop = face_crop(box, original, margin)
        needed = math.ceil(max(original) * size / max(crop[2] - crop[0], 1.0))
        loaded = load_image(source, max_side=needed if needed < max(original) else None)
    image = Image.fromarray(loaded.pixels)
    if box is None:
        image.thumbnail((size, size), Image.Resampling.LANCZOS)
    else:
        x1, y1, x2, y2 = face_crop(box, loaded.original_size, margin)
        s, (w, h) = loaded.scale, image.size  # clamp: rounding in a reduced decode
        crop_box = (min(x1 * s, w), min(y1 * s, h), min(x2 * s, w), min(y2 * s, h))
        image = image.resize((size, size), Image.Resampling.LANCZOS, box=crop_box)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def face_crop(box: Box, image_size: tuple[int, int], margin: float = FACE_MARGIN) -> tuple[float, float, float, float]:
    """A square (x1, y1, x2, y2) around ``box`` with ``margin``, kept inside the image.

    The square is centred on the face and shifted inwards at the image edges;
    it shrinks only if the image itself is narrower than the square.
    """
    width, height = image_size
    side = max(box.width, box.height, 1.0) * (1.0 + 2.0 * margin)
    side = min(side, float(width), float(height))
    cx, cy = box.center
    x1 = min(max(cx - side / 2.0, 0.0), width - side)
    y1 = min(max(cy - side / 2.0, 0.0), height - side)
    return (x1, y1, x1 + side, y1 + side)
