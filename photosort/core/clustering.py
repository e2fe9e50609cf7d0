"""Grouping face embeddings into people, and keeping people stable across runs.

``cluster_embeddings`` runs HDBSCAN on a sparse k-nearest-neighbour graph
(``photosort.core.knn``: k = 30, exact up to 12k faces, an IVF index above,
plus exact edges that keep the graph connected) with one of two backends,
the ``hdbscan`` package or ``fast_hdbscan``, both given the same graph.

Why a graph and not the vectors.  Measured with benchmarks/bench_cluster.py
on 2 shared cores, data shaped like dlib descriptors (checked against dlib
itself on lfw-dev: norm 1.43, same person 0.43 apart, others 0.83, all
variance in ~80 dimensions), wall seconds:

    N        hdbscan on vectors   graph + hdbscan   graph + fast_hdbscan
    10,000         15.6                 4.5               2.1
    50,000        479                  19.7               9.7
    100,000    not run (O(n²))         44.2              25.4

(the machine had a load average of ~4 from other work).  On vectors the
hdbscan package falls back to Prim's O(n²) algorithm above 60 dimensions, and
fast_hdbscan 0.3 refuses more than 30 dimensions without pynndescent (not a
dependency); forcing its KD-tree Borůvka took 14 CPU-seconds at 10k
already, because trees do not prune in 80 effective dimensions.  The graph
loses nothing measurable: the clusters equal the exact ones (ARI 1.000 at
1k, 10k and on the real lfw-dev descriptors, 0.999 at 50k/100k) and score
the same against the truth (BCubed F 0.982 vs 0.983 at 100k).  Lossy PCA
does lose: exact HDBSCAN on lfw-dev gave ARI 0.971 at 128 dimensions, 0.968
at 64, 0.961 at 48, 0.952 at 30.  So no PCA beyond dropping empty axes.

Why "auto" is hdbscan below ``AUTO_FAST_FROM`` faces.  fast_hdbscan is
numba code: the first run with an empty numba cache compiled for 71-95 s,
later processes paid ~1 s more start-up than hdbscan (4.8 s vs 3.5 s to
import and cluster 200 faces); the cache (``cache=True``, in fast_hdbscan's
``__pycache__`` or ``NUMBA_CACHE_DIR``) must be writable, a risk for a
packaged app.  Below 50k faces hdbscan needs ≤ 20 s and no compiler, and
both give the same clusters; above, fast_hdbscan's faster spanning tree
keeps 100k faces well under the 60 s target.

The helpers serve the people catalog: ``split_same_photo`` (one person at
most once per photo), ``cluster_centroids`` (people's centres; new faces
join them in ``photosort.services.cluster``) and ``match_clusters`` (re-clustering keeps
person ids, hence names).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Hashable, Sequence

import numpy as np

from photosort.core.metrics import NOISE, dense_codes

BACKENDS = ("auto", "hdbscan", "fast_hdbscan")
METRICS = ("euclidean", "cosine")

#: "auto" uses the ``hdbscan`` package below this many faces, fast_hdbscan from here on.
AUTO_FAST_FROM = 50_000

#: Neighbours per face in the graph both backends cluster.
KNN_K = 30

#: Distances are stored at least this large: a sparse matrix cannot reliably
#: hold a zero weight, and HDBSCAN's λ = 1/distance must stay finite.
_MIN_DISTANCE = 1e-9


def cluster_embeddings(
    X: np.ndarray,
    *,
    min_cluster_size: int = 2,
    min_samples: int = 1,
    epsilon: float = 0.0,
    metric: str = "euclidean",
    backend: str = "auto",
    return_graph: bool = False,
):
    """HDBSCAN cluster labels (int64, ``-1`` = noise) for the rows of ``X``.

    With ``return_graph``: (labels, the k-NN graph clustered, or None when
    there was none), so that later steps reuse the neighbours found.

    ``epsilon`` (cluster_selection_epsilon) merges clusters closer than this
    distance.  ``metric="cosine"`` clusters the unit-normalised rows with the
    euclidean (chord) distance, which orders pairs exactly as the cosine
    distance does; ``epsilon`` is then given as a cosine distance.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; expected one of {BACKENDS}")
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; expected one of {METRICS}")
    if min_cluster_size < 2 or min_samples < 1 or epsilon < 0:
        raise ValueError("need min_cluster_size >= 2, min_samples >= 1, epsilon >= 0")
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"expected a 2-d array of embeddings, got shape {X.shape}")
    n = X.shape[0]
    if n < max(min_cluster_size, min_samples + 1):
        labels = np.full(n, NOISE, dtype=np.int64)
        return (labels, None) if return_graph else labels
    if metric == "cosine":
        X = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
        epsilon = float(np.sqrt(2.0 * epsilon))
    graph = neighbour_graph(X, min(n - 1, max(KNN_K, 2 * min_samples)))
    if backend == "auto":
        backend = "fast_hdbscan" if n >= AUTO_FAST_FROM else "hdbscan"
    run = _run_fast_hdbscan if backend == "fast_hdbscan" else _run_hdbscan
    labels = run(graph, min_cluster_size, min_samples, float(epsilon)).astype(np.int64)
    return (labels, graph) if return_graph else labels


