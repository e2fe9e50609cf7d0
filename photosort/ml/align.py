"""Face alignment: 5 landmarks -> 150x150 chip, sampled exactly like dlib (numpy only).

A similarity transform (weighted least squares, no reflection) maps a 5-point
template in chip coordinates onto the detected landmarks.  The chip is then cut out the
way dlib's ``extract_image_chip`` does it, so that the ResNet sees the same
pixels it was trained on:

* the transform becomes a rotated rectangle (``chip_details``) whose corners
  are the chip's corner pixels, so chip pixel ``u`` samples template
  coordinate ``75 + (u - 74.5) * (150 - 1/s) / 149`` (``s`` = image pixels per
  template pixel);
* when the face is about twice the chip size or larger, the surrounding region
  is first shrunk with dlib's ``pyramid_down<2>`` (5x5 binomial low-pass, integer
  arithmetic) and the chip is sampled from the right pyramid level;
* sampling is bilinear, pixels whose 2x2 neighbourhood leaves the image are black.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

CHIP_SIZE = 150


@dataclass(frozen=True)
class Template:
    """Where K landmarks sit on the chip (K, 2), and their weights in the fit."""

    points: np.ndarray
    weights: np.ndarray | None = None


# Where MTCNN's landmarks (left eye, right eye, nose, mouth left, mouth right;
# "left" as seen in the image) fall on dlib's 150x150 chip (padding 0.25), fitted
# on LFW faces by mapping MTCNN's points through dlib's own alignment
# (benchmarks/fit_mtcnn_template.py).  dlib aligns on eye corners and the nose
# only; MTCNN's mouth corners move with the expression, so they get little
# weight (LFW, vs dlib's full pipeline: mean descriptor distance 0.139 -> 0.112).
MTCNN_TEMPLATE = Template(
    points=np.array([[48.3, 46.7], [102.8, 46.6], [75.3, 78.0], [51.3, 105.8], [99.5, 105.9]]),
    weights=np.array([3.0, 3.0, 1.0, 0.3, 0.3]),
)

# dlib's template for its own 5-point shape predictor (get_face_chip_details),
# in units of the unpadded face box; see ``dlib_shape5_template``.
_DLIB_SHAPE5 = np.array(
    [[0.8595674595992, 0.2134981538014], [0.6460604764104, 0.2289674387677],
     [0.1205750620789, 0.2137274526848], [0.3340850613712, 0.2290642403242],
     [0.4901123135679, 0.6277975316475]],
)


def dlib_shape5_template(padding: float = 0.25) -> Template:
    """dlib's 150x150 chip template for ``shape_predictor_5_face_landmarks`` points."""
    return Template((padding + _DLIB_SHAPE5) / (2 * padding + 1) * CHIP_SIZE)


