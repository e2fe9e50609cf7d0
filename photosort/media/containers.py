"""Cheap checks on a file's raw bytes, made before or instead of decoding.

* :func:`unsupported_format_name` names well-known formats we do not decode
  (JPEG XL, GIF, video...) and :func:`photo_format_name` the ones we do, so a
  file Pillow cannot identify gets an accurate error message.
* :func:`isobmff_truncated` detects HEIF/AVIF files cut short: libheif decodes
  those silently with grey blocks where data is missing, so the file's own box
  sizes are checked against its length instead. :func:`riff_truncated` does
  the same for WebP, whose decoder only says "could not create decoder object".
"""

from __future__ import annotations

import struct
from typing import BinaryIO

_JXL_CONTAINER = b"\x00\x00\x00\x0cJXL \r\n\x87\n"
_JXL_CODESTREAM = b"\xff\x0a"
_VIDEO_BRANDS = {b"qt  ", b"isom", b"iso2", b"mp41", b"mp42", b"M4V ", b"3gp4", b"3gp5", b"3g2a", b"avc1"}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_PHOTO_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"II+\x00", "TIFF"),
    (b"BM", "BMP"),
)
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (_JXL_CONTAINER, "JPEG XL"),
    (_JXL_CODESTREAM, "JPEG XL"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"8BPS", "Photoshop PSD"),
    (b"%PDF", "PDF"),
    (b"\x1aE\xdf\xa3", "video (Matroska/WebM)"),
)

HEAD_SIZE = 32
"""How many leading bytes the format checks here need."""


def unsupported_format_name(head: bytes) -> str | None:
    """A readable name for a recognised format we cannot decode, else None."""
    for signature, name in _SIGNATURES:
        if head.startswith(signature):
            return name
    if head[4:8] == b"ftyp" and head[8:12] in _VIDEO_BRANDS:
        return "video"
    return None


def photo_format_name(head: bytes) -> str | None:
    """The name of the photo format the bytes claim to be (one we decode), else None."""
    for signature, name in _PHOTO_SIGNATURES:
        if head.startswith(signature):
            return name
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "WebP"
    if is_isobmff(head):
        if head[8:12] in _HEIF_BRANDS:
            return "HEIF"
        if head[8:12] in _AVIF_BRANDS:
            return "AVIF"
    return None


def is_isobmff(head: bytes) -> bool:
    """Whether the bytes start an ISO base media file (HEIF, AVIF, MP4...)."""
    return head[4:8] == b"ftyp"


def riff_truncated(head: bytes, file_size: int) -> bool:
    """Whether a RIFF file (WebP) is shorter than its header says."""
    if not head.startswith(b"RIFF") or len(head) < 8:
        return False
    return struct.unpack("<I", head[4:8])[0] + 8 > file_size


def isobmff_truncated(f: BinaryIO, file_size: int) -> bool:
    """Whether the top-level boxes of an ISO base media file run past its end.

    Walks box headers only (a few small reads); leaves ``f`` at offset 0.
    """
    offset = 0
    try:
        while offset < file_size:
            f.seek(offset)
            header = f.read(16)
            if len(header) < 8:
                return True
            size = struct.unpack(">I", header[:4])[0]
            if size == 1:  # 64-bit size follows the type
                if len(header) < 16:
                    return True
                size = struct.unpack(">Q", header[8:16])[0]
            elif size == 0:  # box extends to the end of the file
                return False
            if size < 8:
                return False  # malformed; leave the verdict to the decoder
            offset += size
        return offset > file_size
    finally:
        f.seek(0)
