"""Children kept apart: a childness score per face and a strict split for children's groups.

dlib's descriptors place young children in a crowded corner of their space:
on ``children_distinct`` (499 different children aged 0–10) each child's
nearest *other* child is 0.34 away at the median (5 % under 0.26), closer
than two photos of one adult usually are (0.43), so the adults' thresholds
(HDBSCAN's 0.35, noise links at 0.4) chain different children into one group.
The same descriptors encode age so strongly that one linear direction tells
children from adults (AUC 0.999 on held-out halves; fitted and reported by
``benchmarks/fit_childness.py``, kept in :mod:`photosort.core.childness_weights`).

The rule: a group whose median childness is above the embedder's
``child_score`` is a child's group, and it is cut by average linkage at the
much stricter ``child_cut`` (``core.thresholds``); parts smaller than
``min_cluster_size`` become unknown faces, which the review can still
suggest ("Is this Ann?"). Adults' groups are never touched. Splitting costs
the user a "Yes"; a merge of two children costs many clicks.
"""

from __future__ import annotations

import numpy as np

#: A child's group larger than this is left whole: average linkage needs all m²
#: distances, and thousands of faces in one group are one child's photos far
#: more often than thousands of different children.
MAX_LINKAGE = 2000


def childness_direction(embedder: str) -> tuple[np.ndarray, float] | None:
    """(weights, bias) fitted for ``embedder``'s descriptors (:mod:`photosort.core.childness_weights`),
    or ``None`` when none was fitted."""
    from photosort.core.childness_weights import DIRECTIONS

    if embedder not in DIRECTIONS:
        return None
    bias, weights = DIRECTIONS[embedder]
    return np.asarray(weights, dtype=np.float64), float(bias)


def childness(X: np.ndarray, embedder: str) -> np.ndarray | None:
    """A score per face (> 0: more likely a child than an adult), or ``None`` without a direction."""
    direction = childness_direction(embedder)
    if direction is None or np.shape(X)[1:] != direction[0].shape:
        return None
    weights, bias = direction
    X = np.asarray(X)
    dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
    return (X.astype(dtype, copy=False) @ weights.astype(dtype)).astype(np.float64) + bias


def split_children(X: np.ndarray, labels: np.ndarray, scores: np.ndarray, *,
                   child_score: float, cut: float, min_cluster_size: int = 2) -> np.ndarray:
    """Cut every group whose median score is above ``child_score`` at average linkage ``cut``.

    The biggest part keeps the label, other parts get new ones, parts smaller
    than ``min_cluster_size`` become noise.
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    from photosort.core.constraints import members_by_label, relabel_parts

    labels = np.asarray(labels, dtype=np.int64).copy()
    next_label = int(labels.max(initial=-1)) + 1
    for _, members in list(members_by_label(labels)):  # one sort, not one scan per group
        if len(members) < 2 or len(members) > MAX_LINKAGE:
            continue
        if float(np.median(scores[members])) <= child_score:
            continue
        distances = pdist(np.asarray(X[members], dtype=np.float64))
        parts = fcluster(linkage(distances, method="average"), cut, criterion="distance")
        next_label = relabel_parts(labels, members, parts, next_label, min_cluster_size)
    return labels


def join_limits(X: np.ndarray, auto: float, *, embedder: str, child_score: float,
                cut: float) -> np.ndarray:
    """Per face, how close it must be to a known person's centroid to join them unasked:
    ``auto`` for an adult, ``cut`` for a child's face (a named child's centroid sits
    within ``auto`` of many other children)."""
    limits = np.full(len(X), float(auto))
    scores = childness(X, embedder) if cut > 0 and len(X) else None
    if scores is not None:
        limits[scores > child_score] = min(float(auto), float(cut))
    return limits
