"""Connected k-nearest-neighbour graphs of face embeddings (what HDBSCAN clusters).

HDBSCAN only needs each face's nearest neighbours: its mutual-reachability
spanning tree is made of k-NN edges plus a few edges joining groups of faces
that are closer to each other than to anything else.  ``knn_graph`` returns
both kinds of edges.

Up to ``EXACT_UP_TO`` faces the neighbours are exact (brute force, one
matrix product per block of rows).  Above, an inverted-file index (IVF): a
few k-means iterations split the faces into cells of about ``CELL_SIZE``,
and every face is compared only with the faces of the ``PROBES`` cells whose
centres are nearest to it (at 100k faces 2,400 instead of 100,000).  People
are compact, so a face's neighbours sit in its nearest cells: on the
benchmark 98% of faces keep their true nearest neighbour and the clusters
score as well as those of the exact graph (BCubed F 0.982 vs 0.983 at 100k).
Why our own index rather than a library: on ``benchmarks/bench_knn.py``
(2-core AMD EPYC, a shared busy machine) pynndescent and hnswlib find more
of the 30 true neighbours (recall 0.97 / 0.96 against our 0.88 at 100k) but
the clusters do not change (fast_hdbscan ARI 0.994 / 0.994 / 0.995), and
both are slower: k-NN lists in 49 s and 152 s against 40 s at 100k (24 s,
62 s, 17 s at 50k); hnswlib 0.8.0 installed here only by building its
source (a C++ compiler on every platform we ship for) and pynndescent
compiles with numba on first use.  At 10k
(below ``EXACT_UP_TO``, our lists are exact) the three give the same ARI.

Each cell's search is independent; a thread pool runs them in parallel
(numpy releases the GIL in its matrix products and reductions), one BLAS
thread each (:mod:`photosort.core.threads`).

Connecting edges come from Borůvka steps on the graph's components: every
component but the largest is joined by its shortest edge to a face outside
it (searched in the same cells, or among all faces if none there is
outside), until the graph is connected.  Without them a group of more than
k near-identical faces (a burst of photos) would float free of the
hierarchy and be clustered wrongly.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from photosort.core.threads import CORES, one_blas_thread

EXACT_UP_TO = 12_000
CELL_SIZE = 200
PROBES = 12
KMEANS_ITERATIONS = 8
KMEANS_SAMPLE = 40_000
THREADS = CORES
#: Entries of one float32 distance block (64 MB).
BLOCK = 1 << 24


def knn_graph(
    X: np.ndarray, k: int, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, cols, distances) of a connected graph holding every row's k nearest rows.

    The first n·k edges are the k-NN lists, row by row; connecting edges follow.
    Distances are euclidean (float32 accuracy).  Exact up to ``EXACT_UP_TO``
    rows, approximate above (see the module docstring).
    """
    n = np.shape(X)[0]
    if not 0 < k < n:
        raise ValueError(f"need 0 < k < n, got k={k} for {n} rows")
    index = _CellIndex(X, np.random.default_rng(seed))
    cols, squared = index.nearest(k)
    short = np.flatnonzero(np.isinf(squared[:, -1]))  # probed cells held fewer than k rows
    if short.size:
        cols[short], squared[short] = index.nearest(k, queries=short, everywhere=True)
    return connect(index, cols, squared)


