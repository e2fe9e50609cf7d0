"""Benchmark face clustering: speed and quality of each backend, numba start cost.

    uv run python benchmarks/bench_cluster.py [--sizes 1000,10000,50000,100000]
        [--exact-max 50000] [--epsilon 0.0] [--assignment] [--descriptors x.npz]

Data are synthetic 128-d vectors shaped like dlib face descriptors (see
``make_faces``; the shape was measured with dlib on lfw-dev), or real ones
from ``--descriptors`` (an npz with arrays ``X`` and ``labels``).  For each N
it prints wall and CPU seconds, ARI, pairwise and BCubed F against the truth,
clusters and noise found, and the ARI against a reference: the exact
hdbscan package on the raw vectors up to ``--exact-max`` (O(n²): ~8 min at
50k), else fast_hdbscan on the brute-force k-NN graph (shows what the IVF
approximation costs).  First it measures the start cost of each backend in
fresh processes, fast_hdbscan once with an empty numba cache (cold: compile)
and once with it filled (warm: every later start).  ``--assignment`` also
compares nearest-centroid and nearest-member assignment of held-out faces.
Takes ~20 minutes with the defaults.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from photosort.core import knn
from photosort.core.clustering import cluster_centroids, cluster_embeddings
from photosort.core.metrics import dense_codes, encode_pred, score_clustering

DIM = 128


def person_sizes(n: int, rng: np.random.Generator, exponent: float = 1.9) -> np.ndarray:
    """Heavy-tailed faces-per-person counts summing to n.

    Zipf-distributed (most people have 1-3 faces) and capped at n/100, so a
    100k library has a few people with ~1000 faces and many strangers.
    """
    cap = max(20, n // 100)
    sizes = []
    total = 0
    while total < n:
        size = min(int(rng.zipf(exponent)), cap, n - total)
        sizes.append(size)
        total += size
    return np.array(sizes)


#: Shape of dlib descriptors, measured with dlib itself on the centre faces of
#: lfw-dev (5,364 faces, 1,851 people): norm 1.43 ± 0.07, all variance in an
#: ~80-dimensional subspace, principal variances decaying like 1/(k + 2)
#: between people and 1/(k + 40) within one person, same-person distances
#: 0.30/0.43/0.56 and different-person distances 0.68/0.83/0.97 (p5/p50/p95).
RANK, MEAN_NORM, SAME, DIFFERENT = 80, 1.31, 0.43, 0.83


def make_faces(
    n: int, *, seed: int = 0, intra: tuple[float, float] = (0.3, 0.55),
    sizes: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(X float32 (n, 128), person label per row) shaped like dlib descriptors.

    People get heavy-tailed face counts (``person_sizes``, or the given
    ``sizes``, which must sum to n; labels then index ``sizes``).  Person centres
    are a shared mean plus a gaussian with the between-people spectrum; a face
    is its centre plus a gaussian with the within-person spectrum, scaled per
    person so its typical same-person distance is drawn from ``intra``.  Both
    spectra live in one random RANK-dimensional subspace (see the constants).
    """
    rng = np.random.default_rng(seed)
    sizes = person_sizes(n, rng) if sizes is None else np.asarray(sizes)
    basis = np.linalg.qr(rng.normal(size=(DIM, RANK)))[0]
    k = np.arange(RANK)
    between = np.sqrt(1 / (k + 2) / np.sum(1 / (k + 2)))
    within = np.sqrt(1 / (k + 40) / np.sum(1 / (k + 40)))
    mean = rng.normal(size=DIM)
    mean *= MEAN_NORM / np.linalg.norm(mean)
    spread = np.sqrt((DIFFERENT**2 - SAME**2) / 2)
    centres = mean + spread * (rng.normal(size=(sizes.size, RANK)) * between) @ basis.T
    labels = np.repeat(np.arange(sizes.size), sizes)
    scale = rng.uniform(*intra, size=sizes.size)[labels, None] / np.sqrt(2)
    X = centres[labels] + scale * (rng.normal(size=(n, RANK)) * within) @ basis.T
    order = rng.permutation(n)
    return X[order].astype(np.float32), labels[order]


