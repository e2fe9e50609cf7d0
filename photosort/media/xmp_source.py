"""A photo's face tags, from its sidecar or its own XMP, in the upright frame the catalog uses.

:func:`load_face_tags` finds the XMP (sidecar first), reads the regions,
checks them against the photo's stored size (``AppliedToDimensions``: a
region made for a resized copy with the same aspect ratio still fits, since
it is normalised; one made before a crop does not and is skipped) and turns
them upright through the EXIF orientation. Problems with the XMP are
returned as ``errors`` (for the scan's error list), smaller ones as ``notes``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from photosort.core.records import Box
from photosort.media.xmp import FaceTags, XmpError, face_tags, parse_xmp, read_file_limited, sidecar_paths, to_upright

ASPECT_TOLERANCE = 0.01


@dataclass
class UprightTag:
    """A named face region in upright original pixels."""

    name: str
    box: Box


@dataclass
class PhotoTags:
    """What :func:`load_face_tags` found for one photo."""

    tags: list[UprightTag] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def embedded_xmp(path: str | os.PathLike[str]) -> tuple[bytes | None, tuple[int, int], int]:
    """(embedded XMP packet or None, stored (width, height), EXIF orientation) from the header."""
    from photosort.media.decode import open_image
    from photosort.media.convert import read_orientation

    with open_image(Path(path)) as im:
        data = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
        if data is None and im.format == "TIFF":
            data = getattr(im, "tag_v2", {}).get(700)
        if isinstance(data, str):
            data = data.encode("utf-8")
        if isinstance(data, tuple):  # Pillow may hand TIFF byte tags over as tuples
            data = bytes(data)
        return data, im.size, read_orientation(im)


def photo_header(path: str | os.PathLike[str]) -> tuple[bytes | None, tuple[int, int], int]:
    """:func:`embedded_xmp` for any photo PhotoSort reads (RAW files through LibRaw)."""
    from photosort.media.raw import is_raw_path, raw_header

    return raw_header(path) if is_raw_path(path) else embedded_xmp(path)


def load_face_tags(path: str | os.PathLike[str], *, header=None) -> PhotoTags:
    """The named faces of ``path`` in upright pixels (see the module docstring).

    ``header`` is ``(embedded packet, stored size, orientation)`` when the caller
    has it already (a RAW file, read by LibRaw); otherwise the photo's header is read.
    """
    result = PhotoTags()
    path = Path(path)
    try:
        packet, size, orientation = header if header is not None else photo_header(path)
    except Exception as exc:  # the decoder reports an unreadable photo; here it just has no tags
        result.notes.append(f"no XMP read: {getattr(exc, 'reason', exc)}")
        return result
    found: list[FaceTags] = []
    for sidecar in sidecar_paths(path):
        try:
            tags = face_tags(parse_xmp(read_file_limited(sidecar), f"sidecar {sidecar.name}"), sidecar.name)
        except XmpError as exc:
            result.errors.append(str(exc))
            continue
        found.append(tags)
    if packet:
        try:
            found.append(face_tags(parse_xmp(packet, "embedded XMP"), "embedded XMP"))
        except XmpError as exc:
            result.errors.append(str(exc))
    with_regions = [t for t in found if t.regions]
    for t in found:
        result.notes.extend(f"{t.origin}: {n}" for n in t.notes)
    if not with_regions:
        return result
    chosen = with_regions[0]
    if len(with_regions) > 1:
        result.notes.append(f"face regions in {chosen.origin} and {with_regions[1].origin}: "
                            f"using {chosen.origin}")
    if not _fits(chosen, size, result):
        return result
    width, height = (size[1], size[0]) if orientation >= 5 else size
    for region in chosen.regions:
        x1, y1, x2, y2 = to_upright((region.x1, region.y1, region.x2, region.y2), orientation)
        result.tags.append(UprightTag(region.name, Box(x1 * width, y1 * height, x2 * width, y2 * height)))
    return result


def _fits(tags: FaceTags, size: tuple[int, int], result: PhotoTags) -> bool:
    if not tags.applied_to or tags.applied_to == tuple(float(v) for v in size):
        return True
    aw, ah = tags.applied_to
    if aw <= 0 or ah <= 0:
        result.notes.append(f"{tags.origin}: AppliedToDimensions {aw:g}×{ah:g} invalid, ignored")
        return True
    made, now = aw / ah, size[0] / size[1]
    if abs(made - now) <= ASPECT_TOLERANCE * now:
        result.notes.append(f"{tags.origin}: regions made for {aw:g}×{ah:g}, photo is "
                            f"{size[0]}×{size[1]} (resized): rescaled")
        return True
    result.errors.append(f"{tags.origin}: face regions made for a {aw:g}×{ah:g} image but the photo is "
                         f"{size[0]}×{size[1]} (cropped?): regions skipped")
    return False
