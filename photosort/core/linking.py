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
MAX_NOISE = 20_000
"""Up to here every pair of noise faces is compared (O(n²): ≈ 10 s at the cap on 2 cores).

Beyond it the pairs closer than the threshold are the edges of the k-NN
graph HDBSCAN just clustered (when given), else they are searched in the
k-NN index's cells (:mod:`photosort.core.knn`: a face's close neighbours sit
in the few cells nearest to it), so the cost grows like n·k or n·cells, and
noise linking no longer stops at a library size (it did: above 20k noise
faces it was skipped). ``benchmarks/bench_scale.py`` reports the noise count
of a 400k-face regroup; ``tests/test_core_linking.py`` checks that the
cells find the exact pass's groups."""


def link_noise(X: np.ndarray, labels: np.ndarray, threshold: float, *,
               min_size: int = 2, graph=None) -> np.ndarray:
    """Labels where connected groups of noise points (distance ≤ ``threshold``) become clusters.

    ``graph``: the k-NN graph HDBSCAN clustered (scipy CSR of distances,
    :func:`photosort.core.clustering.neighbour_graph`). Above ``MAX_NOISE``
    noise faces its edges are the candidate pairs: a noise face's partners
    within the strict threshold are among its 30 nearest faces, and the graph
    is already there (searching the noise again in cells of its own took 22 s
    of a 400k regroup on 2 cores).
    """
    labels = np.asarray(labels, dtype=np.int64).copy()
    noise = np.flatnonzero(labels == NOISE)
    if len(noise) < min_size:
        return labels
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    if len(noise) > MAX_NOISE and graph is not None:
        rows, cols = _close_pairs_in_graph(graph, noise, threshold)
    else:
        rows, cols = close_pairs(np.asarray(X, dtype=np.float32)[noise], threshold)
    n = len(noise)
    pairs = csr_matrix((np.ones(rows.size, dtype=np.int8), (rows, cols)), shape=(n, n))
    _, component = connected_components(pairs, directed=False)  # numbered by first member
    big = np.bincount(component) >= min_size
    new_label = np.cumsum(big) - 1 + (int(labels.max()) + 1 if labels.size else 0)
    linked = big[component]
    labels[noise[linked]] = new_label[component[linked]]
    return labels


def close_pairs(Y: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of the pairs of rows of ``Y`` within ``threshold`` (both orders).

    Exact up to ``MAX_NOISE`` rows, searched in k-NN cells above (approximate).
    """
    Y = np.asarray(Y, dtype=np.float32)
    limit = threshold * threshold
    return _close_pairs(Y, limit) if len(Y) <= MAX_NOISE else _close_pairs_in_cells(Y, limit)


def _close_pairs_in_graph(graph, subset: np.ndarray, threshold: float):
    """(rows, cols) into ``subset``: the graph's edges within ``threshold`` joining two of its rows."""
    position = np.full(graph.shape[0], -1, dtype=np.int64)
    position[subset] = np.arange(subset.size)
    coo = graph.tocoo()
    keep = (coo.data <= threshold) & (position[coo.row] >= 0) & (position[coo.col] >= 0)
    return position[coo.row[keep]], position[coo.col[keep]]


def _close_pairs(Y: np.ndarray, limit: float) -> tuple[np.ndarray, np.ndarray]:
    """Every pair with squared distance ≤ ``limit`` (exact, block by block)."""
    sq = np.einsum("ij,ij->i", Y, Y)
    pairs = []
    for start in range(0, len(Y), 2048):
        block = Y[start:start + 2048]
        d2 = sq[start:start + 2048, None] + sq[None, :] - 2.0 * block @ Y.T
        rows, cols = np.nonzero(d2 <= limit)
        pairs.append((rows + start, cols))
    return tuple(np.concatenate(part) for part in zip(*pairs))


def _close_pairs_in_cells(Y: np.ndarray, limit: float) -> tuple[np.ndarray, np.ndarray]:
    """The pairs with squared distance ≤ ``limit`` that share a probed cell (approximate)."""
    from photosort.core.knn import _CellIndex

    index = _CellIndex(Y, np.random.default_rng(0))
    slots = index.probes.shape[1]
    found = [(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))]
    for cell in range(index.n_cells):
        members = index.members[cell]
        probers = np.unique(index.probers[cell] // slots)
        if not members.size or not probers.size:
            continue
        d2 = index.distance_block(probers, members)
        r, c = np.nonzero(d2 <= limit)
        found.append((probers[r], members[c]))
    return tuple(np.concatenate(part) for part in zip(*found))