def neighbour_graph(X: np.ndarray, k: int) -> "scipy.sparse.csr_matrix":
    """Symmetric sparse (scipy CSR) euclidean distances between each row and its
    k nearest rows, plus the edges that connect the graph (``photosort.core.knn``)."""
    from scipy.sparse import csr_matrix

    from photosort.core.knn import knn_graph

    rows, cols, distances = knn_graph(X, k)
    n = X.shape[0]
    graph = csr_matrix((np.maximum(distances, _MIN_DISTANCE), (rows, cols)), shape=(n, n))
    # Symmetric, so that every row lists every neighbour known on either side
    # (the hdbscan package takes core distances from rows as given).
    return graph.maximum(graph.T).tocsr()


def _run_hdbscan(graph, min_cluster_size: int, min_samples: int, epsilon: float) -> np.ndarray:
    import hdbscan

    clusterer = hdbscan.HDBSCAN(
        min_cluster_size=min_cluster_size,
        min_samples=min_samples,
        cluster_selection_epsilon=epsilon,
        metric="precomputed",
    )
    return clusterer.fit_predict(graph)


def _run_fast_hdbscan(graph, min_cluster_size: int, min_samples: int, epsilon: float) -> np.ndarray:
    import fast_hdbscan

    clusterer = fast_hdbscan.HDBSCAN(
        min_cluster_size=min_cluster_size,
        min_samples=min_samples,
        cluster_selection_epsilon=epsilon,
        metric="precomputed",
        algorithm="kruskal",  # deterministic, unlike its parallel Borůvka
    )
    return _with_big_stack(lambda: clusterer.fit_predict(graph))


_stack_lock = threading.Lock()

#: Stack of the thread fast_hdbscan runs on: its cluster selection recurses once per level
#: of the cluster tree, which with min_cluster_size 2 is thousands of levels deep at 200k
#: faces and overflowed the main thread's 8 MB stack (a segfault, bench_scale.py at 400k).
CLUSTERING_STACK = 1 << 30
#: The largest stack CPython's ``threading.stack_size`` takes on Windows (its
#: ``THREAD_MAX_STACKSIZE``): asked for 1 GiB it raises ``ValueError``, and every regroup
#: failed there (found by the Windows rehearsal's frozen-clustering test under Wine).
#: 256 MiB is 32 times the 8 MB that overflowed.
WINDOWS_STACK = 1 << 28


def _set_stack_size(size: int) -> int:
    """``threading.stack_size(size)``, halving ``size`` while the platform refuses it (down
    to 8 MiB); the previous size."""
    while True:
        try:
            return threading.stack_size(size)
        except ValueError:
            if size <= 1 << 23:
                raise
            size //= 2


