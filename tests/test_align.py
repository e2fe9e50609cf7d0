"""Alignment: similarity fit, dlib's pyramid and chip sampling (dlib is the oracle here)."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import dlib  # dev dependency (dlib-bin): the oracle, never imported by photosort
import numpy as np
import pytest
from PIL import Image, ImageOps

from photosort.ml.align import (
    CHIP_SIZE,
    MTCNN_TEMPLATE,
    Template,
    align_faces,
    chip_rect,
    dlib_shape5_template,
    extract_chip,
    pyramid_down2,
    similarity_transform,
)
from photosort.ml.weights import find_model_file


def _load(path: Path) -> np.ndarray:
    return np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))


@functools.cache
def _dlib_models() -> tuple:
    predictor = dlib.shape_predictor(str(find_model_file("shape_predictor_5_face_landmarks.dat")))
    return dlib.get_frontal_face_detector(), predictor


def _dlib_shapes(image: np.ndarray, max_side: int = 800) -> list:
    """dlib's 5-point shapes of the frontal faces; HOG runs on a reduced copy."""
    factor = max(1.0, max(image.shape[:2]) / max_side)
    small = np.asarray(Image.fromarray(image).resize(
        (round(image.shape[1] / factor), round(image.shape[0] / factor))))
    detector, predictor = _dlib_models()
    shapes = []
    for d in detector(small, 1 if max(small.shape) <= 400 else 0):
        rect = dlib.rectangle(*(round(v * factor) for v in (d.left(), d.top(), d.right(), d.bottom())))
        shapes.append(predictor(image, rect))
    return shapes


def _points(shape) -> np.ndarray:
    return np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float64)


def test_similarity_transform_recovers_a_known_transform() -> None:
    rng = np.random.default_rng(1)
    src = rng.uniform(0, 150, (5, 2))
    angle, scale, shift = 0.4, 2.7, np.array([310.0, -42.0])
    matrix = scale * np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    fitted, offset = similarity_transform(src, src @ matrix.T + shift, weights=[3, 3, 1, 0.3, 0.3])
    np.testing.assert_allclose(fitted, matrix, atol=1e-9)
    np.testing.assert_allclose(offset, shift, atol=1e-7)


def test_similarity_transform_never_reflects() -> None:
    src = MTCNN_TEMPLATE.points
    mirrored = src * np.array([-1.0, 1.0])  # a mirror image cannot be fitted by rotation
    matrix, _ = similarity_transform(src, mirrored)
    assert np.linalg.det(matrix) > 0


@pytest.mark.parametrize("shape", [(9, 9), (21, 30), (100, 77), (301, 202)])
def test_pyramid_down_matches_dlib(shape: tuple[int, int]) -> None:
    image = np.random.default_rng(sum(shape)).integers(0, 256, (*shape, 3), dtype=np.uint8)
    expected = dlib.pyramid_down(2)(image)
    ours = pyramid_down2(image)
    assert ours.shape == expected.shape
    np.testing.assert_array_equal(ours, expected)


def test_chip_geometry_puts_landmarks_on_the_template() -> None:
    """Dots drawn where a known similarity sends the template land on the template.

    The face is 3.2x the chip size and rotated, so the pyramid path is used."""
    angle, scale = math.radians(25), 3.2
    matrix = scale * np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    offset = np.array([400.0, 150.0])
    image = np.zeros((900, 900, 3), dtype=np.uint8)
    landmarks = MTCNN_TEMPLATE.points @ matrix.T + offset
    for x, y in landmarks:
        image[round(y) - 6:round(y) + 7, round(x) - 6:round(x) + 7] = 255
    chip = align_faces(image, landmarks[None])[0]
    assert chip.shape == (CHIP_SIZE, CHIP_SIZE, 3)
    for tx, ty in MTCNN_TEMPLATE.points:
        window = chip[int(ty) - 8:int(ty) + 9, int(tx) - 8:int(tx) + 9, 0].astype(float)
        ys, xs = np.nonzero(window > 128)
        assert len(xs) > 0, "dot missing near its template position"
        cx, cy = xs.mean() + int(tx) - 8, ys.mean() + int(ty) - 8
        assert math.hypot(cx - tx, cy - ty) < 1.5


def test_chip_outside_the_image_is_black() -> None:
    image = np.full((200, 200, 3), 200, dtype=np.uint8)
    rect, angle = chip_rect(np.eye(2), np.array([120.0, 120.0]))  # chip spans 120..269
    chip = extract_chip(image, rect, angle)
    assert chip[:70, :70].min() == 200 and chip[90:, :].max() == 0 and chip[:, 90:].max() == 0


def test_align_faces_rejects_non_rgb_uint8() -> None:
    with pytest.raises(ValueError, match="RGB uint8"):
        align_faces(np.zeros((50, 50), dtype=np.uint8), MTCNN_TEMPLATE.points[None])
    with pytest.raises(ValueError, match="RGB uint8"):
        align_faces(np.zeros((50, 50, 3), dtype=np.float32), MTCNN_TEMPLATE.points[None])


def test_chips_match_dlib_get_face_chip_exactly(data_dir: Path) -> None:
    """Given dlib's landmarks and template, our chips are dlib's chips, pixel for pixel:
    small LFW faces (plain bilinear), big faces in high-resolution photos (pyramid
    levels) and a face cut by the image border (black fill)."""
    lfw = sorted((data_dir / "lfw-dev" / "Colin_Powell").glob("*.jpg"))[:3]
    big = [data_dir / "deepface_testset" / p for p in ("person_01/img1.jpg", "person_01/img4.jpg",
                                                       "_group_photos_unlabeled/couple.jpg")]
    images = [_load(p) for p in lfw + big]
    images.append(np.ascontiguousarray(_load(lfw[0])[70:, 75:]))  # the face touches the top-left border
    template = dlib_shape5_template()
    compared, big_faces = 0, 0
    for image in images:
        for shape in _dlib_shapes(image):
            expected = dlib.get_face_chip(image, shape, CHIP_SIZE, 0.25)
            ours = align_faces(image, _points(shape)[None], template)[0]
            diff = np.abs(ours.astype(int) - expected.astype(int))
            assert diff.max() <= 1 and diff.mean() < 0.01, f"chip differs from dlib's by up to {diff.max()}"
            compared += 1
            big_faces += shape.rect.width() > 2 * CHIP_SIZE
    assert compared >= 8 and big_faces >= 3, (compared, big_faces)


def test_mtcnn_template_is_a_fixed_weighted_template() -> None:
    assert isinstance(MTCNN_TEMPLATE, Template)
    assert MTCNN_TEMPLATE.points.shape == (5, 2) and MTCNN_TEMPLATE.weights.shape == (5,)
    # eyes level and symmetric about the chip's centre line, mouth below the nose
    left_eye, right_eye, nose, mouth_left, mouth_right = MTCNN_TEMPLATE.points
    assert abs(left_eye[1] - right_eye[1]) < 1 and abs((left_eye[0] + right_eye[0]) / 2 - 75) < 1.5
    assert left_eye[1] < nose[1] < mouth_left[1] and mouth_left[0] < nose[0] < mouth_right[0]
