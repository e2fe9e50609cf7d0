"""Write the names given in PhotoSort into the photos' XMP, for digiKam, Lightroom, Windows and ExifTool.

Default: an XMP **sidecar** beside the photo (``photo.jpg.xmp``, or the
``photo.xmp`` already there), merged with the sidecar's (or else the
photo's own) XMP; the photo's bytes are never touched. The sidecar is written
to a temporary file and renamed over the old one, so it is never half-written.

``embedded=True`` writes the XMP into JPEG, TIFF, PNG and WebP files
themselves through exiv2 (``pyexiv2``); HEIF and RAW files still get a
sidecar (exiv2 cannot write HEIF; a RAW is never rewritten). Rewriting an
original is the riskiest thing PhotoSort does, so it goes through the
organize journal like a move: the tagged file is written to a temporary
file, decoded and compared pixel for pixel with the original, then the
original is moved into a hidden ``.photosort-originals`` folder beside it and
the tagged file moved into its place — two journaled moves that
``photosort undo`` reverses, bringing the original back byte for byte.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from photosort.services.progress import CancelToken, Progress, ProgressEvent, no_progress
from photosort.store.db import Database

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
EMBEDDABLE = {".jpg", ".jpeg", ".jpe", ".jfif", ".tif", ".tiff", ".png", ".webp"}
ORIGINALS_DIR = ".photosort-originals"


class TagWriteError(Exception):
    """One photo's tags could not be written; the reason is user-facing."""


