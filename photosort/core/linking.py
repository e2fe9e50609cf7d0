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
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    Y = np.asarray(X, dtype=np.float32)[noise]
    sq = np.einsum("ij,ij->i", Y, Y)
    limit = threshold * threshold
    pairs = []
    for start in range(0, len(Y), 2048):
        block = Y[start:start + 2048]
        d2 = sq[start:start + 2048, None] + sq[None, :] - 2.0 * block @ Y.T
        rows, cols = np.nonzero(d2 <= limit)
        pairs.append((rows + start, cols))
    rows, cols = (np.concatenate(part) for part in zip(*pairs))
    graph = csr_matrix((np.ones(rows.size, dtype=np.int8), (rows, cols)), shape=(len(Y), len(Y)))
    _, component = connected_components(graph, directed=False)  # numbered by first member
    big = np.bincount(component) >= min_size
    new_label = np.cumsum(big) - 1 + (int(labels.max()) + 1 if labels.size else 0)
    linked = big[component]
    labels[noise[linked]] = new_label[component[linked]]
    return labels
