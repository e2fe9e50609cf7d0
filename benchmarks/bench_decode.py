"""Decode speed: full decode vs JPEG draft decode to 1024/1600 px, resize filters, HEIC.

Run: ``uv run python benchmarks/bench_decode.py [--repeat N]``

Generates realistic 12 MP JPEGs (4032×3024, quality 90) in a temporary folder
by resizing the largest deepface_testset photos, adds three real 12-24 MP camera
JPEGs and three 12 MP phone HEICs from the shared data, and prints median ms/photo:
``cpu`` is process CPU time (all threads; robust when other jobs share the
machine), ``wall`` is elapsed time.
``mad`` is the mean absolute difference (0–255 scale) from the reference: a
full decode resized with LANCZOS to the same size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from photosort.media import decode
from photosort.media.decode import load_image
from photosort.media.thumbs import make_thumbnail

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("PHOTOSORT_TEST_DATA", REPO.parent / "shared" / "data"))
SIZE_12MP = (4032, 3024)
FILTERS = {
    "BILINEAR": Image.Resampling.BILINEAR,
    "BICUBIC": Image.Resampling.BICUBIC,
    "LANCZOS": Image.Resampling.LANCZOS,
}
CAMERA_JPEGS = (  # real, detailed photos: the mad column is more telling here
    "no_faces/immich__metadata__gps-position__empty_gps.jpg",
    "no_faces/immich__albums__text__book-beside-flowers.jpg",
    "has_faces_unlabeled/immich__albums__text__craft-beer.jpg",
)
HEIC_FILES = (
    "no_faces_other_formats/immich__formats__heic__IMG_2682.heic",
    "no_faces_other_formats/exifs__heic__mobile__iphone_13_pro_max.HEIC",
    "no_faces_other_formats/immich__formats__motionphoto__samsung-one-ui-6.heic",
)


def make_jpegs(folder: Path, count: int) -> list[Path]:
    """12 MP JPEGs made from the largest shared photos (landscape and portrait)."""
    sources = sorted(
        (p for p in (DATA / "deepface_testset").rglob("*.jpg")),
        key=lambda p: -_pixels(p),
    )[:count]
    paths = []
    for i, source in enumerate(sources):
        with Image.open(source) as im:
            im = im.convert("RGB")
            size = SIZE_12MP if im.width >= im.height else SIZE_12MP[::-1]
            path = folder / f"photo_{i}.jpg"
            im.resize(size, Image.Resampling.LANCZOS).save(path, quality=90)
            paths.append(path)
    return paths


def _pixels(path: Path) -> int:
    with Image.open(path) as im:
        return im.width * im.height


def median_ms(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median (cpu, wall) milliseconds of ``fn()`` over ``repeat`` runs."""
    fn()  # warm-up (file cache, lazy imports)
    cpu, wall = [], []
    for _ in range(repeat):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    return statistics.median(cpu) * 1000, statistics.median(wall) * 1000


def full_then_resize(path: Path, max_side: int) -> np.ndarray:
    """The naive path: decode every pixel, then one LANCZOS resize."""
    with Image.open(path) as im:
        im.load()
        ratio = max_side / max(im.size)
        size = (round(im.width * ratio), round(im.height * ratio))
        return np.asarray(im.convert("RGB").resize(size, Image.Resampling.LANCZOS))


def row(label: str, ms: tuple[float, float], mad: float | None = None) -> None:
    extra = f"{mad:8.2f}" if mad is not None else ""
    print(f"{label:44s} {ms[0]:8.1f} {ms[1]:8.1f} {extra}")


def bench_jpegs(title: str, paths: list[Path], repeat: int) -> None:
    print(f"\n{title} — median ms/photo")
    print(f"{'method':44s} {'cpu ms':>8s} {'wall ms':>8s} {'mad':>8s}")
    row("full decode (load_image, no max_side)", _mean_over(paths, lambda p: load_image(p), repeat))
    chosen = decode.RESAMPLE
    for max_side in (1024, 1600):
        refs = {p: full_then_resize(p, max_side).astype(np.float32) for p in paths}
        row(f"full decode + LANCZOS to {max_side}", _mean_over(paths, lambda p: full_then_resize(p, max_side), repeat))
        for name, resample in FILTERS.items():
            decode.RESAMPLE = resample
            ms = _mean_over(paths, lambda p: load_image(p, max_side), repeat)
            mad = statistics.mean(
                float(np.abs(load_image(p, max_side).pixels.astype(np.float32) - refs[p]).mean()) for p in paths
            )
            marker = " *" if resample == chosen else ""
            row(f"draft + {name} to {max_side}{marker}", ms, mad)
        decode.RESAMPLE = chosen
    print("(* = decode.RESAMPLE, the filter load_image uses)")


def bench_heic(repeat: int) -> None:
    paths = [DATA / "negatives_and_formats" / name for name in HEIC_FILES]
    paths = [p for p in paths if p.exists()]
    print(f"\n{len(paths)} HEIC phone photos (12 MP) — median ms/photo")
    print(f"{'method':44s} {'cpu ms':>8s} {'wall ms':>8s}")
    row("full decode (load_image)", _mean_over(paths, lambda p: load_image(p), repeat))
    for max_side in (1024, 1600):
        row(f"load_image(max_side={max_side})", _mean_over(paths, lambda p: load_image(p, max_side), repeat))
    row("make_thumbnail(whole photo, 256)", _mean_over(paths, lambda p: make_thumbnail(p, None, 256), repeat))


def _mean_over(paths: list[Path], fn: Callable[[Path], object], repeat: int) -> tuple[float, float]:
    """Mean over photos of each photo's median (cpu, wall) ms."""
    per_photo = [median_ms(lambda p=p: fn(p), repeat) for p in paths]
    return statistics.mean(c for c, _ in per_photo), statistics.mean(w for _, w in per_photo)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per photo (median is reported)")
    parser.add_argument("--photos", type=int, default=4, help="number of 12 MP JPEGs to generate")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="photosort-bench-") as tmp:
        generated = make_jpegs(Path(tmp), args.photos)
        bench_jpegs(f"{len(generated)} generated JPEGs, 4032x3024 q90", generated, args.repeat)
    camera = [DATA / "negatives_and_formats" / name for name in CAMERA_JPEGS]
    bench_jpegs(f"{len(camera)} camera JPEGs, 12-24 MP", camera, args.repeat)
    bench_heic(args.repeat)


if __name__ == "__main__":
    main()
