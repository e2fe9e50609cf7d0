"""End-to-end speed: per-stage throughput, photos/s against a naive baseline, and rescan time.

    uv run python benchmarks/bench_pipeline.py [--photos 40] [--naive 6] [--rescan 1000]

Stages are timed on generated 12 MP JPEGs with one torch thread (as in a
worker); the end-to-end run is the real ``scan`` with one worker per core;
the naive baseline is full-resolution MTCNN, one photo at a time, in one
process with torch's default threads.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import data_dir, make_12mp_photos, table, timer  # noqa: E402


def stages(photos: list[Path]) -> list[list[object]]:
    import torch
    from PIL import Image

    from photosort.media.decode import load_image
    from photosort.ml.detector import MtcnnDetector
    from photosort.ml.embedder import DlibResNetEmbedder

    torch.set_num_threads(1)
    det, emb = MtcnnDetector(), DlibResNetEmbedder()
    rows = []
    with timer() as t:
        for p in photos:
            with Image.open(p) as im:
                im.convert("RGB").load()
    rows.append(["decode full 12 MP", len(photos), len(photos) / t[0], 1000 * t[0] / len(photos)])
    with timer() as t:
        loaded = [load_image(p, max_side=1024) for p in photos]
    rows.append(["decode draft → 1024", len(photos), len(photos) / t[0], 1000 * t[0] / len(photos)])
    with timer() as t:
        found = [det.detect(im.pixels) for im in loaded]
    rows.append(["detect MTCNN @1024", len(photos), len(photos) / t[0], 1000 * t[0] / len(photos)])
    n_faces = sum(len(f) for f in found)
    with timer() as t:
        for im, faces in zip(loaded, found):
            if faces:
                emb.embed(im.pixels, np.stack([f.landmarks for f in faces]))
    rows.append(["align+embed (per photo)", n_faces, n_faces / t[0], 1000 * t[0] / max(1, n_faces)])
    chips = np.concatenate([emb.chips(im.pixels, np.stack([f.landmarks for f in faces]))
                            for im, faces in zip(loaded, found) if faces])
    chips = np.concatenate([chips] * max(1, 256 // len(chips)))
    with timer() as t:
        for start in range(0, len(chips), 32):
            emb.embed_chips(chips[start:start + 32])
    rows.append(["embed chips, batch 32", len(chips), len(chips) / t[0], 1000 * t[0] / len(chips)])
    return rows


def end_to_end(photos: list[Path], workers: int) -> tuple[float, int, float]:
    from photosort.services.scan import scan
    from photosort.store.db import Database

    with tempfile.TemporaryDirectory() as tmp:
        lib = Path(tmp) / "lib"
        lib.mkdir()
        for p in photos:
            os.symlink(p, lib / p.name)
        db = Database(Path(tmp) / "c.sqlite3")
        start = time.perf_counter()
        summary = scan(db, [lib], workers=workers)
        seconds = time.perf_counter() - start
        return len(photos) / seconds, summary.faces_found, seconds


def naive(photos: list[Path]) -> float:
    """Full-resolution MTCNN and embedding, one photo at a time, default threads."""
    import torch
    from PIL import Image, ImageOps

    from photosort.ml.detector import MtcnnDetector
    from photosort.ml.embedder import DlibResNetEmbedder

    torch.set_num_threads(os.cpu_count() or 1)
    det, emb = MtcnnDetector(max_side=100_000), DlibResNetEmbedder()
    start = time.perf_counter()
    for p in photos:
        with Image.open(p) as im:
            pixels = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
        faces = det.detect(pixels)
        if faces:
            emb.embed(pixels, np.stack([f.landmarks for f in faces]))
    return len(photos) / (time.perf_counter() - start)


def rescan(count: int, workers: int) -> tuple[float, float]:
    from photosort.services.scan import scan
    from photosort.store.db import Database

    sources = sorted((data_dir() / "lfw-dev").glob("*/*.jpg"))[:count]
    with tempfile.TemporaryDirectory() as tmp:
        lib = Path(tmp) / "lib"
        for i, p in enumerate(sources):
            dest = lib / f"{i // 100:02d}" / p.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(p, dest)
        db = Database(Path(tmp) / "c.sqlite3")
        start = time.perf_counter()
        scan(db, [lib], workers=workers)
        first = time.perf_counter() - start
        start = time.perf_counter()
        again = scan(db, [lib], workers=workers)
        second = time.perf_counter() - start
        assert again.analyzed == 0 and again.unchanged == len(sources)
        return first, second


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=int, default=40)
    ap.add_argument("--naive", type=int, default=6)
    ap.add_argument("--rescan", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    photos = make_12mp_photos(args.photos)
    print(table("Stages on 12 MP JPEGs (1 torch thread)", ["stage", "items", "items/s", "ms/item"],
                stages(photos[:12])))
    e2e, faces, seconds = end_to_end(photos, args.workers)
    base = naive(photos[:args.naive])
    print(table("End to end", ["pipeline", "photos", "photos/s", "speed-up"], [
        [f"photosort scan, {args.workers} workers ({faces} faces, {seconds:.1f} s)", len(photos),
         e2e, e2e / base],
        ["naive: full-res MTCNN, one at a time", args.naive, base, 1.0]]))
    if args.rescan:
        first, second = rescan(args.rescan, args.workers)
        print(table("Rescan", ["library", "first scan s", "unchanged rescan s"],
                    [[f"{args.rescan} LFW photos", first, second]]))


if __name__ == "__main__":
    main()
