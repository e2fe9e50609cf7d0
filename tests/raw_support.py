"""Making DNG files for the RAW tests: a real photo mosaicked into an RGGB Bayer pattern by pidng,
optionally with the photo as the camera's full-size JPEG preview (a second IFD, as cameras do)."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
from PIL import Image


def make_dng(upright: Image.Image, path: Path, *, orientation: int = 1, preview: bool = False) -> Path:
    """A DNG at ``path`` that shows ``upright`` (stored turned for ``orientation`` 1, 3, 6 or 8)."""
    from pidng.core import RAW2DNG, DNGTags, Tag
    from pidng.defs import CFAPattern, CalibrationIlluminant, DNGVersion, PhotometricInterpretation

    store = {1: None, 3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}
    stored = upright if store[orientation] is None else upright.transpose(store[orientation])
    rgb = np.asarray(stored.convert("RGB")).astype(np.uint16)
    h, w = (rgb.shape[0] // 2) * 2, (rgb.shape[1] // 2) * 2
    rgb = rgb[:h, :w]
    bayer = np.zeros((h, w), np.uint16)
    bayer[0::2, 0::2] = rgb[0::2, 0::2, 0]
    bayer[0::2, 1::2] = rgb[0::2, 1::2, 1]
    bayer[1::2, 0::2] = rgb[1::2, 0::2, 1]
    bayer[1::2, 1::2] = rgb[1::2, 1::2, 2]
    t = DNGTags()
    t.set(Tag.ImageWidth, w)
    t.set(Tag.ImageLength, h)
    t.set(Tag.TileWidth, w)
    t.set(Tag.TileLength, h)
    t.set(Tag.Orientation, orientation)
    t.set(Tag.PhotometricInterpretation, PhotometricInterpretation.Color_Filter_Array)
    t.set(Tag.SamplesPerPixel, 1)
    t.set(Tag.BitsPerSample, 12)
    t.set(Tag.CFARepeatPatternDim, [2, 2])
    t.set(Tag.CFAPattern, CFAPattern.RGGB)
    t.set(Tag.BlackLevel, 0)
    t.set(Tag.WhiteLevel, 4095)
    t.set(Tag.ColorMatrix1, [[1, 1], [0, 1], [0, 1], [0, 1], [1, 1], [0, 1], [0, 1], [0, 1], [1, 1]])
    t.set(Tag.CalibrationIlluminant1, CalibrationIlluminant.D65)
    t.set(Tag.AsShotNeutral, [[1, 1], [1, 1], [1, 1]])
    t.set(Tag.BaselineExposure, [[0, 1]])
    t.set(Tag.Make, "PhotoSort")
    t.set(Tag.Model, "Test DNG")
    t.set(Tag.DNGVersion, DNGVersion.V1_4)
    writer = RAW2DNG()
    writer.options(t, path="", compress=False)
    linear = np.round(((bayer / 255.0) ** 2.2) * 4095).astype(np.uint16)  # cameras record linear light
    data = bytearray(writer.convert(linear))
    if preview:
        buffer = io.BytesIO()
        stored.convert("RGB").save(buffer, "JPEG", quality=92)
        data = _append_preview(data, buffer.getvalue(), stored.size)
    path.write_bytes(bytes(data))
    return path


def _append_preview(data: bytearray, jpeg: bytes, size: tuple[int, int]) -> bytearray:
    """Chain a JPEG-compressed, reduced-resolution IFD after IFD0 (the camera-preview layout)."""
    count = struct.unpack_from("<H", data, 8)[0]
    next_pointer = 8 + 2 + count * 12
    if len(data) % 2:
        data += b"\0"
    jpeg_at = len(data)
    data += jpeg
    if len(data) % 2:
        data += b"\0"
    ifd_at = len(data)
    tags = [(254, 4, 1, 1), (256, 4, 1, size[0]), (257, 4, 1, size[1]), (259, 3, 1, 7), (262, 3, 1, 6),
            (273, 4, 1, jpeg_at), (277, 3, 1, 3), (278, 4, 1, size[1]), (279, 4, 1, len(jpeg))]
    bits_at = ifd_at + 2 + (len(tags) + 1) * 12 + 4
    tags = sorted(tags + [(258, 3, 3, bits_at)])
    ifd = struct.pack("<H", len(tags))
    for tag, kind, n, value in tags:
        ifd += struct.pack("<HHIHH", tag, kind, n, value, 0) if kind == 3 and n == 1 else \
            struct.pack("<HHII", tag, kind, n, value)
    data += ifd + struct.pack("<I", 0) + struct.pack("<HHH", 8, 8, 8)
    struct.pack_into("<I", data, next_pointer, ifd_at)
    return data
