"""End-to-end speed: per-stage throughput, photos/s against a naive baseline, and rescan time.

    uv run python benchmarks/bench_pipeline.py [--photos 200] [--naive 6] [--rescan 1000]
        [--cluster-sizes 10000,50000,100000]

Stages are timed on generated 12 MP JPEGs with one torch thread (as in a
worker), facenet-pytorch's own MTCNN beside ours. The end-to-end run is the
real ``scan`` of a new folder with one worker per core: "whole scan" counts
everything from the call to its return (discovery, hashing, worker start-up,
analysis, catalog writes, grouping); "steady" is the rate from the first
analysed photo to the last. The naive baseline is what a first attempt would
do: full decode, facenet-pytorch's MTCNN at full resolution, one photo at a
time, in one process with torch's default threads. The cluster stage is the
scan's whole grouping recipe (``group_faces``: HDBSCAN, noise linking, merging,
one face per person per photo) on synthetic dlib-like descriptors
(``bench_cluster.make_faces``; that benchmark compares backends and quality).
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
    from facenet_pytorch import MTCNN
    from PIL import Image

    from photosort.media.decode import load_image
    from photosort.ml.detector import MtcnnDetector
    from photosort.ml.embedder import DlibResNetEmbedder
    from photosort.services.analyze import DECODE_MIN_FRACTION, AnalyzeSettings

    torch.set_num_threads(1)
    det, emb = MtcnnDetector(), DlibResNetEmbedder(mirror=AnalyzeSettings().mirror)
    rows = []

    def per_photo(label: str, seconds: float) -> None:
        rows.append([label, len(photos), len(photos) / seconds, 1000 * seconds / len(photos)])

    with timer() as t:
        for p in photos:
            with Image.open(p) as im:
                im.convert("RGB").load()
    per_photo("decode full 12 MP", t[0])
    with timer() as t:
        for p in photos:
            load_image(p, max_side=det.max_side)
    per_photo(f"decode draft + resize → {det.max_side}", t[0])
    with timer() as t:
        loaded = [load_image(p, max_side=det.max_side, min_fraction=DECODE_MIN_FRACTION) for p in photos]
    side = max(loaded[0].size)
    per_photo(f"decode for detection (draft → {side})", t[0])
    facenet = MTCNN(keep_all=True, min_face_size=det.min_face_size, post_process=False)
    facenet.detect(loaded[0].pixels)
    with timer() as t:
        for im in loaded:
            facenet.detect(im.pixels)
    per_photo(f"detect: facenet-pytorch MTCNN @{side}", t[0])
    det.detect(loaded[0].pixels)
    with timer() as t:
        found = [det.detect(im.pixels) for im in loaded]
    per_photo(f"detect: our MTCNN cascade @{side}", t[0])
    n_faces = sum(len(f) for f in found)
    with timer() as t:
        for im, faces in zip(loaded, found):
            if faces:
                emb.embed(im.pixels, np.stack([f.landmarks for f in faces]))
    rows.append(["align+embed, faces of each photo" + (" (+mirror)" if emb.mirror else ""), n_faces,
                 n_faces / t[0], 1000 * t[0] / max(1, n_faces)])
    chips = np.concatenate([emb.chips(im.pixels, np.stack([f.landmarks for f in faces]))
                            for im, faces in zip(loaded, found) if faces])
    chips = np.concatenate([chips] * max(1, 256 // len(chips)))
    with timer() as t:
        for start in range(0, len(chips), 32):
            emb.embed_chips(chips[start:start + 32])
    rows.append(["embed chips, batch 32", len(chips), len(chips) / t[0], 1000 * t[0] / len(chips)])
    return rows


def cluster_stage(sizes: list[int]) -> list[list[object]]:
    """Seconds for the scan's grouping of ``n`` synthetic faces, each from its own photo."""
    from bench_cluster import make_faces

    from photosort.core.clustering import AUTO_FAST_FROM
    from photosort.core.grouping import GroupingParams, group_faces
    from photosort.core.metrics import bcubed_scores

    params = GroupingParams()
    for n in (2000, AUTO_FAST_FROM):  # imports and numba's cached compile, outside the timing
        if n <= max(sizes):
            warm = make_faces(n, seed=1)[0]
            group_faces(warm, np.arange(n), params)
    rows = []
    for n in sizes:
        X, truth = make_faces(n)
        with timer() as t:
            labels = group_faces(X, np.arange(n), params)
        backend = params.backend if params.backend != "auto" else (
            "fast_hdbscan" if n >= AUTO_FAST_FROM else "hdbscan")
        rows.append([f"cluster {n:,} faces ({backend})", n, n / t[0], t[0], bcubed_scores(truth, labels)[2]])
    return rows


