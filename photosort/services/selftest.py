"""``photosort self-test``: prove the models load and work in this installation.

Runs the real pipeline on a small bundled photo (``resources/selftest_face.jpg``,
public domain): imports torch, loads the MTCNN detector and the embedding
network, detects and embeds the face (and its mirror image and a smaller
copy), then clusters those embeddings with a second, synthetic group; loads
the file libraries that carry their own DLLs (exiv2 for embedded tags, LibRaw,
libheif) and reads the photo's XMP through exiv2.  Prints
versions and the time of each step; any failure gives a non-zero exit code.
It is what CI runs on the frozen ``photosort-cli.exe``.
"""

from __future__ import annotations

import platform
import sys
import time
import traceback
from typing import Any, Callable, TextIO

import numpy as np

import photosort
from photosort.system.paths import resource_path

SELFTEST_IMAGE = "selftest_face.jpg"
SAME_PERSON_DISTANCE = 0.6  # dlib's recommended threshold for its descriptors


class SelfTestFailure(Exception):
    """A check of the self-test did not hold."""


class _Steps:
    """Runs named steps, timing each and printing one aligned line per step."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.started = time.perf_counter()

    def run(self, name: str, action: Callable[[], Any], describe: Callable[[Any], str]) -> Any:
        start = time.perf_counter()
        result = action()
        ms = (time.perf_counter() - start) * 1000
        print(f"  {name:<16}{ms:9.0f} ms  {describe(result)}", file=self.out, flush=True)
        return result

    def total_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000


def run_self_test(out: TextIO = sys.stdout) -> int:
    """Run every check, printing a report to ``out``; 0 if all passed, else 1."""
    print(f"PhotoSort {photosort.__version__} self-test", file=out)
    print(f"  python {platform.python_version()} on {platform.platform()}"
          f"{' (frozen)' if getattr(sys, 'frozen', False) else ''}", file=out, flush=True)
    steps = _Steps(out)
    try:
        _run_steps(steps)
    except Exception as exc:  # report every failure, whatever its kind
        print(f"FAIL: {type(exc).__name__}: {exc}", file=out)
        traceback.print_exc(file=out)
        return 1
    print(f"  {'total':<16}{steps.total_ms():9.0f} ms", file=out)
    print("PASS", file=out, flush=True)
    return 0


def _run_steps(steps: _Steps) -> None:
    steps.run("import torch", _import_torch, _versions)
    from photosort.core.clustering import cluster_embeddings
    from photosort.ml.detector import MtcnnDetector
    from photosort.ml.embedder import DlibResNetEmbedder

    detector = steps.run("load detector", lambda: MtcnnDetector(device="cpu"),
                         lambda d: getattr(d, "model_id", type(d).__name__))
    embedder = steps.run("load embedder", lambda: DlibResNetEmbedder(device="cpu"),
                         lambda e: e.model_id)
    image = steps.run("read image", _read_image, lambda im: f"{im.shape[1]}x{im.shape[0]} {SELFTEST_IMAGE}")
    steps.run("load codecs", _load_codecs, str)
    variants = [image, image[:, ::-1].copy(), _shrink(image, 0.6)]

    faces = steps.run("detect", lambda: [_one_face(detector, im) for im in variants],
                      lambda fs: f"{len(fs)} images, scores " + " ".join(f"{f.score:.3f}" for f in fs))
    descriptors = steps.run("embed", lambda: _embed_all(embedder, variants, faces), _describe_embeddings)
    spread = max(float(np.linalg.norm(d - descriptors[0])) for d in descriptors[1:])
    if spread >= SAME_PERSON_DISTANCE:
        raise SelfTestFailure(f"the same face embedded {spread:.3f} apart (limit {SAME_PERSON_DISTANCE})")

    points = np.vstack([descriptors, -descriptors]).astype(np.float32)
    labels = steps.run("cluster", lambda: np.asarray(cluster_embeddings(points, min_cluster_size=2, min_samples=1)),
                       lambda lb: "labels " + " ".join(str(int(v)) for v in lb))
    first, second = set(labels[:3].tolist()), set(labels[3:].tolist())
    if len(first) != 1 or len(second) != 1 or first == second or -1 in first | second:
        raise SelfTestFailure(f"expected two clusters of three, got labels {labels.tolist()}")


def _import_torch() -> Any:
    from photosort.ml.runtime import import_torch

    return import_torch()


def _versions(_torch: Any) -> str:
    import PIL

    from photosort.ml.runtime import describe

    return f"{describe()}, numpy {np.__version__}, pillow {PIL.__version__}"


def _read_image() -> np.ndarray:
    from PIL import Image

    path = resource_path(SELFTEST_IMAGE)
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def _load_codecs() -> str:
    """exiv2 (pyexiv2 loads its DLL by path), LibRaw and libheif: a frozen app must carry each one."""
    import pillow_heif
    import pyexiv2
    import rawpy

    image = pyexiv2.ImageData(resource_path(SELFTEST_IMAGE).read_bytes())
    try:
        image.read_xmp()
    finally:
        image.close()
    libraw = ".".join(str(v) for v in rawpy.libraw_version)
    return f"exiv2 {pyexiv2.__exiv2_version__}, libraw {libraw}, libheif {pillow_heif.libheif_version()}"


def _shrink(image: np.ndarray, factor: float) -> np.ndarray:
    from PIL import Image

    h, w = image.shape[:2]
    small = Image.fromarray(image).resize((round(w * factor), round(h * factor)), Image.Resampling.LANCZOS)
    return np.asarray(small)


def _one_face(detector: Any, image: np.ndarray) -> Any:
    faces = detector.detect(image)
    if not faces:
        raise SelfTestFailure("no face found in the self-test photo")
    return faces[0]


def _embed_all(embedder: Any, images: list[np.ndarray], faces: list[Any]) -> np.ndarray:
    rows = []
    for image, face in zip(images, faces):
        descriptor = np.asarray(embedder.embed(image, face.landmarks[None, :, :]))
        if descriptor.shape[0] != 1 or not np.all(np.isfinite(descriptor)) or not descriptor.any():
            raise SelfTestFailure(f"bad embedding: shape {descriptor.shape}")
        rows.append(descriptor[0])
    return np.vstack(rows)


def _describe_embeddings(descriptors: np.ndarray) -> str:
    norms = " ".join(f"{n:.3f}" for n in np.linalg.norm(descriptors, axis=1))
    return f"{descriptors.shape[0]} x {descriptors.shape[1]}-d {descriptors.dtype}, norms {norms}"
