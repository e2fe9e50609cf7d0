"""Second pass over HDBSCAN's noise: link faces that are unmistakably the same person.

HDBSCAN never selects the root of its cluster tree (``allow_single_cluster``
is off, which is right for big libraries), so a small library holding one
person plus a few strangers comes back as all noise, and so does any tight
pair that hangs directly off the root. dlib's descriptors are calibrated
(same person < 0.6), so noise faces closer than a strict ``threshold`` are
joined by single linkage into new clusters. Only noise is touched.
"""

from __future__ import annotations

import numpy as np

NOISE = -1
MAX_NOISE = 20_000  # beyond this the O(n²) pass is skipped (≈ 10 s at the cap)


def link_noise(X: np.ndarray, labels: np.ndarray, threshold: float, *,
               min_size: int = 2) -> np.ndarray:
    """Labels where connected groups of noise points (distance ≤ ``threshold``) become clusters."""
    labels = np.asarray(labels, dtype=np.int64).copy()
    noise = np.flatnonzero(labels == NOISE)
    if len(noise) < min_size or len(noise) > MAX_NOISE:
        return labels
    Y = np.asarray(X, dtype=np.float32)[noise]
    parent = np.arange(len(noise))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    sq = np.einsum("ij,ij->i", Y, Y)
    limit = threshold * threshold
    for start in range(0, len(Y), 2048):
        block = Y[start:start + 2048]
        d2 = sq[start:start + 2048, None] + sq[None, :] - 2.0 * block @ Y.T
        rows, cols = np.nonzero(d2 <= limit)
        for a, b in zip(rows + start, cols):
            if a < b:
                ra, rb = find(int(a)), find(int(b))
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([find(i) for i in range(len(noise))])
    ids, counts = np.unique(roots, return_counts=True)
    next_label = int(labels.max()) + 1 if labels.size else 0
    for root, count in zip(ids, counts):
        if count >= min_size:
            labels[noise[roots == root]] = next_label
            next_label += 1
    return labels
