"""Reading face regions from XMP: MWG Regions and Microsoft People Tagging.

Where the XMP comes from: a sidecar beside the photo (``photo.jpg.xmp`` or
``photo.xmp``, either case) or the photo itself (JPEG APP1, PNG iTXt, WebP,
TIFF tag 700, HEIF). When both have regions the sidecar wins (the caller is
told, to log it), as digiKam and Lightroom write their changes there.

What is read:

* MWG (``mwg-rs:Regions``): ``RegionList`` items with ``Type=Face`` and a
  ``Name``; ``stArea:x, y`` is the box **centre**, ``w, h`` its size, all
  normalised; ``AppliedToDimensions`` is the image size the regions were made for.
* Microsoft (``MP:RegionInfo`` / ``MPRI:Regions``): ``MPReg:Rectangle``
  ``"x, y, w, h"`` with x, y the **top-left**, normalised, and
  ``MPReg:PersonDisplayName``. Read only when the file has no MWG face
  regions (digiKam and ExifToolGUI do the same): tools that write both write
  the same people twice.

Both apply to the *stored* pixels, before the EXIF orientation (MWG
Guidelines 2.0, §5.9): :func:`to_upright` turns a region into the upright
frame the catalog uses. Parsing goes through ``defusedxml`` (no entities, no
DTDs) with a size limit; everything wrong with the input becomes an
:class:`XmpError` or a note, never an exception the scan has to know about.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

MAX_XMP_BYTES = 4 * 1024 * 1024
"""Largest XMP packet or sidecar read (embedded XMP is at most ~64 KB, extended a few MB)."""

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS = {
    "x": "adobe:ns:meta/",
    "rdf": RDF,
    "mwg-rs": "http://www.metadataworkinggroup.com/schemas/regions/",
    "stArea": "http://ns.adobe.com/xmp/sType/Area#",
    "stDim": "http://ns.adobe.com/xap/1.0/sType/Dimensions#",
    "MP": "http://ns.microsoft.com/photo/1.2/",
    "MPRI": "http://ns.microsoft.com/photo/1.2/t/RegionInfo#",
    "MPReg": "http://ns.microsoft.com/photo/1.2/t/Region#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
    "digiKam": "http://www.digikam.org/ns/1.0/",
    "lr": "http://ns.adobe.com/lightroom/1.0/",
}
MAX_NAME = 200
_BAD_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f/\\]")


def q(prefix: str, local: str) -> str:
    """The ElementTree name ``{uri}local`` of ``prefix:local``."""
    return f"{{{NS[prefix]}}}{local}"


class XmpError(Exception):
    """XMP that cannot be used, with a reason fit for the scan's error list."""


@dataclass(frozen=True)
class Region:
    """A named face region, normalised (0..1) in the frame it was read in."""

    name: str
    x1: float
    y1: float
    x2: float
    y2: float
    source: str = "mwg"  # mwg | mp


@dataclass
class FaceTags:
    """The named face regions of one XMP packet, where they came from, and notes on what was skipped."""

    regions: list[Region] = field(default_factory=list)
    applied_to: tuple[float, float] | None = None
    origin: str = ""
    notes: list[str] = field(default_factory=list)


def sidecar_paths(photo: str | os.PathLike[str]) -> list[Path]:
    """The sidecars that may belong to ``photo``, in order of preference, that exist."""
    photo = Path(photo)
    names = [photo.name + ext for ext in (".xmp", ".XMP")] + [photo.stem + ext for ext in (".xmp", ".XMP")]
    found, seen = [], set()
    for name in names:
        candidate = photo.with_name(name)
        key = os.path.normcase(str(candidate))
        if key not in seen and candidate.is_file():
            seen.add(key)
            found.append(candidate)
    return found


def read_file_limited(path: Path) -> bytes:
    """A sidecar's bytes, refusing ones above :data:`MAX_XMP_BYTES`."""
    try:
        size = path.stat().st_size
        if size > MAX_XMP_BYTES:
            raise XmpError(f"{path.name}: XMP sidecar too large ({size // 1024} KB; limit "
                           f"{MAX_XMP_BYTES // 1024 // 1024} MB), ignored")
        return path.read_bytes()
    except OSError as exc:
        raise XmpError(f"{path.name}: cannot read the XMP sidecar ({exc.strerror or exc})") from exc


def parse_xmp(data: bytes | str, what: str = "XMP") -> Element:
    """The root element of an XMP packet, parsed safely; :class:`XmpError` when unusable."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_XMP_BYTES:
        raise XmpError(f"{what} too large ({len(data) // 1024} KB), ignored")
    data = data.strip(b"\x00 \t\r\n")
    if not data.lstrip(b"\xef\xbb\xbf").startswith(b"<"):
        raise XmpError(f"{what} is not XML, ignored")
    try:
        return SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise XmpError(f"{what} rejected: it declares entities or a DTD ({type(exc).__name__})") from exc
    except ParseError as exc:
        raise XmpError(f"{what} is not well-formed XML ({exc}), ignored") from exc


def descriptions(root: Element) -> list[Element]:
    """Every ``rdf:Description`` directly under ``rdf:RDF``."""
    rdf = root if root.tag == q("rdf", "RDF") else root.find(f".//{q('rdf', 'RDF')}")
    return [] if rdf is None else rdf.findall(q("rdf", "Description"))


def struct_node(node: Element, name: str) -> Element | None:
    """The element holding the fields of struct property ``name`` (any RDF form)."""
    child = node.find(name)
    if child is None:
        return None
    inner = child.find(q("rdf", "Description"))
    return child if inner is None else inner


def item_node(li: Element) -> Element:
    inner = li.find(q("rdf", "Description"))
    return li if inner is None else inner


def prop(node: Element, name: str) -> str | None:
    """A simple property as an attribute or a child element's text."""
    value = node.get(name)
    if value is None:
        child = node.find(name)
        if child is not None:
            value = child.text or ""
            alt = child.find(f"{q('rdf', 'Alt')}/{q('rdf', 'li')}")  # a lang-alt name
            if alt is not None:
                value = alt.text or ""
    return None if value is None else value.strip()


