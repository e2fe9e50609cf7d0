"""Landmarks for a face box that the detector did not produce (a drawn box, an XMP region).

Three tries, best first:

1. the whole MTCNN cascade on the area around the box, enlarged so the face
   is about :data:`WORK_FACE` pixels: finds the faces that were only too
   small (or too blurred at the photo's working size) for the scan; the
   detection overlapping the box most gives the landmarks;
2. O-Net alone on the box made square (MTCNN's last stage, which outputs
   the five points for whatever crop it is given);
3. a fixed template (eyes, nose, mouth where they sit in an average frontal
   face box) when O-Net does not see a face there either.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from photosort.core.records import Box

WORK_FACE = 120
"""Side (pixels) the box is scaled to before the cascade runs on it."""
ONET_MIN_PROB = 0.3

# Average MTCNN landmark positions in its own face boxes (fractions of width, height).
TEMPLATE = np.array([[0.31, 0.40], [0.69, 0.40], [0.50, 0.58], [0.35, 0.78], [0.65, 0.78]], np.float32)

_nets: dict[str, object] = {}


def _iou(a: np.ndarray, b: Box) -> float:
    ix = max(0.0, min(a[2], b.x2) - max(a[0], b.x1))
    iy = max(0.0, min(a[3], b.y2) - max(a[1], b.y1))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + b.width * b.height - inter
    return inter / union if union > 0 else 0.0


def landmarks_for_box(image: np.ndarray, box: Box, device: str = "cpu") -> tuple[np.ndarray, str]:
    """(5, 2) landmarks for ``box`` in ``image`` (same pixel frame) and how they were found:
    ``"cascade"``, ``"onet"`` or ``"template"``."""
    from photosort.ml.mtcnn import MtcnnCascade

    cascade = _nets.get(device)
    if cascade is None:
        cascade = _nets[device] = MtcnnCascade(min_face=20, device=device)
    h, w = image.shape[:2]
    side = max(box.width, box.height, 1.0)
    pad = side * 0.6
    x1, y1 = int(max(0, box.x1 - pad)), int(max(0, box.y1 - pad))
    x2, y2 = int(min(w, box.x2 + pad)), int(min(h, box.y2 + pad))
    if x2 - x1 >= 2 and y2 - y1 >= 2:
        scale = WORK_FACE / side
        crop = Image.fromarray(np.ascontiguousarray(image[y1:y2, x1:x2]))
        size = (max(12, round((x2 - x1) * scale)), max(12, round((y2 - y1) * scale)))
        work = np.asarray(crop.resize(size, Image.Resampling.BICUBIC))
        sx, sy = size[0] / (x2 - x1), size[1] / (y2 - y1)
        boxes, points = cascade.detect(work)
        best, best_iou = None, 0.3
        for b, pts in zip(boxes, points):
            mapped = np.array([b[0] / sx + x1, b[1] / sy + y1, b[2] / sx + x1, b[3] / sy + y1])
            iou = _iou(mapped, box)
            if iou > best_iou:
                best, best_iou = pts, iou
        if best is not None:
            marks = np.asarray(best, np.float64)
            return np.stack([marks[:, 0] / sx + x1, marks[:, 1] / sy + y1], 1).astype(np.float32), "cascade"
    marks, prob = _onet(cascade, image, box)
    if prob >= ONET_MIN_PROB:
        return marks, "onet"
    return (TEMPLATE * np.array([box.width, box.height], np.float32)
            + np.array([box.x1, box.y1], np.float32)), "template"


def _onet(cascade, image: np.ndarray, box: Box) -> tuple[np.ndarray, float]:
    import torch

    side = max(box.width, box.height)
    cx, cy = box.center
    sq = (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)
    sq = tuple(int(round(v)) for v in sq)
    side = max(1, sq[2] - sq[0])
    crop = Image.fromarray(np.ascontiguousarray(image)).crop(sq).resize((48, 48), Image.Resampling.BOX)
    with torch.inference_mode():
        _, marks, prob = (t.cpu().numpy().astype(np.float64)
                          for t in cascade.onet(cascade._tensor(np.asarray(crop)[None])))
    xs = sq[0] + side * marks[0, :5]
    ys = sq[1] + side * marks[0, 5:]
    return np.stack([xs, ys], 1).astype(np.float32), float(prob[0, 1])