def end_to_end(photos: list[Path], workers: int) -> dict[str, float]:
    """The real scan of a new folder: whole-call and steady photos/s, faces, first-result delay."""
    from photosort.services.scan import scan
    from photosort.store.db import Database

    with tempfile.TemporaryDirectory() as tmp:
        lib = Path(tmp) / "lib"
        lib.mkdir()
        for p in photos:
            os.symlink(p, lib / p.name)
        db = Database(Path(tmp) / "c.sqlite3")
        analysed: list[float] = []
        start = time.perf_counter()

        def progress(event) -> None:
            if event.stage == "analyze" and event.done:
                analysed.append(time.perf_counter() - start)

        summary = scan(db, [lib], workers=workers, progress=progress)
        seconds = time.perf_counter() - start
    assert summary.analyzed == len(photos) and not summary.errors, summary
    return {"whole": len(photos) / seconds, "seconds": seconds, "faces": summary.faces_found,
            "first": analysed[0], "steady": (len(analysed) - 1) / (analysed[-1] - analysed[0])}


def naive(photos: list[Path]) -> float:
    """Full decode, facenet-pytorch's MTCNN at full resolution, embedding, one photo at a
    time, torch's default threads."""
    import torch
    from facenet_pytorch import MTCNN
    from PIL import Image, ImageOps

    from photosort.ml.embedder import DlibResNetEmbedder

    torch.set_num_threads(os.cpu_count() or 1)
    mtcnn, emb = MTCNN(keep_all=True, min_face_size=20, post_process=False), DlibResNetEmbedder()
    start = time.perf_counter()
    for p in photos:
        with Image.open(p) as im:
            pixels = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
        boxes, probs, points = mtcnn.detect(pixels, landmarks=True)
        if boxes is not None:
            emb.embed(pixels, np.stack([q for q, prob in zip(points, probs) if prob >= 0.9]))
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
    ap.add_argument("--photos", type=int, default=200)
    ap.add_argument("--naive", type=int, default=6)
    ap.add_argument("--rescan", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--cluster-sizes", default="10000,50000,100000",
                    help="comma-separated face counts for the cluster stage ('' to skip)")
    args = ap.parse_args()
    photos = make_12mp_photos(args.photos)
    print(table("Stages on 12 MP JPEGs (1 torch thread)", ["stage", "items", "items/s", "ms/item"],
                stages(photos[:12])))
    sizes = [int(n) for n in args.cluster_sizes.split(",") if n]
    if sizes:
        print(table("Cluster stage (synthetic dlib-like faces)", ["stage", "faces", "faces/s", "seconds",
                                                                  "BCubed F"], cluster_stage(sizes)))
    run = end_to_end(photos, args.workers)
    base = naive(photos[:args.naive])
    print(table(f"End to end, new folder of {len(photos)} 12 MP JPEGs ({run['faces']} faces)",
                ["pipeline", "photos", "photos/s", "speed-up"], [
        [f"photosort scan, {args.workers} workers: whole scan ({run['seconds']:.1f} s, "
         f"first photo done at {run['first']:.1f} s)", len(photos), run["whole"], run["whole"] / base],
        ["photosort scan: steady (first to last photo)", len(photos), run["steady"], run["steady"] / base],
        ["naive: full decode, facenet MTCNN at full res, one at a time", args.naive, base, 1.0]]))
    if args.rescan:
        first, second = rescan(args.rescan, args.workers)
        print(table("Rescan", ["library", "first scan s", "unchanged rescan s"],
                    [[f"{args.rescan} LFW photos", first, second]]))


if __name__ == "__main__":
    main()
