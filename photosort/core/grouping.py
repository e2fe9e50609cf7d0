"""The whole face-grouping recipe on plain arrays: HDBSCAN, noise linking, one face per photo,
children's groups cut strictly (``core.childness``).

The cluster service applies it to the catalog and the tuning benchmark to
saved embeddings, so both measure exactly the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from photosort.core.thresholds import THRESHOLDS, DEFAULT_EMBEDDER, embedder_of, thresholds_for

_DLIB = THRESHOLDS[DEFAULT_EMBEDDER]


@dataclass(frozen=True)
class GroupingParams:
    """Parameters of :func:`group_faces`; the defaults are tuned on lfw-dev.

    ``benchmarks/tune_clustering.py`` on lfw-dev (5,386 labelled faces):
    min_cluster_size 2, min_samples 1, epsilon 0.35, noise links at 0.4 and
    cluster merging at 0.35 scored pairwise F 0.975 and BCubed F 0.946, the
    best of the grid (without merging: 0.970 / 0.941); the hdbscan library's defaults (min_cluster_size 5)
    lose every person with fewer than five photos. Larger ``min_samples``
    gains pairwise precision but sends two-photo people to noise.
    """

    min_cluster_size: int = 2
    min_samples: int = 1
    epsilon: float = _DLIB.epsilon
    link_threshold: float = _DLIB.link_threshold
    backend: str = "auto"
    merge_threshold: float = _DLIB.merge_threshold
    cohesion: float = _DLIB.cohesion  # 0 = keep incohesive groups (see core.constraints)
    keep_photos_apart: bool = True    # merged clusters never share a photo
    child_score: float = _DLIB.child_score  # children's groups are cut at child_cut
    child_cut: float = _DLIB.child_cut      # (0 = no rule; see core.childness)
    embedder: str = DEFAULT_EMBEDDER        # whose childness direction applies

    @classmethod
    def for_model(cls, model_id: str | None, **overrides) -> "GroupingParams":
        """The parameters measured for ``model_id``'s embedder (``core.thresholds``)."""
        t = thresholds_for(model_id)
        values = dict(epsilon=t.epsilon, link_threshold=t.link_threshold,
                      merge_threshold=t.merge_threshold, cohesion=t.cohesion,
                      child_score=t.child_score, child_cut=t.child_cut,
                      embedder=embedder_of(model_id or DEFAULT_EMBEDDER))
        values.update(overrides)
        return cls(**values)


DOMINANT = 0.5
"""A cluster holding more than this share of the faces, and more than
``constraints.MAX_LINKAGE`` of them, is clustered again on its own.

HDBSCAN never selects the root of its tree. When a group of faces lies far
from all others (misdetections, another embedder's vectors; in
``benchmarks/bench_scale.py`` 500 new faces drawn from another generator),
the root's other child is nearly every face, and its stability beats the sum
of its children's: it is selected whole. That collapsed a 400k regroup from
39k people into 258, and ``split_incohesive`` then dissolved the giant into
155k noise faces. Clustered alone, that child is the root and cannot be
selected. A real person who is most of a library (a family's child) is
left whole: the rule only applies to a cluster that does not hold together,
whose faces lie farther apart than ``cohesion`` on average (measured on a
sample of ``COHESION_SAMPLE`` of them), which one person's faces never do and
the collapse's thousands of people always do."""
COHESION_SAMPLE = 1000
"""Faces of a dominant cluster whose pairwise distances decide whether it holds together."""
RECLUSTER_ROUNDS = 3
"""At most this many nested far groups are peeled off (each round one HDBSCAN pass)."""


def recluster_dominant(X: np.ndarray, labels: np.ndarray, params: "GroupingParams") -> np.ndarray:
    """``labels`` where a dominant cluster (see ``DOMINANT``) is replaced by its own clustering."""
    from photosort.core.clustering import cluster_embeddings
    from photosort.core.constraints import MAX_LINKAGE

    labels = np.asarray(labels, dtype=np.int64)
    for _ in range(RECLUSTER_ROUNDS):
        kept, sizes = np.unique(labels[labels >= 0], return_counts=True)
        if not kept.size or sizes.max() <= max(MAX_LINKAGE, DOMINANT * len(labels)):
            break
        members = np.flatnonzero(labels == kept[np.argmax(sizes)])
        if holds_together(X[members], params.cohesion or _DLIB.cohesion):
            break
        sub = cluster_embeddings(X[members], min_cluster_size=params.min_cluster_size,
                                 min_samples=params.min_samples, epsilon=params.epsilon,
                                 backend=params.backend)
        labels = labels.copy()
        labels[members] = np.where(sub >= 0, sub + int(labels.max()) + 1, -1)
    return labels


def holds_together(X: np.ndarray, cohesion: float) -> bool:
    """Whether faces ``X`` lie within ``cohesion`` of each other on average (a sample of
    ``COHESION_SAMPLE``, seeded, so the answer is the same run to run)."""
    from scipy.spatial.distance import pdist

    rng = np.random.default_rng(0)
    rows = rng.choice(len(X), size=min(len(X), COHESION_SAMPLE), replace=False)
    return float(pdist(np.asarray(X[rows], dtype=np.float64)).mean()) <= cohesion


def merge_close_clusters(X: np.ndarray, labels: np.ndarray, threshold: float) -> np.ndarray:
    """Join clusters whose centroids are closer than ``threshold`` (single linkage).

    HDBSCAN splits a person when a few near-identical photos (a burst, an
    edited copy) form a denser clump than the rest of their photos.
    """
    from photosort.core.clustering import cluster_centroids
    from photosort.core.linking import link_noise

    ids, centroids = cluster_centroids(X, labels)
    if len(ids) < 2:
        return labels
    groups = link_noise(centroids, np.full(len(ids), -1), threshold)
    target = {int(i): int(ids[groups == g].min()) for i, g in zip(ids, groups) if g >= 0}
    return np.array([target.get(int(l), int(l)) for l in labels], dtype=np.int64)


def group_faces(X: np.ndarray, photo_ids: np.ndarray, params: GroupingParams) -> np.ndarray:
    """Cluster labels (-1 = unknown) for face embeddings ``X`` taken from ``photo_ids``."""
    from photosort.core.childness import childness, split_children
    from photosort.core.clustering import cluster_embeddings, split_same_photo
    from photosort.core.constraints import merge_clusters_apart, split_incohesive
    from photosort.core.linking import link_noise

    if len(X) < max(2, params.min_cluster_size):
        return np.full(len(X), -1, dtype=np.int64)
    labels, graph = cluster_embeddings(X, min_cluster_size=params.min_cluster_size,
                                       min_samples=params.min_samples, epsilon=params.epsilon,
                                       backend=params.backend, return_graph=True)
    labels = recluster_dominant(X, labels, params)
    if params.link_threshold > 0:
        labels = link_noise(X, labels, params.link_threshold, graph=graph)
    if params.merge_threshold > 0 and params.keep_photos_apart:
        labels = merge_clusters_apart(X, labels, photo_ids, params.merge_threshold)
    elif params.merge_threshold > 0:
        labels = merge_close_clusters(X, labels, params.merge_threshold)
    if params.cohesion > 0:
        labels = split_incohesive(X, labels, params.cohesion,
                                  min_cluster_size=params.min_cluster_size)
    if params.child_cut > 0 and (scores := childness(X, params.embedder)) is not None:
        labels = split_children(X, labels, scores, child_score=params.child_score,
                                cut=params.child_cut, min_cluster_size=params.min_cluster_size)
    return split_same_photo(labels, photo_ids, X, min_cluster_size=params.min_cluster_size)
