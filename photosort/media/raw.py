"""Camera RAW files through LibRaw (``rawpy``): CR2, CR3, NEF, ARW, DNG, ORF, RW2, RAF, PEF.

:func:`load_raw` gives the upright RGB pixels the detector needs. Most RAW
files carry a full-size JPEG preview made by the camera: when the largest
embedded preview has at least :data:`MIN_PREVIEW_FRACTION` of the sensor's
long side it is decoded instead of the raw data (tens of milliseconds
instead of a demosaic); otherwise LibRaw demosaics at half size. Either way
the orientation comes from the RAW's own metadata (LibRaw's ``flip``), and
boxes are reported in the RAW's full upright size, so a RAW and its JPEG
twin get comparable faces. A file LibRaw cannot open raises ``ImageError``
with LibRaw's reason.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from photosort.media.errors import ErrorKind, ImageError

RAW_EXTENSIONS = frozenset({".cr2", ".cr3", ".nef", ".arw", ".dng", ".orf", ".rw2", ".raf", ".pef"})
MIN_PREVIEW_FRACTION = 0.5
_FLIP_TO_ORIENTATION = {0: 1, 3: 3, 5: 8, 6: 6}


def is_raw_path(path: str | os.PathLike[str]) -> bool:
    return os.path.splitext(os.fspath(path))[1].lower() in RAW_EXTENSIONS


def _open(path: Path):
    import rawpy

    try:
        return rawpy.imread(str(path))
    except FileNotFoundError as exc:
        raise ImageError(path, "file vanished", ErrorKind.MISSING) from exc
    except (rawpy.LibRawError, OSError, ValueError) as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ImageError(path, f"RAW file LibRaw cannot open ({detail or type(exc).__name__})",
                         ErrorKind.CORRUPT) from exc


def raw_header(path: str | os.PathLike[str]) -> tuple[bytes | None, tuple[int, int], int]:
    """(embedded XMP or None, stored (width, height), EXIF-style orientation) of a RAW file."""
    path = Path(path)
    with _open(path) as raw:
        sizes = raw.sizes
        orientation = _FLIP_TO_ORIENTATION.get(sizes.flip, 1)
    return _tiff_xmp(path), (sizes.width, sizes.height), orientation


def _tiff_xmp(path: Path) -> bytes | None:
    """XMP from a TIFF-based RAW's IFD0 (tag 700), read by Pillow's TIFF parser; None otherwise."""
    from PIL import Image

    try:
        with Image.open(path, formats=("TIFF",)) as im:
            data = im.tag_v2.get(700)
    except Exception:
        return None
    return bytes(data) if isinstance(data, (bytes, tuple)) else (data.encode() if isinstance(data, str) else None)


def load_raw(path: str | os.PathLike[str], max_side: int | None = None):
    """A :class:`~photosort.media.decode.LoadedImage` of the RAW at ``path`` (module docstring)."""
    import rawpy
    from PIL import Image

    from photosort.media.convert import apply_orientation, oriented_size
    from photosort.media.decode import MAX_PIXELS, RESAMPLE, LoadedImage, _target_size

    path = Path(path)
    with _open(path) as raw:
        sizes = raw.sizes
        full = (sizes.width, sizes.height)
        if sizes.width * sizes.height > MAX_PIXELS:
            raise ImageError(path, "image too large", ErrorKind.TOO_LARGE)
        orientation = _FLIP_TO_ORIENTATION.get(sizes.flip, 1)
        im = None
        try:
            thumb = raw.extract_thumb()
        except (rawpy.LibRawError, ValueError):
            thumb = None
        if thumb is not None and thumb.format == rawpy.ThumbFormat.JPEG:
            try:
                preview = Image.open(io.BytesIO(thumb.data))
                if max(preview.size) >= MIN_PREVIEW_FRACTION * max(full):
                    preview.draft("RGB", _target_size(preview.size, max_side))
                    im = preview.convert("RGB")
            except Exception:
                im = None
        if im is None:
            try:
                pixels = raw.postprocess(half_size=True, use_camera_wb=True, output_bps=8,
                                         user_flip=0)
            except (rawpy.LibRawError, ValueError, MemoryError) as exc:
                raise ImageError(path, f"RAW data LibRaw cannot decode ({exc})", ErrorKind.CORRUPT) from exc
            im = Image.fromarray(pixels)
    target = _target_size(im.size, max_side)
    if im.size != target:
        im = im.resize(target, RESAMPLE)
    pixels = np.array(apply_orientation(im, orientation), dtype=np.uint8)
    return LoadedImage(pixels=pixels, scale=max(im.size) / max(full),
                       original_size=oriented_size(full, orientation), format="RAW")