def list_items(node: Element | None) -> list[Element]:
    """The ``rdf:li`` of a Bag/Seq/Alt directly inside ``node``."""
    if node is None:
        return []
    return [li for container in node for li in container.findall(q("rdf", "li"))]


def clean_name(raw: str | None) -> tuple[str | None, str | None]:
    """(name, None) for a usable person name, or (None, why) for one that is not."""
    name = (raw or "").strip()
    if not name:
        return None, None
    if _BAD_NAME.search(name):
        return None, f"region name {name!r} contains control characters or path separators, skipped"
    if len(name) > MAX_NAME:
        return None, f"region name of {len(name)} characters is too long, skipped"
    return name, None


def _number(text: str | None) -> float:
    value = float(text) if text is not None else math.nan
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def face_tags(root: Element, origin: str = "") -> FaceTags:
    """The named face regions of a parsed packet: MWG, else Microsoft."""
    tags = FaceTags(origin=origin)
    mwg = [d for d in (struct_node(desc, q("mwg-rs", "Regions")) for desc in descriptions(root)) if d is not None]
    for regions in mwg:
        dims = struct_node(regions, q("mwg-rs", "AppliedToDimensions"))
        if dims is not None:
            try:
                tags.applied_to = (_number(prop(dims, q("stDim", "w"))), _number(prop(dims, q("stDim", "h"))))
            except ValueError:
                tags.notes.append("MWG AppliedToDimensions unreadable, ignored")
        for li in list_items(regions.find(q("mwg-rs", "RegionList"))):
            _mwg_region(item_node(li), tags)
    if not tags.regions:
        for desc in descriptions(root):
            info = struct_node(desc, q("MP", "RegionInfo"))
            if info is not None:
                for li in list_items(info.find(q("MPRI", "Regions"))):
                    _mp_region(item_node(li), tags)
    return tags


def _mwg_region(node: Element, tags: FaceTags) -> None:
    kind = prop(node, q("mwg-rs", "Type"))
    if kind is not None and kind.lower() != "face":
        return
    name, why = clean_name(prop(node, q("mwg-rs", "Name")))
    if why:
        tags.notes.append(why)
    area = struct_node(node, q("mwg-rs", "Area"))
    if name is None or area is None:
        return
    try:
        x, y, w, h = (_number(prop(area, q("stArea", k))) for k in "xywh")
    except ValueError:
        tags.notes.append(f"region of {name!r} has an unreadable area, skipped")
        return
    unit = (prop(area, q("stArea", "unit")) or "normalized").lower()
    if unit == "pixel":
        if not tags.applied_to:
            tags.notes.append(f"region of {name!r} is in pixels with no image size, skipped")
            return
        aw, ah = tags.applied_to
        x, y, w, h = x / aw, y / ah, w / aw, h / ah
    _add(tags, name, x - w / 2, y - h / 2, x + w / 2, y + h / 2, "mwg")


def _mp_region(node: Element, tags: FaceTags) -> None:
    name, why = clean_name(prop(node, q("MPReg", "PersonDisplayName")))
    if why:
        tags.notes.append(why)
    rect = prop(node, q("MPReg", "Rectangle"))
    if name is None or rect is None:
        return
    try:
        x, y, w, h = (_number(v) for v in rect.split(","))
    except ValueError:
        tags.notes.append(f"region of {name!r} has an unreadable rectangle {rect!r}, skipped")
        return
    _add(tags, name, x, y, x + w, y + h, "mp")


def _add(tags: FaceTags, name: str, x1: float, y1: float, x2: float, y2: float, source: str) -> None:
    """Add a region clipped to the image; one mostly outside it, or empty, is skipped."""
    area = (x2 - x1) * (y2 - y1)
    cx1, cy1, cx2, cy2 = max(0.0, x1), max(0.0, y1), min(1.0, x2), min(1.0, y2)
    inside = max(0.0, cx2 - cx1) * max(0.0, cy2 - cy1)
    if area <= 0 or inside < 0.5 * area:
        tags.notes.append(f"region of {name!r} lies outside the image, skipped")
        return
    tags.regions.append(Region(name, cx1, cy1, cx2, cy2, source))


# -- orientation ------------------------------------------------------------------
_POINT = {
    1: lambda x, y: (x, y),
    2: lambda x, y: (1 - x, y),
    3: lambda x, y: (1 - x, 1 - y),
    4: lambda x, y: (x, 1 - y),
    5: lambda x, y: (y, x),
    6: lambda x, y: (1 - y, x),
    7: lambda x, y: (1 - y, 1 - x),
    8: lambda x, y: (y, 1 - x),
}
_INVERSE = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 8, 7: 7, 8: 6}


def _map(box: tuple[float, float, float, float], orientation: int) -> tuple[float, float, float, float]:
    f = _POINT.get(orientation, _POINT[1])
    (ax, ay), (bx, by) = f(box[0], box[1]), f(box[2], box[3])
    return (min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))


def to_upright(box: tuple[float, float, float, float], orientation: int) -> tuple[float, float, float, float]:
    """A normalised box in stored pixels → the same box in the upright (displayed) image."""
    return _map(box, orientation)


def to_stored(box: tuple[float, float, float, float], orientation: int) -> tuple[float, float, float, float]:
    """A normalised box in the upright image → the stored pixels the XMP describes."""
    return _map(box, _INVERSE.get(orientation, 1))
