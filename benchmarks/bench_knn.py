"""Benchmark the k-NN graph behind clustering: our IVF index vs pynndescent vs hnswlib.

    uv run --with pynndescent --with hnswlib python benchmarks/bench_knn.py [--sizes 10000,50000,100000]

On ``bench_cluster``'s synthetic dlib-like descriptors, for each N and each
way of finding the k = 30 nearest neighbours it prints the seconds for the
neighbour lists, their recall against the exact lists, and the seconds and
ARI (against the true people) of fast_hdbscan clustering on the resulting
graph.  Every graph is connected the same way (``photosort.core.knn``'s
Borůvka bridges), so only the neighbour lists differ.  Up to
``knn.EXACT_UP_TO`` (12k) faces the app's lists are exact (brute force).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from bench_cluster import make_faces
from photosort.core import clustering, knn
from photosort.core.metrics import score_clustering

K = 30
THREADS = os.cpu_count() or 1


def ivf_lists(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    return knn._CellIndex(X, np.random.default_rng(0)).nearest(k)


def exact_lists(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    saved, knn.EXACT_UP_TO = knn.EXACT_UP_TO, len(X)
    try:
        return ivf_lists(X, k)
    finally:
        knn.EXACT_UP_TO = saved


def _without_self(ids: np.ndarray, squared: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Drop each row's own id (or, if absent, its farthest neighbour)."""
    n = len(ids)
    own = ids == np.arange(n)[:, None]
    own[~own.any(axis=1), -1] = True
    keep = ~own
    return ids[keep].reshape(n, -1)[:, :k], squared[keep].reshape(n, -1)[:, :k]


def pynndescent_lists(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    from pynndescent import NNDescent

    index = NNDescent(X, n_neighbors=k + 1, metric="euclidean", random_state=0, n_jobs=THREADS)
    ids, dist = index.neighbor_graph
    return _without_self(ids.astype(np.int64), (dist**2).astype(np.float32), k)


def hnswlib_lists(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    import hnswlib

    index = hnswlib.Index(space="l2", dim=X.shape[1])
    index.init_index(max_elements=len(X), ef_construction=200, M=16, random_seed=0)
    index.add_items(X, num_threads=THREADS)
    index.set_ef(2 * (k + 1))
    ids, squared = index.knn_query(X, k=k + 1, num_threads=THREADS)  # l2 space: squared
    return _without_self(ids.astype(np.int64), squared.astype(np.float32), k)


def graph_from(X: np.ndarray, cols: np.ndarray, squared: np.ndarray):
    """A ``knn_graph`` result from given lists, connected by the IVF index's bridges."""
    return knn.connect(knn._CellIndex(X, np.random.default_rng(0)), cols, squared)


def recall(found: np.ndarray, exact: np.ndarray) -> float:
    hits = sum(np.intersect1d(a, b).size for a, b in zip(found, exact))
    return hits / exact.size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000,100000")
    args = parser.parse_args()
    methods = {"IVF (photosort)": ivf_lists, "pynndescent": pynndescent_lists,
               "hnswlib": hnswlib_lists}
    pynndescent_lists(make_faces(2000)[0], K)  # numba compiles once, outside the timings
    clustering.cluster_embeddings(make_faces(300)[0], backend="fast_hdbscan")
    print(f"CPU: {os.cpu_count()} cores; k = {K}")
    print(f"{'N':>7} {'k-NN lists':>16} {'lists s':>8} {'recall':>7} {'cluster s':>9} {'ARI':>6}")
    real_graph = knn.knn_graph
    for n in map(int, args.sizes.split(",")):
        X, truth = make_faces(n)
        exact = exact_lists(X, K)[0]
        for name, lists in methods.items():
            start = time.perf_counter()
            cols, squared = lists(X, K)
            seconds = time.perf_counter() - start
            graph = graph_from(X, cols, squared)
            knn.knn_graph = lambda *_a, **_k: graph
            try:
                start = time.perf_counter()
                labels = clustering.cluster_embeddings(X, backend="fast_hdbscan")
                cluster_s = time.perf_counter() - start
            finally:
                knn.knn_graph = real_graph
            ari = score_clustering(truth, labels).ari
            print(f"{n:>7} {name:>16} {seconds:>8.1f} {recall(cols, exact):>7.3f} "
                  f"{cluster_s:>9.1f} {ari:>6.3f}", flush=True)


if __name__ == "__main__":
    main()