def similarity_transform(
    src: np.ndarray, dst: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least-squares similarity ``dst ~ A @ src + t`` (Umeyama, no reflection).

    Returns the 2x2 matrix ``A`` (rotation times scale) and the translation ``t``.
    Without weights this is dlib's ``find_similarity_transform``.
    """
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    w = np.full(len(src), 1.0 / len(src)) if weights is None else np.asarray(weights, float) / np.sum(weights)
    mean_src, mean_dst = w @ src, w @ dst
    src_c, dst_c = src - mean_src, dst - mean_dst
    sigma_src = w @ (src_c**2).sum(axis=1)
    cov = (dst_c * w[:, None]).T @ src_c
    u, d, vt = np.linalg.svd(cov)
    s = np.eye(2)
    if np.linalg.det(cov) < 0 or (np.linalg.det(cov) == 0 and np.linalg.det(u) * np.linalg.det(vt) < 0):
        s[1, 1] = -1
    scale = np.trace(np.diag(d) @ s) / sigma_src if sigma_src != 0 else 1.0
    matrix = scale * (u @ s @ vt)
    return matrix, mean_dst - matrix @ mean_src


def chip_rect(matrix: np.ndarray, offset: np.ndarray, size: int = CHIP_SIZE) -> tuple[np.ndarray, float]:
    """dlib's ``chip_details`` for a template->image transform.

    Returns the rectangle ``(left, top, right, bottom)`` in image pixels (before
    rotation about its centre) and the rotation angle in radians.
    """
    p = matrix @ np.array([1.0, 0.0])
    angle = math.atan2(p[1], p[0])
    scale = math.hypot(p[0], p[1])
    cx, cy = matrix @ np.array([size / 2.0, size / 2.0]) + offset
    half = (size * scale - 1) / 2  # dlib's centered_drect subtracts one pixel
    return np.array([cx - half, cy - half, cx + half, cy + half]), angle


def _rect_down(rect: np.ndarray) -> np.ndarray:
    """pyramid_down<2>::rect_down: p/2 - (1.25, 0.75) on both corners."""
    return rect / 2.0 - np.array([1.25, 0.75, 1.25, 0.75])


def _area(rect: np.ndarray) -> float:
    width, height = rect[2] - rect[0] + 1, rect[3] - rect[1] + 1
    return 0.0 if width <= 0 or height <= 0 else width * height


def _rotate(center: np.ndarray, points: np.ndarray, angle: float) -> np.ndarray:
    cos_a, sin_a = math.cos(angle), math.sin(angle)
    rel = points - center
    return np.stack([cos_a * rel[:, 0] - sin_a * rel[:, 1], sin_a * rel[:, 0] + cos_a * rel[:, 1]], axis=1) + center


def _corners(rect: np.ndarray) -> np.ndarray:
    left, top, right, bottom = rect
    return np.array([[left, top], [right, top], [left, bottom], [right, bottom]])


def _binomial_down(x: np.ndarray, axis: int, count: int) -> np.ndarray:
    """Taps 1-4-6-4-1 along ``axis`` at every other position: output i uses 2i..2i+4."""
    taps = [np.take(x, range(k, k + 2 * count, 2), axis=axis) for k in range(5)]
    return taps[0] + 4 * taps[1] + 6 * taps[2] + 4 * taps[3] + taps[4]


def pyramid_down2(image: np.ndarray) -> np.ndarray:
    """dlib's ``pyramid_down<2>`` on an RGB uint8 image: 5x5 binomial filter, keep every
    other pixel, output ``((H-3)//2, (W-3)//2)``, integer maths truncated like dlib."""
    height, width = image.shape[:2]
    if height <= 8 or width <= 8:
        return np.zeros((0, 0, 3), dtype=np.uint8)
    rows = _binomial_down(image.astype(np.uint32), 1, (width - 3) // 2)
    return (_binomial_down(rows, 0, (height - 3) // 2) // 256).astype(np.uint8)


def _bilinear(image: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Sample ``image`` at float coordinates; black where the 2x2 support leaves it."""
    height, width = image.shape[:2]
    if height < 2 or width < 2:
        return np.zeros((*xs.shape, image.shape[2]), dtype=np.uint8)
    left, top = np.floor(xs), np.floor(ys)
    fx, fy = (xs - left).reshape(-1, 1), (ys - top).reshape(-1, 1)
    left, top = left.astype(np.intp), top.astype(np.intp)
    valid = ((left >= 0) & (top >= 0) & (left < width - 1) & (top < height - 1)).reshape(-1)
    index = np.where(valid, (top * width + left).reshape(-1), 0)
    flat = image.reshape(-1, image.shape[2])
    upper = (1 - fx) * flat[index] + fx * flat[index + 1]
    lower = (1 - fx) * flat[index + width] + fx * flat[index + width + 1]
    value = (1 - fy) * upper + fy * lower  # float64 like dlib, which then truncates
    out = np.clip(value, 0, 255).astype(np.uint8)
    out[~valid] = 0
    return out.reshape(*xs.shape, image.shape[2])


def extract_chip(image: np.ndarray, rect: np.ndarray, angle: float, size: int = CHIP_SIZE) -> np.ndarray:
    """Cut the rotated ``rect`` out of an RGB uint8 image into a (size, size, 3) chip,
    like dlib's ``extract_image_chip`` (pyramid for big faces, then bilinear)."""
    target_area = size * size
    grow, down = 2.0, _rect_down(rect)  # dlib's margin kept around the face for the pyramid
    while _area(down) > target_area:
        down = _rect_down(down)
        grow = grow * 2 + 2
    center = np.array([(rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2])
    rotated = _rotate(center, _corners(rect), angle)
    height, width = image.shape[:2]
    box = np.array([
        max(rotated[:, 0].min() - grow, 0.0), max(rotated[:, 1].min() - grow, 0.0),
        min(rotated[:, 0].max() + grow, width - 1.0), min(rotated[:, 1].max() + grow, height - 1.0),
    ])
    left, top, right, bottom = (int(math.floor(v + 0.5)) for v in box)
    if left > right or top > bottom:
        return np.zeros((size, size, 3), dtype=np.uint8)
    source = image[top:bottom + 1, left:right + 1]
    local = rect - np.array([left, top, left, top], dtype=np.float64)
    while _area(_rect_down(local)) > target_area:
        source = pyramid_down2(source)
        local = _rect_down(local)
    local_center = np.array([(local[0] + local[2]) / 2, (local[1] + local[3]) / 2])
    p_tl, p_tr, p_bl, _ = _rotate(local_center, _corners(local), angle)
    steps = np.arange(size, dtype=np.float64) / (size - 1)
    u, v = np.meshgrid(steps, steps)
    xs = p_tl[0] + u * (p_tr[0] - p_tl[0]) + v * (p_bl[0] - p_tl[0])
    ys = p_tl[1] + u * (p_tr[1] - p_tl[1]) + v * (p_bl[1] - p_tl[1])
    return _bilinear(source, xs, ys)


def align_faces(image: np.ndarray, landmarks: np.ndarray, template: Template = MTCNN_TEMPLATE) -> np.ndarray:
    """Chips (N, 150, 150, 3) uint8 for the N faces whose landmarks (N, K, 2), in
    ``image``'s pixel frame, correspond to the K ``template`` points."""
    image = np.ascontiguousarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 image (H, W, 3), got {image.dtype} {image.shape}")
    landmarks = np.asarray(landmarks, dtype=np.float64).reshape(-1, *template.points.shape)
    chips = np.zeros((len(landmarks), CHIP_SIZE, CHIP_SIZE, 3), dtype=np.uint8)
    for i, points in enumerate(landmarks):
        matrix, offset = similarity_transform(template.points, points, template.weights)
        rect, angle = chip_rect(matrix, offset)
        chips[i] = extract_chip(image, rect, angle)
    return chips
