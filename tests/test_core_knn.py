"""The connected k-NN graph: exact search, the IVF approximation, connecting edges."""

from __future__ import annotations

import numpy as np
import pytest

from photosort.core import knn
from photosort.core.clustering import cluster_embeddings
from photosort.core.knn import _smallest, knn_graph
from photosort.core.metrics import encode_pred, score_clustering


def distance_matrix(X):
    sq = np.einsum("ij,ij->i", X, X)
    return np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * X @ X.T, 0))


def brute_force_neighbours(X, k):
    D = distance_matrix(X)
    np.fill_diagonal(D, np.inf)
    return np.argsort(D, axis=1, kind="stable")[:, :k], D


def clustered(n_people, per_person, *, seed, dim=64):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=0.6 / np.sqrt(dim), size=(n_people, dim)) + 1.0
    truth = np.repeat(np.arange(n_people), per_person)
    return centres[truth] + rng.normal(scale=0.03, size=(truth.size, dim)), truth


def test_exact_graph_holds_every_rows_nearest_neighbours():
    X = np.random.default_rng(0).normal(size=(300, 16))
    rows, cols, distances = knn_graph(X, 5)
    expected, D = brute_force_neighbours(X, 5)
    assert (rows[:1500] == np.repeat(np.arange(300), 5)).all()  # k-NN edges come first
    found = cols[:1500].reshape(300, 5)
    assert all(set(f) == set(e) for f, e in zip(found, expected))
    assert distances == pytest.approx(D[rows, cols], rel=1e-4)


def test_groups_larger_than_k_are_bridged_by_their_closest_pair():
    rng = np.random.default_rng(1)
    a = rng.normal(scale=0.01, size=(20, 8))
    b = rng.normal(scale=0.01, size=(25, 8)) + 3.0
    c = rng.normal(scale=0.01, size=(12, 8)) - 5.0
    X = np.vstack([a, b, c])  # three groups, each larger than k = 5: three components
    rows, cols, distances = knn_graph(X, 5)
    bridges = slice(X.shape[0] * 5, None)
    assert rows[bridges].size == 2  # the two smaller groups each joined once
    D = distance_matrix(X)
    group = np.repeat([0, 1, 2], [20, 25, 12])
    for r, c_, d in zip(rows[bridges], cols[bridges], distances[bridges]):
        assert group[r] != 1 and group[c_] != group[r]  # from a small group to another group
        other = group != group[r]
        assert d == pytest.approx(D[group == group[r]][:, other].min(), rel=1e-4)


def test_smallest_picks_the_k_smallest_including_ties():
    rng = np.random.default_rng(2)
    D = rng.integers(0, 50, size=(40, 700)).astype(np.float32)  # many ties
    for k in (1, 7, 30):
        picked = np.take_along_axis(D, _smallest(D, k), axis=1)
        assert (np.sort(picked, axis=1) == np.sort(D, axis=1)[:, :k]).all()
        assert all(len(set(row)) == k for row in _smallest(D, k))  # k distinct columns


def test_ivf_search_finds_nearly_all_neighbours(monkeypatch):
    X, _ = clustered(150, 20, seed=3)
    monkeypatch.setattr(knn, "EXACT_UP_TO", 0)
    monkeypatch.setattr(knn, "CELL_SIZE", 100)
    monkeypatch.setattr(knn, "PROBES", 4)
    rows, cols, _ = knn_graph(X, 10)
    expected, _ = brute_force_neighbours(X, 10)
    found = cols[: X.shape[0] * 10].reshape(-1, 10)
    recall = np.mean([len(set(f) & set(e)) / 10 for f, e in zip(found, expected)])
    assert recall > 0.9
    again = knn_graph(X, 10)[1]
    assert (again == cols).all()  # seeded k-means: the same graph every time


@pytest.mark.parametrize("backend", ["hdbscan", "fast_hdbscan"])
def test_ivf_clusters_match_exact_clusters(monkeypatch, backend):
    X, truth = clustered(150, 20, seed=4)
    exact = cluster_embeddings(X, backend=backend)
    monkeypatch.setattr(knn, "EXACT_UP_TO", 0)
    monkeypatch.setattr(knn, "CELL_SIZE", 100)
    approximate = cluster_embeddings(X, backend=backend)
    assert score_clustering(encode_pred(exact), approximate).ari > 0.99
    assert score_clustering(truth, approximate).ari > 0.95


def test_k_must_fit_the_data():
    with pytest.raises(ValueError):
        knn_graph(np.zeros((5, 3)), 5)


def test_the_cell_search_holds_blas_to_one_thread_per_thread(monkeypatch):
    """The thread policy (photosort.core.threads): Python threads × BLAS threads ≤ cores."""
    from threadpoolctl import threadpool_info

    seen = []
    real = knn._CellIndex.distance_block

    def spy(self, queries, candidates):
        seen.append([i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"])
        return real(self, queries, candidates)

    monkeypatch.setattr(knn._CellIndex, "distance_block", spy)
    X = np.random.default_rng(0).normal(size=(300, 16)).astype(np.float32)
    knn.knn_graph(X, 5)
    assert seen and seen[0]  # numpy's BLAS was found
    assert all(threads == [1] * len(threads) for threads in seen)
