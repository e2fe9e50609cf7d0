"""Fit the MTCNN landmark template on dlib's own alignment (calibration, needs dlib).

For LFW faces found by both pipelines, map MTCNN's 5 landmarks through the
inverse of dlib's chip transform (HOG detector + 5-point shape predictor) into
chip coordinates and average them: that is where MTCNN's points sit on the
chips dlib's network was trained with.  Fits on LFW people with a single photo,
then compares the descriptor distance to dlib's full pipeline for the current
``MTCNN_TEMPLATE`` and the refit one (both with ``MTCNN_WEIGHTS``) on people
with several photos.

    uv run python benchmarks/fit_mtcnn_template.py [--fit 600] [--eval 300]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import dlib
import numpy as np
import torch
from facenet_pytorch import MTCNN
from PIL import Image

from photosort.ml.align import MTCNN_TEMPLATE, Template, align_faces, dlib_shape5_template, similarity_transform
from photosort.ml.embedder import DlibResNetEmbedder
from photosort.ml.weights import find_model_file

DATA = Path(os.environ.get("PHOTOSORT_TEST_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def centre_pairs(paths: list[Path], mtcnn: MTCNN, detector, predictor):
    """(image, MTCNN landmarks, dlib shape) for the face nearest the centre, per image."""
    for path in paths:
        image = np.asarray(Image.open(path).convert("RGB"))
        _, _, points = mtcnn.detect(image, landmarks=True)
        dets = detector(image, 1)
        if points is None or not dets:
            continue
        centre = np.array(image.shape[1::-1]) / 2
        mt = points[np.argmin([np.linalg.norm(p.mean(axis=0) - centre) for p in points])]
        det = min(dets, key=lambda d: np.hypot(d.center().x - centre[0], d.center().y - centre[1]))
        shape = predictor(image, det)
        dl = np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float64)
        if np.linalg.norm(mt.mean(axis=0) - dl.mean(axis=0)) > 20:
            continue  # not the same face
        yield image, mt.astype(np.float64), shape, dl


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", type=int, default=600, help="faces to fit on")
    parser.add_argument("--eval", type=int, default=300, help="faces to evaluate on")
    args = parser.parse_args()
    torch.set_num_threads(1)
    mtcnn = MTCNN(keep_all=True, device="cpu")
    detector = dlib.get_frontal_face_detector()
    predictor = dlib.shape_predictor(str(find_model_file("shape_predictor_5_face_landmarks.dat")))
    people = sorted(p for p in (DATA / "lfw-dev").iterdir() if p.is_dir())
    singles = [next(p.iterdir()) for p in people if len(list(p.iterdir())) == 1]
    multi = [f for p in people if len(list(p.iterdir())) > 1 for f in sorted(p.iterdir())]
    dlib_template = dlib_shape5_template()

    in_chip = []
    for _, mt, _, dl in centre_pairs(singles[: args.fit], mtcnn, detector, predictor):
        matrix, offset = similarity_transform(dlib_template.points, dl)
        in_chip.append(np.linalg.solve(matrix, (mt - offset).T).T)
    in_chip = np.array(in_chip)
    fitted = in_chip.mean(axis=0)
    print(f"fitted on {len(in_chip)} faces; per-point std (chip px): {in_chip.std(axis=0).round(2).tolist()}")
    print("template:", np.round(fitted, 1).tolist())

    embedder = DlibResNetEmbedder(device="cpu")
    recognizer = dlib.face_recognition_model_v1(str(embedder.model_path))
    rng = np.random.default_rng(0)
    sample = [multi[i] for i in rng.choice(len(multi), args.eval, replace=False)]
    dists = {"current": [], "refit": []}
    for image, mt, shape, _ in centre_pairs(sample, mtcnn, detector, predictor):
        ref = np.array(recognizer.compute_face_descriptor(image, shape))
        for name, template in (("current", MTCNN_TEMPLATE), ("refit", Template(fitted, MTCNN_TEMPLATE.weights))):
            ours = embedder.embed_chips(align_faces(image, mt[None], template))[0]
            dists[name].append(np.linalg.norm(ours - ref))
    for name, values in dists.items():
        v = np.array(values)
        print(f"{name:8s} n={len(v)} mean={v.mean():.4f} median={np.median(v):.4f} "
              f"p95={np.percentile(v, 95):.4f} max={v.max():.4f}")


if __name__ == "__main__":
    main()