def describe(X: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> str:
    """Norms and median same-/different-person distances of a data set."""
    labels = dense_codes(labels)
    i, j = rng.integers(0, len(X), size=(2, 20_000))
    different = labels[i] != labels[j]
    by_person = np.argsort(labels, kind="stable")
    first = np.flatnonzero(np.diff(labels[by_person]) == 0)
    same_i, same_j = by_person[first], by_person[first + 1]
    distance = lambda a, b: np.linalg.norm(X[a] - X[b], axis=1)  # noqa: E731
    norms = np.linalg.norm(X, axis=1)
    sizes = np.bincount(labels)
    return (
        f"{len(X)} faces of {sizes.size} people (max {sizes.max()}, "
        f"{(sizes <= 3).mean():.0%} with <= 3 faces); norm {norms.mean():.2f} ± {norms.std():.2f}; "
        f"same-person distance p5/p50/p95 "
        f"{np.percentile(distance(same_i, same_j), [5, 50, 95]).round(2).tolist()}; "
        f"different {np.percentile(distance(i[different], j[different]), [5, 50, 95]).round(2).tolist()}"
    )


START_PROBE = """
import sys, time
start = time.perf_counter()
import numpy as np
from photosort.core.clustering import cluster_embeddings
rng = np.random.default_rng(0)
X = np.vstack([rng.normal(scale=0.02, size=(50, 128)) + rng.normal(size=128) for _ in range(4)])
cluster_embeddings(X, backend=sys.argv[1], epsilon=0.1)
print(time.perf_counter() - start)
"""


def start_cost(backend: str, numba_cache: str) -> float:
    """Seconds for a fresh process to import ``backend`` and cluster 200 faces."""
    done = subprocess.run(
        [sys.executable, "-c", START_PROBE, backend],
        env=dict(os.environ, NUMBA_CACHE_DIR=numba_cache),
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return float(done.stdout.split()[-1])


def print_start_costs() -> None:
    with tempfile.TemporaryDirectory() as cache:
        print(f"# first clustering in a new process: hdbscan {start_cost('hdbscan', cache):.1f} s; "
              f"fast_hdbscan with an empty numba cache {start_cost('fast_hdbscan', cache):.1f} s, "
              f"with that cache filled {start_cost('fast_hdbscan', cache):.1f} s")  # fmt: skip


def exact_hdbscan(X: np.ndarray, epsilon: float) -> np.ndarray:
    """The reference: the hdbscan package on the raw vectors (exact, O(n²) in 128-d)."""
    import hdbscan

    clusterer = hdbscan.HDBSCAN(min_cluster_size=2, min_samples=1, cluster_selection_epsilon=epsilon)
    return clusterer.fit_predict(X.astype(np.float64))


def exact_graph(X: np.ndarray, epsilon: float) -> np.ndarray:
    """fast_hdbscan on the brute-force (exact) k-NN graph, to measure the IVF's effect."""
    saved, knn.EXACT_UP_TO = knn.EXACT_UP_TO, len(X)
    try:
        return cluster_embeddings(X, backend="fast_hdbscan", epsilon=epsilon)
    finally:
        knn.EXACT_UP_TO = saved


def timed(run, X: np.ndarray, epsilon: float) -> tuple[np.ndarray, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    labels = run(X, epsilon)
    return labels, time.perf_counter() - wall, time.process_time() - cpu


def assign_to_centroids(X_new: np.ndarray, centroids: np.ndarray,
                        threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Nearest centroid row for each new embedding (-1 beyond ``threshold``), and its distance.

    Passing member vectors as ``centroids`` gives the nearest-member rule.  (The app
    joins new faces to known people's centroids in ``services.cluster._join_known``.)
    """
    X_new, centroids = np.asarray(X_new, np.float64), np.asarray(centroids, np.float64)
    sq = (X_new**2).sum(1)[:, None] + (centroids**2).sum(1)[None, :] - 2.0 * X_new @ centroids.T
    nearest = np.argmin(sq, axis=1)
    distance = np.sqrt(np.maximum(sq[np.arange(len(X_new)), nearest], 0.0))
    nearest[distance > threshold] = -1
    return nearest, distance


def assignment_accuracy(X: np.ndarray, truth: np.ndarray, epsilon: float, seed: int = 0) -> str:
    """Nearest centroid vs nearest member for adding new faces to existing people.

    Clusters 90% of the faces, then assigns the held-out 10%: an answer is
    right when it names the face's person (the majority person of the chosen
    cluster), or says "nobody" when that person has no cluster.  Reports each
    rule's best accuracy over a sweep of thresholds.
    """
    truth = dense_codes(truth)
    held_out = np.random.default_rng(seed).random(len(X)) < 0.1
    labels = cluster_embeddings(X[~held_out], epsilon=epsilon)
    known = truth[~held_out]
    ids, centroids = cluster_centroids(X[~held_out], labels)
    person = np.array([np.bincount(known[labels == c]).argmax() for c in ids])
    has_cluster = np.isin(truth[held_out], person)
    member = labels != -1

    def accuracy(guess: np.ndarray) -> float:
        right = np.where(has_cluster, guess == truth[held_out], guess == -1)
        return float(right.mean())

    report = []
    for rule, rows, row_person in (
        ("centroid", centroids, person),
        ("member", X[~held_out][member], person[np.searchsorted(ids, labels[member])]),
    ):
        scores = []
        for threshold in np.arange(0.2, 0.75, 0.05):
            idx, _ = assign_to_centroids(X[held_out], rows, threshold)
            scores.append((accuracy(np.where(idx >= 0, row_person[idx], -1)), threshold))
        best, at = max(scores)
        report.append(f"nearest {rule} {best:.3f} (threshold {at:.2f})")
    return f"assignment of {held_out.sum()} new faces, best accuracy: " + ", ".join(report)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000,100000")
    parser.add_argument(
        "--exact-max", type=int, default=50_000,
        help="run the exact reference (hdbscan on raw vectors) up to this N; ~9 min at 100k",
    )  # fmt: skip
    parser.add_argument("--descriptors", help="npz with real descriptors X and labels")
    parser.add_argument("--epsilon", type=float, default=0.0, help="cluster_selection_epsilon")
    parser.add_argument("--no-start-cost", action="store_true")
    parser.add_argument(
        "--assignment", action="store_true",
        help="also compare nearest-centroid and nearest-member assignment of new faces",
    )  # fmt: skip
    args = parser.parse_args()

    if not args.no_start_cost:
        print_start_costs()
    if args.descriptors:
        data = np.load(args.descriptors)
        sets = [(args.descriptors, data["X"].astype(np.float32), data["labels"])]
    else:
        sets = [(f"synthetic {n}", *make_faces(n)) for n in map(int, args.sizes.split(","))]
    cluster_embeddings(make_faces(300)[0], backend="fast_hdbscan")  # load numba's cache

    methods = {
        "hdbscan": lambda X, eps: cluster_embeddings(X, backend="hdbscan", epsilon=eps),
        "fast_hdbscan": lambda X, eps: cluster_embeddings(X, backend="fast_hdbscan", epsilon=eps),
    }
    print(f"{'N':>7} {'method':>24} {'wall s':>7} {'cpu s':>7} {'ARI':>6} {'pair F':>6} "
          f"{'BCub F':>6} {'clusters':>8} {'noise':>6} {'ARI vs ref':>10}")  # fmt: skip
    for name, X, truth in sets:
        print(f"# {name}: {describe(X, truth, np.random.default_rng(1))}", flush=True)
        rows = dict(methods)
        if len(X) <= args.exact_max:
            rows = {"exact hdbscan (raw)": exact_hdbscan, **rows}
        elif len(X) > knn.EXACT_UP_TO:
            rows = {"fast_hdbscan exact k-NN": exact_graph, **rows}
        reference = None
        for method, run in rows.items():
            labels, wall, cpu = timed(run, X, args.epsilon)
            s = score_clustering(truth, labels)
            if reference is None:
                reference, agreement = encode_pred(labels), "ref"
            else:
                agreement = f"{score_clustering(reference, labels).ari:.4f}"
            print(f"{len(X):>7} {method:>24} {wall:>7.1f} {cpu:>7.1f} {s.ari:>6.3f} "
                  f"{s.pairwise_f:>6.3f} {s.bcubed_f:>6.3f} {s.n_clusters:>8} {s.n_noise:>6} "
                  f"{agreement:>10}", flush=True)  # fmt: skip
        start = time.perf_counter()
        score_clustering(truth, labels)
        print(f"# score_clustering on {len(X)} items: {time.perf_counter() - start:.3f} s")
        if args.assignment:
            print(f"# {assignment_accuracy(X, truth, args.epsilon)}", flush=True)


if __name__ == "__main__":
    main()
