"""Nearest faces among a growing set of embeddings, for grouping new faces as they arrive.

``core.knn`` builds the k-NN graph of a fixed set once; a scan instead asks,
every few seconds, for the neighbours of the few faces it just found among
everything known. This index is built once (centred rows, then k-means
cells as in ``core.knn``) and then grows: a new face goes to its
nearest cell, and a query compares it only with the faces of its
``PROBES`` nearest cells. Cells are larger than the graph's (``CELL_SIZE``
1,000) so that building the index for 400k faces takes seconds, while a
query still reads only ``PROBES × CELL_SIZE`` = 8,000 faces. Up to
``EXACT_UP_TO`` faces the search is exact (one cell). When the set has
doubled since the cells were made, they are made again, so cells never grow
much beyond their size.
"""

from __future__ import annotations

import numpy as np

from photosort.core.knn import _kmeans, _nearest
from photosort.core.threads import one_blas_thread

EXACT_UP_TO = 20_000
CELL_SIZE = 1_000
PROBES = 8


class FaceIndex:
    """Rows of embeddings that can be added to and searched for nearest rows."""

    def __init__(self, X: np.ndarray, *, seed: int = 0) -> None:
        X = np.asarray(X, dtype=np.float32)
        self.dim = X.shape[1]
        self._rng = np.random.default_rng(seed)
        self._Z = np.zeros((max(1024, 2 * len(X)), self.dim), dtype=np.float32)
        self.n = 0
        self._mean = X.mean(axis=0) if len(X) else np.zeros(self.dim, dtype=np.float32)
        self._centres: np.ndarray | None = None
        self._cells: list[list[np.ndarray]] = []
        self._built_at = 0
        self.add(X)

    def __len__(self) -> int:
        return self.n

    def add(self, X: np.ndarray) -> np.ndarray:
        """Append rows; returns their row numbers."""
        X = np.asarray(X, dtype=np.float32).reshape(-1, self.dim)
        rows = np.arange(self.n, self.n + len(X))
        if self.n + len(X) > len(self._Z):
            grown = np.zeros((2 * (self.n + len(X)), self.dim), dtype=np.float32)
            grown[: self.n] = self._Z[: self.n]
            self._Z = grown
        self._Z[rows] = X - self._mean
        self.n += len(X)
        if self.n > EXACT_UP_TO and (self._centres is None or self.n > 2 * self._built_at):
            self._build()
        elif self._centres is not None and len(X):
            cell = _nearest(self._Z[rows], self._centres)[:, 0]
            for c in np.unique(cell):
                self._cells[c].append(rows[cell == c])
        return rows

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """The embeddings of ``rows`` as added."""
        return self._Z[rows] + self._mean

    def _build(self) -> None:
        Z = self._Z[: self.n]
        self._centres = _kmeans(Z, max(2, round(self.n / CELL_SIZE)), self._rng)
        cell = _nearest(Z, self._centres)[:, 0]
        order = np.argsort(cell, kind="stable")
        bounds = np.searchsorted(cell[order], np.arange(len(self._centres) + 1))
        self._cells = [[order[bounds[c]: bounds[c + 1]]] for c in range(len(self._centres))]
        self._built_at = self.n

    def query(self, Q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, distances), each (len(Q), k), nearest first; missing ones are -1 / inf.

        A query row that is itself in the index finds itself at distance 0. The
        queries are searched cell by cell (one matrix product per cell probed).
        """
        Q = np.asarray(Q, dtype=np.float32).reshape(-1, self.dim) - self._mean
        m = len(Q)
        if self._centres is None:
            probes = np.zeros((m, 1), dtype=np.int64)
            cells = [[np.arange(self.n)]]
        else:
            probes = _nearest(Q, self._centres, min(PROBES, len(self._centres)))
            cells = self._cells
        slots = probes.shape[1]
        rows = np.full((m, slots, k), -1, dtype=np.int64)
        dist = np.full((m, slots, k), np.inf, dtype=np.float32)
        flat = probes.ravel()
        order = np.argsort(flat, kind="stable")
        bounds = np.flatnonzero(np.r_[True, flat[order][1:] != flat[order][:-1], True])
        q_sq = np.einsum("ij,ij->i", Q, Q)
        with one_blas_thread():  # many small products: BLAS's threads would only wait on each other
            self._search(Q, q_sq, probes, cells, order, bounds, rows, dist, k)
        rows, dist = rows.reshape(m, -1), dist.reshape(m, -1)
        best = np.argsort(dist, axis=1, kind="stable")[:, :k]
        rows, dist = np.take_along_axis(rows, best, axis=1), np.take_along_axis(dist, best, axis=1)
        rows[np.isinf(dist)] = -1
        return rows, np.sqrt(np.maximum(dist, 0))

    def _search(self, Q, q_sq, probes, cells, order, bounds, rows, dist, k) -> None:
        flat, slots = probes.ravel(), probes.shape[1]
        for a, b in zip(bounds[:-1], bounds[1:]):
            pairs = order[a:b]
            queries, slot = pairs // slots, pairs % slots
            members = np.concatenate(cells[int(flat[pairs[0]])])
            if not members.size:
                continue
            C = self._Z[members]
            D = np.einsum("ij,ij->i", C, C)[None, :] - 2.0 * (Q[queries] @ C.T) + q_sq[queries, None]
            take = min(k, members.size)
            best = np.argpartition(D, take - 1, axis=1)[:, :take]
            rows[queries, slot, :take] = members[best]
            dist[queries, slot, :take] = np.take_along_axis(D, best, axis=1)
