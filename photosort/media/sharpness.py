"""How sharp a face is: the variance of the Laplacian of its crop, at one fixed size.

The crop (the detector's box, clipped to the photo) is turned grey and resized
to ``SIDE`` × ``SIDE`` pixels before the 4-neighbour Laplacian, so the value
does not grow with the face's size in pixels: a small face blown up to
``SIDE`` is as soft as it looks, a large one shrunk to ``SIDE`` keeps its
edges. Blur (motion, focus, heavy JPEG) removes the high frequencies the
Laplacian measures, so a blurred copy of a face scores far lower than the
sharp original (``tests/test_cover_sharpness.py``). Computed once, where the
face is analysed (the decoded pixels are at hand there), and stored with the
face; the cover choice (``services.cover``) reads it.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

SIDE = 64


def laplacian_variance(gray: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian of a 2-D float image (0 for a flat one)."""
    g = np.asarray(gray, dtype=np.float64)
    if g.ndim != 2 or min(g.shape) < 3:
        return 0.0
    lap = (g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:] - 4.0 * g[1:-1, 1:-1])
    return float(lap.var())


def face_sharpness(pixels: np.ndarray, box: tuple[float, float, float, float]) -> float:
    """Sharpness of the face at ``box`` (x1, y1, x2, y2, in ``pixels``' frame) of an
    (H, W, 3) uint8 RGB image; 0 when the box holds fewer than 3 × 3 pixels."""
    h, w = pixels.shape[:2]
    x1, y1 = max(int(np.floor(box[0])), 0), max(int(np.floor(box[1])), 0)
    x2, y2 = min(int(np.ceil(box[2])), w), min(int(np.ceil(box[3])), h)
    if x2 - x1 < 3 or y2 - y1 < 3:
        return 0.0
    crop = Image.fromarray(np.ascontiguousarray(pixels[y1:y2, x1:x2])).convert("L")
    crop = crop.resize((SIDE, SIDE), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return laplacian_variance(np.asarray(crop, dtype=np.float64))
