"""Grouping rules that prefer a split to a wrong merge: photos shared, weak cohesion, "not the same".

* Two faces in one photo are two people, and so are their groups: clusters
  are merged only while their photo sets stay disjoint (the check runs on the
  merged groups, so the rule propagates: once A holds a face of B's photo,
  nothing joins A and B, nor A and anything merged into B).
* A group whose faces do not hold together is split: average linkage inside
  the group, cut at the embedder's ``cohesion`` distance. Look-alike children
  chain into one HDBSCAN cluster through their nearest neighbours, but their
  average distance stays above the cut; one person's photos do not.
* Faces of two people the user kept apart ("Same person? No") never end up
  in one cluster: such a cluster is split by who the faces belonged to.

A wrong merge costs the user many clicks; a split costs one "Yes".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence

import numpy as np

NOISE = -1

#: Groups larger than this are split by distance to their centroid instead of
#: by average linkage (which needs all m² distances).
MAX_LINKAGE = 2000


def members_by_label(labels: np.ndarray):
    """(label, ascending indices of its members) for every non-noise label, ascending.

    One sort instead of one ``labels == label`` scan per cluster: at 250k faces
    in 39k clusters those scans were 10^10 comparisons (≈ 10 s per pass).
    """
    labels = np.asarray(labels)
    order = np.argsort(labels, kind="stable")
    order = order[labels[order] != NOISE]
    if not order.size:
        return
    sorted_labels = labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    for a, b in zip(starts, np.r_[starts[1:], order.size]):
        yield int(sorted_labels[a]), order[a:b]


def merge_clusters_apart(X: np.ndarray, labels: np.ndarray, photo_ids: np.ndarray,
                         threshold: float) -> np.ndarray:
    """Join clusters whose centroids are within ``threshold``, closest pairs first,
    never two that (after earlier joins) hold faces of one photo."""
    from photosort.core.clustering import cluster_centroids

    labels = np.asarray(labels, dtype=np.int64).copy()
    ids, centroids = cluster_centroids(X, labels)
    if len(ids) < 2:
        return labels
    pairs = _close_centroid_pairs(centroids, threshold)
    if not pairs:
        return labels
    photos: dict[int, set] = defaultdict(set)
    row = {int(l): i for i, l in enumerate(ids)}
    for label, photo in zip(labels.tolist(), np.asarray(photo_ids).tolist()):
        if label != NOISE:
            photos[row[label]].add(photo)
    parent = list(range(len(ids)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for _, a, b in sorted(pairs):
        ra, rb = find(a), find(b)
        if ra == rb or not photos[ra].isdisjoint(photos[rb]):
            continue
        keep, gone = min(ra, rb), max(ra, rb)
        parent[gone] = keep
        photos[keep] |= photos.pop(gone)
    target = {int(l): int(ids[find(i)]) for i, l in enumerate(ids)}
    return np.array([target.get(int(l), int(l)) for l in labels], dtype=np.int64)


def _close_centroid_pairs(centroids: np.ndarray, threshold: float) -> list[tuple[float, int, int]]:
    """(squared distance, a, b) with a < b for the centroid pairs within ``threshold``.

    Exact up to ``linking.MAX_NOISE`` centroids; above, the pairs that share a
    k-NN cell (``linking.close_pairs``): at 400k faces HDBSCAN leaves ~39k
    clusters, and all their pairs took 20 s in float64.
    """
    from photosort.core.linking import MAX_NOISE, close_pairs

    if len(centroids) > MAX_NOISE:
        rows, cols = close_pairs(centroids, threshold)
        keep = rows < cols
        rows, cols = rows[keep], cols[keep]
        d2 = ((centroids[rows] - centroids[cols]) ** 2).sum(axis=1)
        return list(zip(d2.tolist(), rows.tolist(), cols.tolist()))
    sq = np.einsum("ij,ij->i", centroids, centroids)
    pairs = []
    for start in range(0, len(centroids), 1024):
        block = centroids[start:start + 1024]
        d2 = sq[start:start + 1024, None] + sq[None, :] - 2.0 * block @ centroids.T
        for a, b in zip(*np.nonzero(d2 <= threshold * threshold)):
            if start + a < b:
                pairs.append((float(d2[a, b]), start + int(a), int(b)))
    return pairs


def split_incohesive(X: np.ndarray, labels: np.ndarray, threshold: float, *,
                     min_cluster_size: int = 2) -> np.ndarray:
    """Split every cluster at average-linkage distance ``threshold``.

    A group is split only when at least two parts have ``min_cluster_size``
    faces (two people merged); then parts smaller than that become noise
    (unknown faces, which the review can still suggest). One group with a few
    stray faces stays whole: on four real photos of one person, one face
    beyond the cut is that person far more often than a stranger. Groups
    above ``MAX_LINKAGE`` faces only lose the faces farther than
    ``threshold`` from their centroid.
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    labels = np.asarray(labels, dtype=np.int64).copy()
    X = np.asarray(X, dtype=np.float64)
    next_label = int(labels.max(initial=-1)) + 1
    for _, members in list(members_by_label(labels)):
        if len(members) < 3:
            continue
        if len(members) > MAX_LINKAGE:
            far = np.linalg.norm(X[members] - X[members].mean(0), axis=1) > threshold
            labels[members[far]] = NOISE
            continue
        distances = pdist(X[members])
        if distances.max() <= threshold:
            continue  # average linkage never joins above the largest distance: one part
        parts = fcluster(linkage(distances, method="average"), threshold, criterion="distance")
        sizes = np.bincount(parts)
        if (sizes >= max(min_cluster_size, 2)).sum() < 2:
            continue  # one group and stray faces: kept whole (a split must leave two groups)
        next_label = relabel_parts(labels, members, parts, next_label, min_cluster_size)
    return labels


