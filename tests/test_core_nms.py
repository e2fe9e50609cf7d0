"""Non-maximum suppression: the same picks as torchvision's ``nms`` and facenet-pytorch's "Min" NMS."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from facenet_pytorch.models.utils.detect_face import nms_numpy
from hypothesis import given, settings
from hypothesis import strategies as st
from torchvision.ops import nms as torchvision_nms

from photosort.core.nms import nms


def _random_boxes(seed: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    corner = rng.uniform(0, 200, (count, 2))
    size = rng.uniform(1, 80, (count, 2))
    # distinct scores: with ties the order of equal boxes is up to the implementation
    scores = rng.permutation(count).astype(np.float64) / count + rng.uniform(0, 1e-3)
    return np.hstack([corner, corner + size]), scores


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(0, 120), threshold=st.sampled_from([0.3, 0.5, 0.7]))
def test_union_matches_torchvision(seed: int, count: int, threshold: float) -> None:
    boxes, scores = _random_boxes(seed, count)
    expected = torchvision_nms(torch.from_numpy(boxes), torch.from_numpy(scores), threshold).numpy()
    assert nms(boxes, scores, threshold).tolist() == expected.tolist()


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(1, 120))
def test_min_matches_facenets_numpy_nms(seed: int, count: int) -> None:
    boxes, scores = _random_boxes(seed, count)
    expected = nms_numpy(boxes, scores, 0.7, "Min")
    assert nms(boxes, scores, 0.7, method="min").tolist() == expected.tolist()


def test_small_cases() -> None:
    assert nms(np.zeros((0, 4)), np.zeros(0), 0.5).tolist() == []
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], float)
    assert nms(boxes, np.array([0.5, 0.9, 0.1]), 0.5).tolist() == [1, 2]
    assert nms(boxes, np.array([0.5, 0.9, 0.1]), 0.9).tolist() == [1, 0, 2]
    inside = np.array([[0, 0, 100, 100], [10, 10, 20, 20]], float)  # IoU 0.01, Min overlap 1
    assert nms(inside, np.array([1.0, 0.5]), 0.7).tolist() == [0, 1]
    assert nms(inside, np.array([1.0, 0.5]), 0.7, method="min").tolist() == [0]
    with pytest.raises(ValueError):
        nms(boxes, np.ones(3), 0.5, method="max")
