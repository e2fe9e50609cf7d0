"""Detect faces once per labelled set and cache them, for comparing embedders.

    uv run python benchmarks/embedder_cache.py [--cache DIR] [--workers 2] SET...

For every photo of ``<data>/<SET>`` (``PHOTOSORT_TEST_DATA``) it runs the
product's decode + MTCNN (``AnalyzeSettings`` defaults) once and stores, per
set, ``DIR/<SET>.detections.pkl``: the photo's path, its person label (``None``
in ``_`` folders), the working image's scale, and every face's box, landmarks
and score in the working image's pixels.  ``bench_embedders.py`` re-decodes
the photos from there (cheap) and runs each embedder on the same faces.
The cache lives outside the repository (``--cache``, else ``$PHOTOSORT_EMBED_CACHE``,
else ``~/.cache/photosort-embedders``); an existing set file is kept, so delete it
after changing the detector.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import data_dir  # noqa: E402

from photosort.services.analyze import DECODE_MIN_FRACTION, AnalyzeSettings  # noqa: E402

DEFAULT_CACHE = Path(os.environ.get("PHOTOSORT_EMBED_CACHE", Path.home() / ".cache" / "photosort-embedders"))
_detector = None


def set_photos(root: Path) -> list[tuple[str, str | None]]:
    """(path, label) for every photo under ``root``; label ``None`` for ``_`` folders."""
    from photosort.media.discover import iter_photos

    out = []
    for folder in sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith(".")):
        label = None if folder.name.startswith("_") else folder.name
        out.extend((str(Path(p).absolute()), label) for p in iter_photos([folder]))
    return out


def _init() -> None:
    global _detector
    import torch

    torch.set_num_threads(1)
    from photosort.ml.detector import MtcnnDetector

    s = AnalyzeSettings()
    _detector = MtcnnDetector(min_face_size=s.min_face_size, threshold=s.threshold, max_side=s.max_side)


def _detect(item: tuple[str, str | None]) -> dict:
    from photosort.media.decode import ImageError, load_image

    path, label = item
    try:
        loaded = load_image(path, max_side=AnalyzeSettings().max_side, min_fraction=DECODE_MIN_FRACTION)
    except (ImageError, MemoryError) as exc:
        return {"path": path, "label": label, "error": str(exc)}
    faces = _detector.detect(loaded.pixels)
    return {"path": path, "label": label, "scale": loaded.scale, "shape": loaded.pixels.shape,
            "boxes": np.array([[f.box.x1, f.box.y1, f.box.x2, f.box.y2] for f in faces], np.float32).reshape(-1, 4),
            "landmarks": np.array([f.landmarks for f in faces], np.float32).reshape(-1, 5, 2),
            "scores": np.array([f.score for f in faces], np.float32)}


def detect_set(name: str, cache: Path, workers: int) -> Path:
    target = cache / f"{name}.detections.pkl"
    if target.exists():
        return target
    photos = set_photos(data_dir() / name)
    started = time.monotonic()
    with Pool(workers, initializer=_init) as pool:
        records = list(pool.imap(_detect, photos, chunksize=8))
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(records))
    tmp.replace(target)
    n_faces = sum(len(r.get("scores", ())) for r in records)
    print(f"{name}: {len(records)} photos, {n_faces} faces, {time.monotonic() - started:.0f} s", flush=True)
    return target


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="+")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    for name in args.sets:
        detect_set(name, args.cache, args.workers)


if __name__ == "__main__":
    main()
