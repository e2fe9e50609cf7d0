"""The seeds' clustering baselines, for ``photosort evaluate --algorithm``.

They run on the same embeddings as the product's HDBSCAN so the comparison
is fair. Distances are euclidean on raw dlib descriptors (same person < 0.6).
"""

from __future__ import annotations

import numpy as np

SAME_PERSON = 0.6


def cluster_with(algorithm: str, X: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """Labels (-1 = noise) from ``agglomerative``, ``kmeans`` or ``dbscan``."""
    if len(X) < 2:
        return np.full(len(X), -1)
    if algorithm == "agglomerative":
        from sklearn.cluster import AgglomerativeClustering

        model = AgglomerativeClustering(n_clusters=None, distance_threshold=SAME_PERSON,
                                        linkage="average")
        return model.fit_predict(X)
    if algorithm == "dbscan":
        from sklearn.cluster import DBSCAN

        return DBSCAN(eps=SAME_PERSON * 0.8, min_samples=2).fit_predict(X)
    if algorithm == "kmeans":
        return kmeans_by_silhouette(X, seed=seed)
    raise ValueError(f"unknown algorithm {algorithm!r}")


def kmeans_by_silhouette(X: np.ndarray, *, seed: int = 0, candidates: int = 10) -> np.ndarray:
    """k-means with k chosen by the best silhouette over a geometric grid of k."""
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.metrics import silhouette_score

    n = len(X)
    ks = sorted({int(k) for k in np.geomspace(2, max(2, n // 2), candidates) if 2 <= k < n})
    best, best_labels = -2.0, np.zeros(n, dtype=int)
    sample = min(n, 5000)
    for k in ks:
        labels = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3,
                                 batch_size=2048).fit_predict(X)
        if len(set(labels)) < 2:
            continue
        score = silhouette_score(X, labels, sample_size=sample, random_state=seed)
        if score > best:
            best, best_labels = score, labels
    return best_labels
