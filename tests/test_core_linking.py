"""Noise linking beyond its exact-pass cap finds the same groups (``core.linking``)."""

from __future__ import annotations

import numpy as np

from photosort.core import linking
from photosort.core.metrics import score_clustering


def test_noise_linking_above_the_cap_finds_the_exact_groups(monkeypatch):
    rng = np.random.default_rng(5)
    centres = rng.normal(size=(9_000, 128)).astype(np.float32) * 0.12  # ≈ 1.4 apart
    X = np.repeat(centres, 3, axis=0) + rng.normal(size=(27_000, 128)).astype(np.float32) * 0.02
    noise = np.full(len(X), -1)
    cells = linking.link_noise(X, noise, 0.4)  # 27k noise faces: above the cap
    monkeypatch.setattr(linking, "MAX_NOISE", 10**6)
    exact = linking.link_noise(X, noise, 0.4)
    assert len(np.unique(exact)) == 9_000 and (exact >= 0).all()
    assert score_clustering(exact, cells).pairwise_f > 0.99
