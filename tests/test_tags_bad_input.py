"""Bad face-tag input: a clear message, no crash, the photo still analyzed, nothing written."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image

from photosort.services.edits import PeopleEditor
from photosort.media.xmp_source import load_face_tags

HEAD = ("<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
        "<rdf:Description rdf:about='' xmlns:mwg-rs='http://www.metadataworkinggroup.com/schemas/regions/'"
        " xmlns:stArea='http://ns.adobe.com/xmp/sType/Area#' xmlns:stDim='http://ns.adobe.com/xap/1.0/sType/Dimensions#'>"
        "<mwg-rs:Regions rdf:parseType='Resource'>{dims}<mwg-rs:RegionList><rdf:Bag>{items}</rdf:Bag>"
        "</mwg-rs:RegionList></mwg-rs:Regions></rdf:Description></rdf:RDF></x:xmpmeta>")
DIMS = "<mwg-rs:AppliedToDimensions stDim:w='{w}' stDim:h='{h}' stDim:unit='pixel'/>"


def region(name: str, x=0.5, y=0.5, w=0.2, h=0.2) -> str:
    return (f"<rdf:li><rdf:Description mwg-rs:Name='{name}' mwg-rs:Type='Face'>"
            f"<mwg-rs:Area stArea:x='{x}' stArea:y='{y}' stArea:w='{w}' stArea:h='{h}' stArea:unit='normalized'/>"
            "</rdf:Description></rdf:li>")


@pytest.fixture()
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "p.jpg"
    Image.new("RGB", (200, 100), (120, 90, 60)).save(path)
    return path


def _sidecar(photo: Path, text: str | bytes) -> None:
    data = text.encode("utf-8") if isinstance(text, str) else text
    photo.with_name(photo.name + ".xmp").write_bytes(data)


def test_a_good_sidecar_is_read_in_attribute_form(photo):
    _sidecar(photo, HEAD.format(dims=DIMS.format(w=200, h=100), items=region("Ann")))
    found = load_face_tags(photo)
    assert found.errors == []
    assert [(t.name, round(t.box.x1), round(t.box.y1), round(t.box.x2), round(t.box.y2))
            for t in found.tags] == [("Ann", 80, 40, 120, 60)]


@pytest.mark.parametrize("content, message", [
    (b"\x89PNG\r\n\x1a\n not xml at all", "is not XML"),
    ("<x:xmpmeta><rdf:RDF", "not well-formed"),
    ("<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;'>]><x>&b;</x>",
     "entities or a DTD"),
    ("<x>" + "<y/>" * (1_200_000) + "</x>", "too large"),
])
def test_broken_sidecars_give_a_clear_error(photo, content, message):
    _sidecar(photo, content)
    found = load_face_tags(photo)
    assert found.tags == []
    assert len(found.errors) == 1 and message in found.errors[0], found.errors


def test_bad_regions_are_skipped_with_a_note(photo):
    items = (region("Out", x=1.6, y=0.5) + region("bad&#x9;name") + region("../../etc") + region("Good")
             + region("Huge", w="nan"))
    _sidecar(photo, HEAD.format(dims=DIMS.format(w=200, h=100), items=items))
    found = load_face_tags(photo)
    assert [t.name for t in found.tags] == ["Good"]
    text = " ".join(found.notes)
    assert "'Out' lies outside the image" in text
    assert "control characters or path separators" in text
    assert "unreadable area" in text


def test_cropped_regions_are_skipped_resized_ones_rescaled(photo):
    _sidecar(photo, HEAD.format(dims=DIMS.format(w=400, h=200), items=region("Ann")))
    resized = load_face_tags(photo)
    assert [t.name for t in resized.tags] == ["Ann"] and "rescaled" in " ".join(resized.notes)
    _sidecar(photo, HEAD.format(dims=DIMS.format(w=300, h=100), items=region("Ann")))
    cropped = load_face_tags(photo)
    assert cropped.tags == [] and "cropped" in cropped.errors[0]


def test_scan_reports_a_bad_sidecar_and_still_analyzes_the_photo(tmp_path, data_dir, db_path):
    from photosort.services.analyze import Analyzer, AnalyzeSettings
    from photosort.services.scan import scan
    from photosort.store.db import Database

    lib = tmp_path / "lib"
    lib.mkdir()
    src = sorted((data_dir / "face_recognition_examples" / "obama").iterdir())[0]
    photo = lib / src.name
    photo.write_bytes(src.read_bytes())
    _sidecar(photo, "this is not xml")
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in lib.iterdir()}
    db = Database(db_path)
    summary = scan(db, [lib], analyzer=Analyzer(AnalyzeSettings()))
    assert summary.errors == [(str(photo), f"sidecar {photo.name}.xmp is not XML, ignored")]
    assert summary.faces_found == 1
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in lib.iterdir()} == before


def test_writing_over_a_broken_sidecar_or_a_bad_name_fails_cleanly(tmp_path, data_dir, db_path):
    from photosort.services.analyze import Analyzer, AnalyzeSettings
    from photosort.services.scan import scan
    from photosort.services.tags import write_tags
    from photosort.store.db import Database

    lib = tmp_path / "lib"
    lib.mkdir()
    for name in ("a.jpg", "b.jpg"):
        (lib / name).write_bytes(sorted((data_dir / "face_recognition_examples" / "obama").iterdir())[0].read_bytes())
    db = Database(db_path)
    scan(db, [lib], analyzer=Analyzer(AnalyzeSettings()))
    people = PeopleEditor(db)
    faces = {r["path"]: r["id"] for r in db.query("SELECT p.path, f.id FROM faces f JOIN photos p ON p.id = f.photo_id")}
    people.move_faces([faces[str(lib / "a.jpg")]], people.new_person([], "Barack"))
    people.move_faces([faces[str(lib / "b.jpg")]], people.new_person([], "Bad\x01Name"))
    (lib / "a.jpg.xmp").write_text("garbage, not XML")
    before = {p.name: p.read_bytes() for p in lib.iterdir()}
    summary = write_tags(db)
    reasons = dict(summary.failed)
    assert "is not XML" in reasons[str(lib / "a.jpg")]
    assert "control characters" in reasons[str(lib / "b.jpg")]
    assert summary.written == [] and summary.batch_id is None
    assert {p.name: p.read_bytes() for p in lib.iterdir()} == before  # nothing written, not even half
    embedded = write_tags(db, embedded=True)  # into the photo itself: the sidecar does not matter
    assert embedded.written == [str(lib / "a.jpg")]
    assert "control characters" in dict(embedded.failed)[str(lib / "b.jpg")]
    assert (lib / "b.jpg").read_bytes() == before["b.jpg"]

