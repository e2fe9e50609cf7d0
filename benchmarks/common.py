"""Shared helpers for the benchmarks: the test photos and generated 12 MP JPEGs."""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "benchmarks" / "out"


def data_dir() -> Path:
    return Path(os.environ.get("PHOTOSORT_TEST_DATA", REPO.parent / "shared" / "data")).resolve()


def make_12mp_photos(count: int = 40) -> list[Path]:
    """Realistic 12 MP JPEGs (4000×3000, quality 90) made from the shared high-res photos.

    Cached in benchmarks/out (ignored by git; the shared photos are not ours
    to redistribute).
    """
    from PIL import Image, ImageOps

    folder = OUT / "photos_12mp"
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted(p for p in (data_dir() / "deepface_testset").glob("person_*/*")
                     if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    made = []
    for i in range(count):
        target = folder / f"photo_{i:03d}.jpg"
        if not target.exists():
            with Image.open(sources[i % len(sources)]) as im:
                im = ImageOps.exif_transpose(im).convert("RGB")
                size = (4000, 3000) if im.width >= im.height else (3000, 4000)
                im = ImageOps.fit(im, size, Image.Resampling.LANCZOS)
                im.save(target, quality=90)
        made.append(target)
    return made


@contextmanager
def timer() -> Iterator[list[float]]:
    box: list[float] = []
    start = time.perf_counter()
    yield box
    box.append(time.perf_counter() - start)


def table(title: str, header: list[str], rows: list[list[object]]) -> str:
    cells = [header] + [[f"{c:.3g}" if isinstance(c, float) else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = lambda r: "  ".join(c.rjust(w) for c, w in zip(r, widths))  # noqa: E731
    return "\n".join([f"\n## {title}", line(cells[0]), line(["-" * w for w in widths])]
                     + [line(r) for r in cells[1:]])
