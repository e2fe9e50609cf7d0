"""Mirror averaging: a face's descriptor depends less on which way the photo was taken."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from photosort.ml.detector import MtcnnDetector
from photosort.ml.embedder import DlibResNetEmbedder


def test_mirror_averaging_makes_descriptors_steadier_under_a_flipped_photo(data_dir):
    torch.set_num_threads(1)
    detector = MtcnnDetector()
    plain = DlibResNetEmbedder(device="cpu")
    mirrored = DlibResNetEmbedder(device="cpu", mirror=True)
    assert mirrored.model_id == "dlib-resnet-v1@1+mirror" != plain.model_id
    ratios = []
    for path in sorted((data_dir / "five_celebrity").glob("*/*.jpg"))[:4]:
        image = np.asarray(Image.open(path).convert("RGB"))
        flipped = np.ascontiguousarray(image[:, ::-1])
        a = detector.detect(image)[0].landmarks[None]
        b = detector.detect(flipped)[0].landmarks[None]  # MTCNN's own landmarks on the flip
        d_plain = np.linalg.norm(plain.embed(image, a) - plain.embed(flipped, b))
        d_mirror = np.linalg.norm(mirrored.embed(image, a) - mirrored.embed(flipped, b))
        ratios.append(d_mirror / d_plain)
    assert np.mean(ratios) < 0.8, ratios
