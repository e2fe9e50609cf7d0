"""MTCNN face detection (facenet-pytorch), run at a deliberate working size.

MTCNN's cost grows with (image side / minimum face size)²: its image pyramid
starts at a scale where ``min_face_size`` pixels become 12 and shrinks by
``factor`` until the image is 12 pixels. So the detector first brings the
photo down to ``max_side`` pixels on its long side (never up), and
``min_face_size`` is counted in those working pixels. With the defaults
(1024, 20) a 12 MP photo (4000×3000) finds faces down to ≈ 80 px wide in the
original, i.e. ≈ 2 % of the long side: every face in a portrait or a group
photo, not the faces of a distant crowd. Raising ``max_side`` to 2048 finds
faces half that size at about 4× the cost. Boxes and landmarks are returned in
the pixel frame of the image given to :meth:`MtcnnDetector.detect`.

The networks and weights are facenet-pytorch's; the cascade around them is
:mod:`photosort.ml.mtcnn`, which finds the same faces in 60 % of the time and
without importing torchvision.
"""

from __future__ import annotations

import numpy as np

from photosort.core import defaults
from photosort.core.records import Box, DetectedFace

DEFAULT_MAX_SIDE = defaults.MAX_SIDE
DEFAULT_MIN_FACE = defaults.MIN_FACE_SIZE
DEFAULT_THRESHOLD = defaults.THRESHOLD
NAME = "mtcnn-facenet"
VERSION = "2.6.0+cascade2"
DETECTOR_ID = f"{NAME}@{VERSION}"
"""Stored with every analysis: facenet-pytorch 2.6.0's weights, our cascade (revision 2;
revision 1 was facenet-pytorch's own ``detect_face``)."""


def resolve_device(device: str | None) -> str:
    """``device`` if given, else CUDA when present, else CPU."""
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class MtcnnDetector:
    """facenet-pytorch's MTCNN behind the :class:`~photosort.ml.types.Detector` protocol."""

    name = NAME
    version = VERSION

    def __init__(self, min_face_size: int = DEFAULT_MIN_FACE, threshold: float = DEFAULT_THRESHOLD,
                 max_side: int = DEFAULT_MAX_SIDE, device: str | None = None) -> None:
        from photosort.ml.mtcnn import MtcnnCascade

        self.min_face_size = int(min_face_size)
        self.threshold = float(threshold)
        self.max_side = int(max_side)
        self.device = resolve_device(device)
        self._cascade = MtcnnCascade(min_face=self.min_face_size, device=self.device)

    @property
    def model_id(self) -> str:
        return f"{self.name}@{self.version}"

    def detect(self, image: np.ndarray) -> list[DetectedFace]:
        """Faces in an RGB uint8 (H, W, 3) image, best first."""
        if image.ndim != 3 or image.shape[2] != 3 or min(image.shape[:2]) < 12:
            return []
        work, scale = _working_copy(image, self.max_side)
        boxes, points = self._cascade.detect(work)
        faces = []
        h, w = image.shape[:2]
        for box, pts in zip(boxes, points):
            prob = float(box[4])
            if prob < self.threshold:
                continue
            x1, y1, x2, y2 = (float(v) / scale for v in box[:4])
            x1, y1 = max(0.0, x1), max(0.0, y1)
            x2, y2 = min(float(w), x2), min(float(h), y2)
            if x2 - x1 < 2 or y2 - y1 < 2:
                continue
            landmarks = np.asarray(pts, dtype=np.float32) / scale
            faces.append(DetectedFace(Box(x1, y1, x2, y2), landmarks, prob))
        faces.sort(key=lambda f: -f.score)
        return faces


def _working_copy(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """``image`` shrunk so its long side is at most ``max_side``, and the scale used."""
    h, w = image.shape[:2]
    side = max(h, w)
    if side <= max_side:
        return np.ascontiguousarray(image), 1.0
    from PIL import Image

    scale = max_side / side
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = Image.fromarray(image).resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.asarray(small), size[0] / w
