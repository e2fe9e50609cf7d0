"""Writing face tags into an XMP packet, merged with whatever is already there.

:func:`merge_face_tags` takes an existing packet (a sidecar's, or the photo's
own; or none) and returns a new one with, for every named face:

* an MWG region (``mwg-rs:Regions``: ``Type=Face``, ``Name``, ``stArea`` centre
  and size, ``AppliedToDimensions``), the format digiKam, Lightroom, Picasa
  and Immich read;
* a Microsoft People Tagging region (``MPReg:Rectangle`` top-left and size,
  ``PersonDisplayName``), for Windows;
* the name in ``Iptc4xmpExt:PersonInImage`` and ``dc:subject``, ``People/<Name>``
  in ``digiKam:TagsList`` and ``People|<Name>`` in ``lr:hierarchicalSubject``.

Everything else is kept: other properties and namespaces, keywords, ratings,
and the regions of people PhotoSort does not write (other names, not
overlapping one of ours). A region of one of our names, or on one of our
faces, is replaced, so writing twice changes nothing. Boxes are normalised
in the *stored* frame (see :func:`photosort.media.xmp.to_stored`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.etree import ElementTree as ET
from xml.etree.ElementTree import Element, SubElement

import defusedxml.ElementTree as SafeET

from photosort.media.xmp import NS, descriptions, item_node, list_items, parse_xmp, prop, q, struct_node

XPACKET_BEGIN = "<?xpacket begin=\"\ufeff\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
XPACKET_END = "\n<?xpacket end=\"w\"?>"
SAME_FACE_IOU = 0.5


@dataclass(frozen=True)
class TagFace:
    """One named face to write: normalised box in stored pixels."""

    name: str
    x1: float
    y1: float
    x2: float
    y2: float


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _register(data: bytes | None) -> None:
    """Keep the prefixes: ours, and those the existing packet used."""
    for prefix, uri in NS.items():
        ET.register_namespace(prefix, uri)
    if not data:
        return
    for _, (prefix, uri) in SafeET.iterparse(io.BytesIO(data), events=("start-ns",)):
        if prefix and not prefix.startswith("ns") and uri not in NS.values():
            try:
                ET.register_namespace(prefix, uri)
            except ValueError:
                pass


def _float(text: str | None) -> float:
    try:
        return float(text) if text is not None else float("nan")
    except ValueError:
        return float("nan")


def _ours(name: str | None, box: tuple[float, ...], faces: list[TagFace]) -> bool:
    names = {f.name.casefold() for f in faces}
    if name is not None and name.strip().casefold() in names:
        return True
    return any(_iou(box, (f.x1, f.y1, f.x2, f.y2)) >= SAME_FACE_IOU for f in faces)


def _take(desc_list: list[Element], name: str) -> tuple[Element | None, Element | None, int]:
    """(description holding property ``name``, the property element, its index), removed from it."""
    for desc in desc_list:
        for index, child in enumerate(desc):
            if child.tag == name:
                desc.remove(child)
                return desc, child, index
    return None, None, -1


def _mwg_box(item: Element) -> tuple[str | None, tuple[float, ...]]:
    area = struct_node(item, q("mwg-rs", "Area"))
    x, y, w, h = ((_float(prop(area, q("stArea", k))) for k in "xywh") if area is not None
                  else (float("nan"),) * 4)
    return prop(item, q("mwg-rs", "Name")), (x - w / 2, y - h / 2, x + w / 2, y + h / 2)


def _mp_box(item: Element) -> tuple[str | None, tuple[float, ...]]:
    parts = [_float(v) for v in (prop(item, q("MPReg", "Rectangle")) or "").split(",")]
    box = (parts[0], parts[1], parts[0] + parts[2], parts[1] + parts[3]) if len(parts) == 4 else (float("nan"),) * 4
    return prop(item, q("MPReg", "PersonDisplayName")), box


def _kept(old: Element | None, bag: str, read, faces: list[TagFace]) -> list[Element]:
    """The list items of the old regions struct ``old`` that are not ours (``read``: item → name, box)."""
    if old is None:
        return []
    node = old.find(q("rdf", "Description"))
    node = old if node is None else node
    return [li for li in list_items(node.find(bag)) if not _ours(*read(item_node(li)), faces)]


def _resource(parent: Element, name: str, index: int = -1) -> Element:
    el = SubElement(parent, name)
    el.set(q("rdf", "parseType"), "Resource")
    if index >= 0:  # back where the old value was, so that rewriting changes nothing
        parent.remove(el)
        parent.insert(index, el)
    return el


def _text(parent: Element, name: str, value: str) -> None:
    SubElement(parent, name).text = value


def _num(v: float) -> str:
    return f"{v:.6f}".rstrip("0").rstrip(".") if v else "0"


def _add_to_list(desc_list: list[Element], target: Element, name: str, container: str,
                 values: list[str]) -> None:
    """Add ``values`` missing from list property ``name`` (kept where it is, or created in ``target``)."""
    holder = next((d.find(name) for d in desc_list if d.find(name) is not None), None)
    if holder is None:
        holder = SubElement(target, name)
    box = next(iter(holder), None)
    if box is None:
        box = SubElement(holder, q("rdf", container))
    present = {(li.text or "").strip().casefold() for li in box.findall(q("rdf", "li"))}
    for value in values:
        if value.casefold() not in present:
            SubElement(box, q("rdf", "li")).text = value
            present.add(value.casefold())


def merge_face_tags(existing: bytes | None, faces: list[TagFace], applied_to: tuple[int, int]) -> bytes:
    """A new XMP packet: ``existing`` (may be None) with ``faces`` written in (module docstring)."""
    root = parse_xmp(existing) if existing else Element(q("x", "xmpmeta"))  # XmpError when unusable
    _register(existing)
    rdf = root if root.tag == q("rdf", "RDF") else root.find(f".//{q('rdf', 'RDF')}")
    if rdf is None:
        rdf = SubElement(root, q("rdf", "RDF"))
    desc_list = descriptions(root)
    if not desc_list:
        target = SubElement(rdf, q("rdf", "Description"))
        target.set(q("rdf", "about"), "")
        desc_list = [target]
    mwg_desc, old_mwg, mwg_at = _take(desc_list, q("mwg-rs", "Regions"))
    mp_desc, old_mp, mp_at = _take(desc_list, q("MP", "RegionInfo"))
    target = next((d for d in (mwg_desc, mp_desc) if d is not None), desc_list[0])
    if mp_desc is not None and mp_desc is mwg_desc and mp_at >= mwg_at:
        mp_at += 1  # the MWG regions go back in first

    regions = _resource(target, q("mwg-rs", "Regions"), mwg_at if mwg_desc is not None else -1)
    dims = _resource(regions, q("mwg-rs", "AppliedToDimensions"))
    _text(dims, q("stDim", "w"), str(applied_to[0]))
    _text(dims, q("stDim", "h"), str(applied_to[1]))
    _text(dims, q("stDim", "unit"), "pixel")
    bag = SubElement(SubElement(regions, q("mwg-rs", "RegionList")), q("rdf", "Bag"))
    bag.extend(_kept(old_mwg, q("mwg-rs", "RegionList"), _mwg_box, faces))
    for f in faces:
        li = _resource(bag, q("rdf", "li"))
        area = _resource(li, q("mwg-rs", "Area"))
        for key, value in (("x", (f.x1 + f.x2) / 2), ("y", (f.y1 + f.y2) / 2),
                           ("w", f.x2 - f.x1), ("h", f.y2 - f.y1)):
            _text(area, q("stArea", key), _num(value))
        _text(area, q("stArea", "unit"), "normalized")
        _text(li, q("mwg-rs", "Name"), f.name)
        _text(li, q("mwg-rs", "Type"), "Face")

    info = _resource(mp_desc if mp_desc is not None else target, q("MP", "RegionInfo"),
                     mp_at if mp_desc is not None else -1)
    mp_bag = SubElement(SubElement(info, q("MPRI", "Regions")), q("rdf", "Bag"))
    mp_bag.extend(_kept(old_mp, q("MPRI", "Regions"), _mp_box, faces))
    for f in faces:
        li = _resource(mp_bag, q("rdf", "li"))
        _text(li, q("MPReg", "PersonDisplayName"), f.name)
        _text(li, q("MPReg", "Rectangle"),
              ", ".join(_num(v) for v in (f.x1, f.y1, f.x2 - f.x1, f.y2 - f.y1)))

    names = sorted({f.name for f in faces}, key=str.casefold)
    _add_to_list(desc_list, target, q("Iptc4xmpExt", "PersonInImage"), "Bag", names)
    _add_to_list(desc_list, target, q("dc", "subject"), "Bag", names)
    _add_to_list(desc_list, target, q("digiKam", "TagsList"), "Seq", [f"People/{n}" for n in names])
    _add_to_list(desc_list, target, q("lr", "hierarchicalSubject"), "Bag", [f"People|{n}" for n in names])
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode")
    return (XPACKET_BEGIN + body + XPACKET_END).encode("utf-8")