@dataclass
class WriteSummary:
    """What :func:`write_tags` did: every photo with named faces is in exactly one list."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    batch_id: int | None = None

    def describe(self) -> list[str]:
        lines = [f"wrote  {p}" for p in self.written]
        lines += [f"failed  {p}  [{why}]" for p, why in self.failed]
        lines.append(f"Total: {len(self.written)} written, {len(self.unchanged)} already up to date, "
                     f"{len(self.failed)} failed")
        return lines


@dataclass(frozen=True)
class NamedPhoto:
    """A photo with its named faces (upright original pixels)."""

    photo_id: int
    path: str
    width: int
    height: int
    faces: tuple[tuple[str, tuple[float, float, float, float]], ...]


def named_photos(db: Database, people: list[str] | None = None,
                 photo_ids: set[int] | None = None) -> list[NamedPhoto]:
    """Photos with faces of named, visible people (only ``people``' when given)."""
    from photosort.store.people import PeopleStore

    wanted = None
    if people:
        store = PeopleStore(db)
        wanted = set()
        for key in people:
            person = store.find(key)
            if person is None:
                raise KeyError(f"no such person: {key}")
            wanted.add(person.id)
    rows = db.query("SELECT ph.id, ph.path, ph.width, ph.height, pe.id AS pid, pe.name, f.x1, f.y1, f.x2, f.y2"
                    " FROM faces f JOIN photos ph ON ph.id = f.photo_id"
                    " JOIN face_person fp ON fp.face_id = f.id JOIN people pe ON pe.id = fp.person_id"
                    " WHERE pe.name IS NOT NULL AND pe.hidden = 0 AND ph.status = 'done'"
                    " ORDER BY ph.path, f.x1")
    photos: dict[int, list] = {}
    info: dict[int, tuple[str, int, int]] = {}
    for r in rows:
        if (wanted is not None and r["pid"] not in wanted) or (photo_ids is not None and r["id"] not in photo_ids):
            continue
        photos.setdefault(r["id"], []).append((r["name"], (r["x1"], r["y1"], r["x2"], r["y2"])))
        info[r["id"]] = (r["path"], r["width"], r["height"])
    return [NamedPhoto(pid, *info[pid], tuple(faces)) for pid, faces in photos.items()]


def sidecar_target(photo: Path) -> Path:
    """The sidecar to write: the one already there (``photo.jpg.xmp`` first), else ``photo.jpg.xmp``."""
    from photosort.media.xmp import sidecar_paths

    existing = sidecar_paths(photo)
    return existing[0] if existing else photo.with_name(photo.name + ".xmp")


def build_packet(photo: NamedPhoto, base: bytes | None, header) -> bytes:
    """The merged XMP packet for ``photo`` on top of ``base``."""
    from photosort.media.xmp import to_stored
    from photosort.media.xmp_write import TagFace, merge_face_tags

    _, stored, orientation = header
    faces = []
    for name, (x1, y1, x2, y2) in photo.faces:
        if _CONTROL.search(name):
            raise TagWriteError(f"the name {name!r} contains control characters: nothing written for this photo")
        box = to_stored((x1 / photo.width, y1 / photo.height, x2 / photo.width, y2 / photo.height), orientation)
        faces.append(TagFace(name, *box))
    return merge_face_tags(base, faces, stored)


def write_tags(db: Database, people: list[str] | None = None, *, embedded: bool = False,
               photo_ids: set[int] | None = None, progress: Progress = no_progress,
               cancel: CancelToken | None = None) -> WriteSummary:
    """Write every named face (of ``people``, of ``photo_ids``, or all) into XMP (module docstring)."""
    from photosort.media.xmp import XmpError

    summary = WriteSummary()
    photos = named_photos(db, people, photo_ids)
    rewrite = _Embedder(db, summary) if embedded else None
    try:
        for done, photo in enumerate(photos, 1):
            if cancel is not None:
                cancel.check()
            try:
                path = Path(photo.path)
                if rewrite is not None and path.suffix.lower() in EMBEDDABLE:
                    changed = rewrite.write(photo)
                else:
                    changed = _write_sidecar(photo)
            except (TagWriteError, XmpError) as exc:
                summary.failed.append((photo.path, str(exc)))
            except OSError as exc:
                summary.failed.append((photo.path, f"cannot write: {exc.strerror or exc}"))
            else:
                (summary.written if changed else summary.unchanged).append(photo.path)
            progress(ProgressEvent("write-tags", done, len(photos), photo.path))
    finally:
        if rewrite is not None:
            rewrite.close()
    return summary


def _header(path: Path):
    from photosort.media.xmp_source import photo_header

    try:
        return photo_header(path)
    except Exception as exc:
        raise TagWriteError(f"cannot read the photo: {getattr(exc, 'reason', exc)}") from exc


def _write_sidecar(photo: NamedPhoto) -> bool:
    from photosort.media.xmp import read_file_limited

    path = Path(photo.path)
    header = _header(path)
    target = sidecar_target(path)
    old = read_file_limited(target) if target.exists() else None
    new = build_packet(photo, old if old is not None else header[0], header)
    if old == new:
        return False
    atomic_write(target, new)
    return True


def atomic_write(target: Path, data: bytes) -> None:
    """``data`` into ``target`` through a temporary file and a rename: never half-written."""
    fd, tmp = tempfile.mkstemp(prefix=".photosort-tmp-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class _Embedder:
    """Rewrites originals with their tags, through the organize journal (one batch per run)."""

    def __init__(self, db: Database, summary: WriteSummary) -> None:
        from photosort.services.fileops import FileOps
        from photosort.store.journal import Journal

        self.db, self.summary = db, summary
        self.journal, self.fs = Journal(db), FileOps()
        self._lock = self.journal.exclusive()
        self._lock.__enter__()
        self.batch_id: int | None = None

    def write(self, photo: NamedPhoto) -> bool:
        import pyexiv2

        from photosort.media.hashing import content_hash

        path = Path(photo.path)
        header = _header(path)
        packet = build_packet(photo, header[0], header)
        original = path.read_bytes()
        try:
            image = pyexiv2.ImageData(original)
            try:
                image.modify_raw_xmp(packet.decode("utf-8"))
                tagged = image.get_bytes()
            finally:
                image.close()
        except Exception as exc:
            raise TagWriteError(f"exiv2 could not write the XMP: {exc}") from exc
        if tagged == original:
            return False
        backup_dir = path.parent / ORIGINALS_DIR
        backup_dir.mkdir(exist_ok=True)
        backup = _free(backup_dir / path.name)
        staged = _free(backup_dir / (path.name + ".tagged"))
        with open(staged, "xb") as handle:
            handle.write(tagged)
            handle.flush()
            os.fsync(handle.fileno())
        st = os.stat(path)
        os.utime(staged, ns=(st.st_atime_ns, st.st_mtime_ns))
        if not same_pixels(path, staged):
            os.unlink(staged)
            raise TagWriteError("the tagged file does not decode to the same pixels: original left alone")
        if self.batch_id is None:
            self.batch_id = self.summary.batch_id = self.journal.start_batch(
                "organize", str(path.parent), "move")
        self._move(path, backup)
        self._move(staged, path)
        new = os.stat(path)
        with self.db.transaction() as c:
            c.execute("INSERT OR REPLACE INTO tag_rewrites (batch_id, photo_id, size, mtime_ns, content_hash)"
                      " SELECT ?, id, size, mtime_ns, content_hash FROM photos WHERE id = ?",
                      (self.batch_id, photo.photo_id))
            c.execute("UPDATE photos SET size = ?, mtime_ns = ?, content_hash = ? WHERE id = ?",
                      (new.st_size, new.st_mtime_ns, content_hash(path), photo.photo_id))
        return True

    def _move(self, src: Path, dst: Path) -> None:
        st = os.stat(src)
        entry = self.journal.begin(self.batch_id, "move", str(dst), src=str(src),
                                   size=st.st_size, mtime_ns=st.st_mtime_ns)
        try:
            self.fs.move(src, dst, entry.id)
        except OSError as exc:
            self.journal.abandon(entry, "failed", str(exc))
            raise
        self.journal.complete(entry)

    def close(self) -> None:
        if self.batch_id is not None:
            self.journal.finish_batch(self.batch_id, "done")
        self._lock.__exit__(None, None, None)


def restore_catalog_records(db: Database, batch_id: int) -> int:
    """After the undo of a write-tags batch: the catalog knows the originals again (same size,
    time and hash as before), so the next scan sees them unchanged and keeps their faces."""
    restored = 0
    with db.transaction() as c:
        for r in c.execute("SELECT t.photo_id, t.size, t.mtime_ns, t.content_hash, p.path FROM tag_rewrites t"
                           " JOIN photos p ON p.id = t.photo_id WHERE t.batch_id = ?", (batch_id,)).fetchall():
            try:
                st = os.stat(r["path"])
            except OSError:
                continue
            if (st.st_size, st.st_mtime_ns) == (r["size"], r["mtime_ns"]):
                c.execute("UPDATE photos SET size = ?, mtime_ns = ?, content_hash = ? WHERE id = ?",
                          (r["size"], r["mtime_ns"], r["content_hash"], r["photo_id"]))
                restored += 1
        c.execute("DELETE FROM tag_rewrites WHERE batch_id = ?", (batch_id,))
    return restored


def _free(path: Path) -> Path:
    number = 2
    candidate = path
    while os.path.lexists(candidate):
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
        number += 1
    return candidate


def same_pixels(a: Path, b: Path) -> bool:
    """Whether two image files decode to identical pixels (size, mode and every value)."""
    import numpy as np
    from PIL import Image

    with Image.open(a) as ia, Image.open(b) as ib:
        if ia.size != ib.size or ia.mode != ib.mode:
            return False
        return bool(np.array_equal(np.asarray(ia), np.asarray(ib)))
