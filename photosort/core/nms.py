"""Greedy non-maximum suppression over boxes, in numpy (used by the MTCNN cascade).

Two overlap measures, as MTCNN uses them: ``"union"`` (intersection over union,
areas ``(x2 - x1) * (y2 - y1)`` like torchvision's ``nms``) and ``"min"``
(intersection over the smaller box, areas with dlib/MATLAB's ``+ 1``, like
facenet-pytorch's last stage). A box is suppressed when its overlap with a
better-scoring kept box is *above* the threshold.
"""

from __future__ import annotations

import numpy as np


def nms(boxes: np.ndarray, scores: np.ndarray, threshold: float, method: str = "union") -> np.ndarray:
    """Indices of the boxes (N, 4) ``x1, y1, x2, y2`` kept, best score first."""
    if method not in ("union", "min"):
        raise ValueError(f"unknown overlap method {method!r}")
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if len(boxes) == 0:
        return np.zeros(0, dtype=np.intp)
    x1, y1, x2, y2 = boxes.T
    plus = 1.0 if method == "min" else 0.0
    area = (x2 - x1 + plus) * (y2 - y1 + plus)
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        w = np.maximum(0.0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]) + plus)
        h = np.maximum(0.0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]) + plus)
        inter = w * h
        if method == "min":
            overlap = inter / np.minimum(area[i], area[rest])
        else:
            union = area[i] + area[rest] - inter
            overlap = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        order = rest[overlap <= threshold]
    return np.asarray(keep, dtype=np.intp)
