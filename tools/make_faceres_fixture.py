"""Record TensorFlow.js's own FaceRes outputs on a few chips, for tests/test_faceres.py.

    npm install @tensorflow/tfjs@4          (in some folder F; pure JS, no native code)
    NODE_PATH=F/node_modules uv run python tools/make_faceres_fixture.py [--model faceres.json]

Chips are cut (``crop_faces``) from a few shared test photos at recorded boxes, plus
two synthetic chips (a seeded random image and a gradient). No pixels go into the
fixture: it holds the photo paths (relative to the data folder), the boxes, a
SHA-256 of the chips, and TF.js's outputs (descriptor, age probabilities, P(male)),
so the test rebuilds the very same chips and compares PyTorch's outputs to these.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from photosort.media.decode import load_image  # noqa: E402
from photosort.ml.faceres_embedder import crop_faces  # noqa: E402
from photosort.ml.weights import faceres_model_path  # noqa: E402

OUTPUTS = {"descriptor": ("global_pooling/Mean", 1024), "age": ("age_pred/Softmax", 100),
           "gender": ("gender_pred/Sigmoid", 1)}
PHOTOS = ["children_distinct/child_000_age1", "children_distinct/child_410_age8",
          "blackpink/jisoo_kim", "five_celebrity/madonna"]
TARGET = ROOT / "tests" / "data" / "faceres_tfjs_reference.npz"


def synthetic_chips() -> np.ndarray:
    """Two chips the test can rebuild without photos: seeded noise and a gradient."""
    noise = np.random.default_rng(15).integers(0, 256, (224, 224, 3), dtype=np.uint8)
    ramp = np.linspace(0, 255, 224)
    gradient = np.stack(np.broadcast_arrays(ramp[None, :], ramp[:, None], ramp[::-1][None, :]), -1)
    return np.stack([noise, gradient.astype(np.uint8)])


def photo_chips(data: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    from photosort.ml.detector import MtcnnDetector

    detector = MtcnnDetector()
    paths, boxes, chips = [], [], []
    for folder in PHOTOS:
        photo = sorted((data / folder).iterdir())[0]
        pixels = load_image(photo, max_side=1024).pixels
        face = detector.detect(pixels)[0]
        box = np.array([face.box.x1, face.box.y1, face.box.x2, face.box.y2], np.float32)
        paths.append(str(photo.relative_to(data)))
        boxes.append(box)
        chips.append(crop_faces(pixels, box[None])[0])
    return paths, np.stack(boxes), np.stack(chips)


def run_tfjs(model: Path, chips: np.ndarray) -> dict[str, np.ndarray]:
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "chips.u8", Path(tmp) / "out.f32"
        src.write_bytes(np.ascontiguousarray(chips).tobytes())
        nodes = [name for name, _ in OUTPUTS.values()]
        subprocess.run(["node", str(ROOT / "tools" / "tfjs_reference.cjs"), str(model), str(src),
                        str(len(chips)), str(out), *nodes], check=True, env=os.environ)
        flat = np.frombuffer(out.read_bytes(), "<f4")
    result, pos = {}, 0
    for key, (_, width) in OUTPUTS.items():
        result[key] = flat[pos:pos + len(chips) * width].reshape(len(chips), width)
        pos += len(chips) * width
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("PHOTOSORT_TEST_DATA", ROOT.parent / "shared" / "data")))
    ap.add_argument("--out", type=Path, default=TARGET)
    args = ap.parse_args()
    model = faceres_model_path(args.model)
    paths, boxes, chips = photo_chips(args.data.resolve())
    chips = np.concatenate([chips, synthetic_chips()])
    ref = run_tfjs(model, chips)
    np.savez_compressed(args.out, paths=np.array(paths), boxes=boxes,
                        chips_sha256=np.array(hashlib.sha256(chips.tobytes()).hexdigest()),
                        model_sha256=np.array(hashlib.sha256(model.with_suffix(".bin").read_bytes()).hexdigest()),
                        **ref)
    print(f"{args.out}: {len(chips)} chips, descriptor |max| {np.abs(ref['descriptor']).max():.3f}")


if __name__ == "__main__":
    main()