def _with_big_stack(run):
    """``run()`` on a thread with a ``CLUSTERING_STACK`` stack; its result or its exception."""
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = run()
        except BaseException as exc:  # re-raised on the caller's thread
            box["error"] = exc

    with _stack_lock:
        old = _set_stack_size(WINDOWS_STACK if sys.platform == "win32" else CLUSTERING_STACK)
        try:
            thread = threading.Thread(target=target, name="clustering")
            thread.start()
        finally:
            threading.stack_size(old)
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def cluster_centroids(X: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cluster ids, mean embedding of each cluster), noise excluded, ids ascending."""
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    clustered = labels != NOISE
    ids, codes = np.unique(labels[clustered], return_inverse=True)
    sums = np.zeros((ids.size, X.shape[1]))
    np.add.at(sums, codes, X[clustered])
    return ids, sums / np.bincount(codes, minlength=ids.size)[:, None]


def split_same_photo(
    labels: np.ndarray,
    photo_ids: Sequence[Hashable] | np.ndarray,
    X: np.ndarray,
    *,
    min_cluster_size: int = 2,
) -> np.ndarray:
    """Enforce "one person appears at most once per photo" on a clustering.

    Within each cluster, of the faces that share a photo only the one nearest
    the cluster centroid (the mean of all its members) stays; the others become
    noise.  Clusters left with fewer than ``min_cluster_size`` faces dissolve
    into noise too.  Ties keep the lower index.  Returns a new label array.
    """
    labels = np.asarray(labels, dtype=np.int64).copy()
    photos = dense_codes(photo_ids)
    if photos.size != labels.size or np.shape(X)[0] != labels.size:
        raise ValueError("labels, photo_ids and X must have one entry per face")
    ids, centroids = cluster_centroids(X, labels)
    members = np.flatnonzero(labels != NOISE)
    cluster_row = np.searchsorted(ids, labels[members])
    distance = np.linalg.norm(np.asarray(X, dtype=np.float64)[members] - centroids[cluster_row], axis=1)
    order = np.lexsort((members, distance, photos[members], cluster_row))
    ranked = members[order]
    same_group = (np.diff(labels[ranked]) == 0) & (np.diff(photos[ranked]) == 0)
    labels[ranked[1:][same_group]] = NOISE
    kept, sizes = np.unique(labels[labels != NOISE], return_counts=True)
    labels[np.isin(labels, kept[sizes < min_cluster_size])] = NOISE
    return labels


def match_clusters(
    new_labels: np.ndarray, old_person_of_item: Sequence[Hashable | None]
) -> dict[int, Hashable]:
    """Map new clusters to existing people so re-clustering keeps person ids.

    ``old_person_of_item[i]`` is the person item ``i`` belonged to before
    (``None`` or ``-1`` when it had none).  Pairs (new cluster, old person) are
    taken greedily by how many items they share, largest first, each cluster
    and each person used at most once; ties go to the smaller cluster label,
    then the smaller person id (so person ids must be mutually comparable).
    New clusters absent from the result are new people.
    """
    new_labels = np.asarray(new_labels, dtype=np.int64)
    if len(old_person_of_item) != new_labels.size:
        raise ValueError("new_labels and old_person_of_item must have one entry per item")
    overlap: dict[tuple[int, Hashable], int] = {}
    for cluster, person in zip(new_labels.tolist(), old_person_of_item):
        if cluster != NOISE and person is not None and person != NOISE:
            overlap[cluster, person] = overlap.get((cluster, person), 0) + 1
    mapping: dict[int, Hashable] = {}
    taken: set[Hashable] = set()
    for (cluster, person), _ in sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0])):
        if cluster not in mapping and person not in taken:
            mapping[cluster] = person
            taken.add(person)
    return mapping
