"""``photosort self-test --clustering N``: the fast_hdbscan path and its numba cache.

Clusters N synthetic faces (shaped like dlib descriptors: 128 dimensions,
people of 20 faces around their own centre) with the ``fast_hdbscan``
backend, the one ``auto`` picks from 50k faces on, and reports the time and
the numba cache: where it is, how many entries it holds and how many this
run wrote.  A second launch that writes none loaded every compiled function
from the cache (the Wine rehearsal and the Windows job check exactly that).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TextIO

import numpy as np

FACES_PER_PERSON = 20
DIMENSIONS = 128


def synthetic_faces(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` descriptors in people of ``FACES_PER_PERSON``, and their person ids."""
    rng = np.random.default_rng(seed)
    people = max(1, n // FACES_PER_PERSON)
    centres = rng.normal(0.0, 0.6 / np.sqrt(DIMENSIONS) * 4, size=(people, DIMENSIONS))
    truth = np.arange(n) % people
    faces = centres[truth] + rng.normal(0.0, 0.025, size=(n, DIMENSIONS))
    return faces.astype(np.float32), truth


def cache_entries(folder: Path | None) -> list[Path]:
    """The compiled-function files (``*.nbc``) below ``folder``."""
    if folder is None or not folder.is_dir():
        return []
    return sorted(folder.rglob("*.nbc"))


def run_clustering_check(n: int, out: TextIO = sys.stdout) -> int:
    """Cluster ``n`` synthetic faces with fast_hdbscan; 0 when the groups come out right."""
    from photosort.core.clustering import cluster_embeddings
    from photosort.core.metrics import pairwise_scores

    cache = Path(os.environ["NUMBA_CACHE_DIR"]) if os.environ.get("NUMBA_CACHE_DIR") else None
    before = {p: p.stat().st_mtime_ns for p in cache_entries(cache)}
    faces, truth = synthetic_faces(n)
    start = time.perf_counter()
    labels = cluster_embeddings(faces, min_cluster_size=2, min_samples=1, backend="fast_hdbscan")
    seconds = time.perf_counter() - start
    after = {p: p.stat().st_mtime_ns for p in cache_entries(cache)}
    written = sum(1 for p, mtime in after.items() if before.get(p) != mtime)
    f_score = pairwise_scores(truth, labels)[2]
    print(f"clustering: {n} faces with fast_hdbscan in {seconds:.1f} s, "
          f"{len(set(labels.tolist()) - {-1})} groups, pairwise F {f_score:.3f}", file=out)
    print(f"numba cache: {cache or 'numba default'}: {len(after)} entries, {written} written by this run",
          file=out, flush=True)
    return 0 if f_score > 0.9 else 1