def connect(index: "_CellIndex", cols: np.ndarray,
            squared: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``knn_graph``'s result from (n, k) neighbour lists and squared distances: the
    k-NN edges, then Borůvka bridges from ``index`` until the graph is connected."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    n, k = cols.shape
    edges = [(np.repeat(np.arange(n), k), cols.reshape(-1), squared.reshape(-1))]
    while True:
        rows, targets, _ = (np.concatenate(part) for part in zip(*edges))
        graph = csr_matrix((np.ones(rows.size, dtype=np.int8), (rows, targets)), shape=(n, n))
        n_components, component = connected_components(graph, directed=False)
        if n_components == 1:
            squared = np.concatenate([part[2] for part in edges]).astype(np.float64)
            return rows, targets, np.sqrt(np.maximum(squared, 0.0))
        edges.append(index.bridges(component))


class _CellIndex:
    """Rows of X grouped into cells, and the cells each row probes."""

    def __init__(self, X: np.ndarray, rng: np.random.Generator) -> None:
        self.Z = _principal_coordinates(X)
        self.sq = np.einsum("ij,ij->i", self.Z, self.Z)
        n = len(self.Z)
        if n <= EXACT_UP_TO:
            self.probes = np.zeros((n, 1), dtype=np.int64)  # one cell, holding every row
        else:
            centres = _kmeans(self.Z, max(2, round(n / CELL_SIZE)), rng)
            self.probes = _nearest(self.Z, centres, min(PROBES, len(centres)))
        self.n_cells = int(self.probes.max()) + 1
        self.members = self._group(self.probes[:, 0])
        self.probers = self._group(self.probes.reshape(-1))  # (row, slot) pairs, flattened

    def _group(self, cell: np.ndarray) -> list[np.ndarray]:
        order = np.argsort(cell, kind="stable")
        bounds = np.searchsorted(cell[order], np.arange(self.n_cells + 1))
        return [order[bounds[c] : bounds[c + 1]] for c in range(self.n_cells)]

    def distance_block(self, queries: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Squared distances (float32), queries × candidates."""
        D = self.Z[queries] @ self.Z[candidates].T
        D *= -2.0
        D += self.sq[candidates][None, :]
        D += self.sq[queries][:, None]
        return D

    def nearest(
        self,
        k: int,
        *,
        queries: np.ndarray | None = None,
        exclude: np.ndarray | None = None,
        everywhere: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(ids, squared distances), each (len(queries), k), nearest first.

        Each query row (default: all) searches the rows of the cells it probes
        (with ``everywhere``: all rows), never itself nor, given ``exclude``
        labels, a row with its own label.  Missing neighbours are -1 / inf.
        """
        n, slots = self.probes.shape
        queries = np.arange(n) if queries is None else queries
        position = np.full(n, -1)
        position[queries] = np.arange(queries.size)
        if everywhere:
            searches = [(queries, np.zeros(queries.size, dtype=np.int64), np.arange(n))]
            slots = 1
        else:
            searches = []
            for cell in range(self.n_cells):
                pairs = self.probers[cell]
                pairs = pairs[position[pairs // slots] >= 0]
                searches.append((pairs // slots, pairs % slots, self.members[cell]))
        jobs = [  # blocks of rows, each searching one set of candidates
            (rows[start : start + step], slot[start : start + step], candidates)
            for rows, slot, candidates in searches
            if candidates.size
            for step in [max(1, BLOCK // candidates.size)]
            for start in range(0, rows.size, step)
        ]
        # int32 ids, and no fill (an id is read only where its distance was written):
        # at 400k faces × 12 cells × 30 this array was 1.2 GB of int64 filled with -1.
        ids = np.empty((queries.size, slots, k), dtype=np.int32)
        squared = np.full((queries.size, slots, k), np.inf, dtype=np.float32)

        def search(job: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
            rows, slot, candidates = job
            D = self.distance_block(rows, candidates)
            D[rows[:, None] == candidates[None, :]] = np.inf
            if exclude is not None:
                D[exclude[rows][:, None] == exclude[candidates][None, :]] = np.inf
            best = _smallest(D, min(k, candidates.size))
            ids[position[rows], slot, : best.shape[1]] = candidates[best]
            squared[position[rows], slot, : best.shape[1]] = np.take_along_axis(D, best, axis=1)

        # numpy releases the GIL in its matrix products, sorts and reductions; each
        # thread's BLAS keeps to one thread (the thread policy, photosort.core.threads).
        with one_blas_thread(), ThreadPoolExecutor(max_workers=THREADS) as pool:
            list(pool.map(search, jobs))
        ids, squared = ids.reshape(queries.size, -1), squared.reshape(queries.size, -1)
        best = _k_smallest_sorted(squared, k)
        ids, squared = np.take_along_axis(ids, best, axis=1), np.take_along_axis(squared, best, axis=1)
        ids = ids.astype(np.int64)
        ids[np.isinf(squared)] = -1
        return ids, squared

    def bridges(self, component: np.ndarray):
        """(rows, cols, squared distances): the shortest edge from each component
        but the largest to a row outside it."""
        giant = np.argmax(np.bincount(component))
        outside = np.flatnonzero(component != giant)
        cols, squared = self.nearest(1, queries=outside, exclude=component)
        cols, squared = cols[:, 0], squared[:, 0]
        reached = component[outside[np.isfinite(squared)]]
        for c in np.setdiff1d(component[outside], reached):  # nothing outside in its cells
            rows = np.flatnonzero(component[outside] == c)
            found = self.nearest(1, queries=outside[rows], exclude=component, everywhere=True)
            cols[rows], squared[rows] = found[0][:, 0], found[1][:, 0]
        order = np.lexsort((squared, component[outside]))
        first = order[np.unique(component[outside][order], return_index=True)[1]]
        return outside[first], cols[first], squared[first]


def _principal_coordinates(X: np.ndarray, dropped: float = 1e-6) -> np.ndarray:
    """Centred rows in the principal axes that carry all but ``dropped`` of the variance.

    float32.  Centring keeps float32 squared distances accurate (dlib vectors
    share a large mean); dropping the empty axes (dlib descriptors span only
    ~84 of their 128 dimensions) makes the matrix products cheaper while
    changing squared distances by about ``dropped`` of their mean at most.
    """
    X = np.asarray(X, dtype=np.float64)
    centred = X - X.mean(axis=0)
    variances, axes = np.linalg.eigh(centred.T @ centred)  # ascending
    keep = np.cumsum(variances) > dropped * max(variances.sum(), np.finfo(float).tiny)
    keep[-1] = True
    return (centred @ axes[:, keep]).astype(np.float32)


def _k_smallest_sorted(D: np.ndarray, k: int) -> np.ndarray:
    """Column indices of each row's k smallest entries, nearest first.

    A partition, then a sort of the k only: a full sort of the 12 × 30 candidates of
    400k rows took ~4 s of a 400k regroup.
    """
    if D.shape[1] <= k:
        return np.argsort(D, axis=1, kind="stable")
    part = np.sort(np.argpartition(D, k - 1, axis=1)[:, :k], axis=1)  # columns ascending ...
    order = np.argsort(np.take_along_axis(D, part, axis=1), axis=1, kind="stable")  # ... so ties keep it
    return np.take_along_axis(part, order, axis=1)


def _smallest(D: np.ndarray, k: int, width: int = 32) -> np.ndarray:
    """Column indices of the k smallest entries of each row (unordered).

    A row's k smallest block minima (blocks of ``width`` columns) are k
    distinct entries, so the largest of them bounds the row's k-th smallest
    entry; only the few entries under that bound are then ranked.  About 4×
    faster than ``np.argpartition`` on wide rows.
    """
    m, n = D.shape
    usable = n // width * width
    if usable // width < k:
        return np.argpartition(D, k - 1, axis=1)[:, :k]
    block_min = D[:, :usable].reshape(m, -1, width).min(axis=2)
    bound = np.partition(block_min, k - 1, axis=1)[:, k - 1 : k]
    rows, cols = np.nonzero(D <= bound)
    order = np.lexsort((D[rows, cols], rows))
    rows, cols = rows[order], cols[order]
    rank = np.arange(rows.size) - np.searchsorted(rows, rows)
    return cols[rank < k].reshape(m, k)


def _kmeans(Z: np.ndarray, n_cells: int, rng: np.random.Generator) -> np.ndarray:
    """Cell centres from a few Lloyd iterations on a sample of the rows."""
    sample = Z[rng.choice(len(Z), size=min(len(Z), KMEANS_SAMPLE), replace=False)]
    centres = sample[rng.choice(len(sample), size=n_cells, replace=False)]
    for _ in range(KMEANS_ITERATIONS):
        cell = _nearest(sample, centres)[:, 0]
        order = np.argsort(cell, kind="stable")  # sums by sorted runs: np.add.at was 1 s at 400k
        counts = np.bincount(cell, minlength=n_cells)
        sums = np.zeros_like(centres)
        starts = np.r_[0, np.cumsum(counts)[:-1]]
        filled = counts > 0
        sums[filled] = np.add.reduceat(sample[order], starts[filled], axis=0)
        centres[filled] = sums[filled] / counts[filled, None]
    return centres


def _nearest(Z: np.ndarray, centres: np.ndarray, count: int = 1) -> np.ndarray:
    """Indices of the ``count`` nearest centres of every row of Z, nearest first.

    Blocks of rows run on the thread pool (one BLAS thread each), like the
    cell searches: the selection after each product is single-threaded numpy.
    """
    centre_sq = np.einsum("ij,ij->i", centres, centres)
    step = max(1, min(BLOCK // len(centres), -(-len(Z) // THREADS)))
    found = np.empty((len(Z), count), dtype=np.int64)

    def block(s: int) -> None:
        D = centre_sq[None, :] - 2.0 * (Z[s : s + step] @ centres.T)
        if count == 1:
            found[s : s + step, 0] = np.argmin(D, axis=1)
            return
        near = _smallest(D, count)
        order = np.argsort(np.take_along_axis(D, near, axis=1), axis=1, kind="stable")
        found[s : s + step] = np.take_along_axis(near, order, axis=1)

    starts = range(0, len(Z), step)
    if len(starts) == 1:  # a few query rows: no pool
        block(0)
        return found
    with one_blas_thread(), ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(block, starts))
    return found