def relabel_parts(labels: np.ndarray, members: np.ndarray, parts: np.ndarray,
                  next_label: int, min_cluster_size: int) -> int:
    """Split one group (``members``, in place) into its ``parts`` (fcluster's numbers):
    the biggest keeps the label, other parts get new ones from ``next_label`` on,
    parts smaller than ``min_cluster_size`` become noise. Returns the next free label."""
    sizes = np.bincount(parts)
    biggest = int(np.argmax(sizes))
    for part in np.unique(parts):
        idx = members[parts == part]
        if sizes[part] < min_cluster_size:
            labels[idx] = NOISE
        elif part != biggest:
            labels[idx] = next_label
            next_label += 1
    return next_label


def split_kept_apart(X: np.ndarray, labels: np.ndarray,
                     owner: Sequence[Hashable | None], apart: set[tuple]) -> np.ndarray:
    """Split clusters that hold faces of two people the user kept apart.

    ``owner[i]`` is the person face ``i`` belonged to before (or ``None``),
    ``apart`` the (a, b) pairs with a < b. In such a cluster each kept-apart
    person's faces form their own cluster; the faces of nobody (or of a third
    person) go with the nearest of those parts.
    """
    labels = np.asarray(labels, dtype=np.int64).copy()
    if not apart:
        return labels
    X = np.asarray(X, dtype=np.float64)
    next_label = int(labels.max(initial=-1)) + 1
    for _, members in list(members_by_label(labels)):
        owners = sorted({owner[i] for i in members if owner[i] is not None})
        clash = {p for a in owners for b in owners
                 if a < b and (a, b) in apart for p in (a, b)}
        if not clash:
            continue
        seeds = sorted(clash)
        centroids = np.stack([X[[i for i in members if owner[i] == p]].mean(0) for p in seeds])
        side = {}
        for i in members:
            if owner[i] in clash:
                side[i] = seeds.index(owner[i])
            else:
                side[i] = int(np.argmin(np.linalg.norm(centroids - X[i], axis=1)))
        for k in range(1, len(seeds)):
            idx = [i for i in members if side[i] == k]
            labels[idx] = next_label
            next_label += 1
    return labels


def kept_apart_rejections(links: dict[int, tuple[int, str]],
                          apart: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """(face, person) pairs never to link: a face of A never joins B when A and B were kept apart."""
    if not apart:
        return set()
    partners: dict[int, set[int]] = defaultdict(set)
    for a, b in apart:
        partners[a].add(b)
        partners[b].add(a)
    return {(face, other) for face, (person, _) in links.items()
            for other in partners.get(person, ())}
