"""Helpers for the face-tag tests: ExifTool as the independent reader and writer, names per face."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from photosort.store.db import Database

XMP_PHOTOS = "negatives_and_formats/faces_with_xmp_names"


def exiftool() -> str:
    path = shutil.which("exiftool")
    if path is None:
        raise RuntimeError("exiftool not found: .ci/run installs libimage-exiftool-perl")
    return path


def run_exiftool(*args: str) -> str:
    done = subprocess.run([exiftool(), *args], capture_output=True, text=True, check=True)
    return done.stdout


def exif_json(path: Path, *tags: str) -> dict:
    return json.loads(run_exiftool("-j", "-struct", "-n", *tags, str(path)))[0]


def named_faces(db: Database, path: Path) -> list[tuple[str, tuple[float, float, float, float], str]]:
    """(name, box, source) of every named face of the photo at ``path``, left to right."""
    rows = db.query("SELECT pe.name, f.x1, f.y1, f.x2, f.y2, fp.source FROM faces f"
                    " JOIN photos ph ON ph.id = f.photo_id JOIN face_person fp ON fp.face_id = f.id"
                    " JOIN people pe ON pe.id = fp.person_id WHERE ph.path = ? AND pe.name IS NOT NULL"
                    " ORDER BY f.x1", (str(path),))
    return [(r["name"], (r["x1"], r["y1"], r["x2"], r["y2"]), r["source"]) for r in rows]


def stored_box_to_upright(box_norm: tuple[float, float, float, float], stored_size: tuple[int, int],
                          orientation: int) -> tuple[float, float, float, float]:
    """A normalised stored-pixel box → upright pixels, through Pillow's own transpose of a mask
    (independent of PhotoSort's arithmetic)."""
    w, h = stored_size
    mask = np.zeros((h, w), np.uint8)
    x1, y1, x2, y2 = box_norm
    mask[round(y1 * h):round(y2 * h), round(x1 * w):round(x2 * w)] = 255
    im = Image.fromarray(mask)
    exif = im.getexif()
    exif[0x0112] = orientation
    im.info["exif"] = exif.tobytes()
    upright = np.asarray(ImageOps.exif_transpose(im))
    ys, xs = np.nonzero(upright)
    return (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
