"""Embedder speed: chips -> descriptors by batch size and torch threads, and alignment cost.

    uv run python benchmarks/bench_embed.py [--seconds 3]

Prints one table; ``2x1 proc`` rows run one single-threaded process per core at
once, the way a scan's workers embed.  Content does not change the cost, so
random pixels are used;
the alignment rows use a small face (no pyramid) and a 700-pixel face in a
12-megapixel photo (two pyramid levels).  If dlib is installed (dev
dependency), its own network is timed on the same chips for comparison.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from typing import Callable

import numpy as np
import torch

from photosort.ml.align import MTCNN_TEMPLATE, align_faces
from photosort.ml.embedder import DlibResNetEmbedder


def per_call(func: Callable[[], object], seconds: float) -> float:
    """Mean wall time of one call, after one warm-up call."""
    func()
    calls, start = 0, time.perf_counter()
    while True:
        func()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and calls >= 3:
            return elapsed / calls


def _worker_rate(seconds: float, mirror: bool) -> tuple[int, float]:
    """In a worker process with one torch thread (as in a scan): faces embedded, seconds."""
    torch.set_num_threads(1)
    embedder = DlibResNetEmbedder(device="cpu", batch_size=64)
    faces = np.random.default_rng(1).integers(0, 256, (32, 150, 150, 3), dtype=np.uint8)
    chips = np.concatenate([faces, faces[:, :, ::-1]]) if mirror else faces
    embedder.embed_chips(chips)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        embedder.embed_chips(chips)
        count += len(faces)
    return count, time.perf_counter() - start


def worker_rows(seconds: float) -> list[tuple]:
    """faces/s of one single-threaded process per core, all at once (the scan's layout)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    cores = os.cpu_count() or 1
    rows = []
    with ProcessPoolExecutor(cores, mp_context=multiprocessing.get_context("spawn")) as pool:
        for mirror, label in ((False, "descriptor, batch 32"), (True, "face + its mirror (default), 32 faces")):
            results = list(pool.map(_worker_rate, [seconds] * cores, [mirror] * cores))
            rate = sum(count / elapsed for count, elapsed in results)
            rows.append((label, f"{cores}x1 proc", rate, 1000 / rate))
    return rows


def face_landmarks(scale: float, angle_deg: float, centre: tuple[float, float]) -> np.ndarray:
    angle = math.radians(angle_deg)
    rotation = scale * np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    points = (MTCNN_TEMPLATE.points - 75) @ rotation.T + np.array(centre)
    return points[None]


def main() -> None:
    parser = argparse.ArgumentParser(description="embedder speed")
    parser.add_argument("--seconds", type=float, default=3.0, help="time spent per row")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    chips = rng.integers(0, 256, (64, 150, 150, 3), dtype=np.uint8)
    embedder = DlibResNetEmbedder(device="cpu", batch_size=64)
    rows = []
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for batch in (1, 16, 64):
            seconds = per_call(lambda: embedder.embed_chips(chips[:batch]), args.seconds)
            rows.append((f"descriptor, batch {batch}", threads, batch / seconds, 1000 * seconds / batch))
    # the default: each face's descriptor averaged with its mirror image's (two passes a face)
    seconds = per_call(lambda: embedder.embed_chips(np.concatenate([chips[:32], chips[:32, :, ::-1]])), args.seconds)
    rows.append(("face + its mirror (default), 32 faces", 2, 32 / seconds, 1000 * seconds / 32))
    rows += worker_rows(args.seconds)
    torch.set_num_threads(1)
    small = rng.integers(0, 256, (250, 250, 3), dtype=np.uint8)
    big = rng.integers(0, 256, (3000, 4000, 3), dtype=np.uint8)
    for label, image, landmarks in (
        ("alignment, 100 px face", small, face_landmarks(0.7, 8, (125, 125))),
        ("alignment, 700 px face in 12 MP", big, face_landmarks(4.7, -12, (1800, 1400))),
    ):
        seconds = per_call(lambda: align_faces(image, landmarks), args.seconds)
        rows.append((label, 1, 1 / seconds, 1000 * seconds))
    try:
        import dlib

        from photosort.ml.weights import dlib_resnet_path

        recognizer = dlib.face_recognition_model_v1(str(dlib_resnet_path()))
        batch = list(chips[:16])
        seconds = per_call(lambda: recognizer.compute_face_descriptor(batch), args.seconds)
        rows.append(("dlib itself, batch 16", "dlib", 16 / seconds, 1000 * seconds / 16))
    except ImportError:
        pass
    print(f"{'operation':38s} {'threads':>11s} {'faces/s':>9s} {'ms/face':>8s}")
    for label, threads, rate, ms in rows:
        print(f"{label:38s} {threads!s:>11s} {rate:9.1f} {ms:8.2f}")


if __name__ == "__main__":
    main()
