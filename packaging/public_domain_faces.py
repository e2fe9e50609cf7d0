"""Write photos of one public-domain face for pictures and CI (no shared photos).

    python packaging/public_domain_faces.py DIR [--count N]

``resources/selftest_face.jpg`` (public domain, see resources/README.md) in N
variants (default 10): mirrored, cropped, rotated, padded, tinted, grey and
scaled, each a different file, so a scan finds N faces of one person and the
People view shows that person.  The Wine rehearsal (the README's picture) and
the Windows job (its verb folders and command-line library) use it: the
shared test photos may not be shown or shipped.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageEnhance, ImageOps

FACE = Path(__file__).resolve().parent.parent / "resources" / "selftest_face.jpg"

Variant = Callable[[Image.Image], Image.Image]


def _pad(image: Image.Image) -> Image.Image:
    canvas = Image.new("RGB", (320, 260), (221, 230, 238))
    canvas.paste(image, ((320 - image.width) // 2, (260 - image.height) // 2))
    return canvas


def _rotate(degrees: float) -> Variant:
    return lambda image: image.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=(128, 128, 128))


VARIANTS: list[Variant] = [
    lambda image: image,
    ImageOps.mirror,
    lambda image: image.crop((15, 10, 185, 180)).resize((240, 240), Image.Resampling.LANCZOS),
    lambda image: ImageOps.mirror(image).crop((20, 5, 180, 185)),
    _pad,
    _rotate(8),
    lambda image: _rotate(-6)(ImageOps.mirror(image)),
    lambda image: ImageEnhance.Color(ImageEnhance.Brightness(image).enhance(1.15)).enhance(0.8),
    lambda image: ImageEnhance.Color(ImageOps.mirror(image)).enhance(1.1).resize((300, 300), Image.Resampling.LANCZOS),
    lambda image: ImageOps.grayscale(image).convert("RGB"),
]


def write_faces(folder: Path, count: int = len(VARIANTS), stem: str = "astronaut") -> list[Path]:
    """Write ``count`` variants into ``folder``; past the ten variants, each round is scaled a little more."""
    folder.mkdir(parents=True, exist_ok=True)
    face = Image.open(FACE).convert("RGB")
    written = []
    for i in range(count):
        image = VARIANTS[i % len(VARIANTS)](face)
        scale = 1 + 0.15 * (i // len(VARIANTS))
        if scale != 1:
            image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
        path = folder / f"{stem}_{i + 1:02d}.jpg"
        image.save(path, quality=92)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--count", type=int, default=len(VARIANTS))
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    written = write_faces(args.folder, args.count)
    print(f"{len(written)} photos of the public-domain self-test face in {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
