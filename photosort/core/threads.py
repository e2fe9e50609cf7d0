"""The thread policy: the one place that decides how many threads PhotoSort's maths uses.

Work is split at the outermost level into one unit per core, and each unit
does its maths on **one thread**, so that units never fight over cores:

* analysis (:mod:`photosort.services.analyze`): whole photos spread over
  worker processes, each running torch with :data:`TORCH_THREADS` thread;
  a small job analysed in-process uses the same single thread (on a 2-core
  laptop two photos at once are about twice as fast as one photo with two
  threads, and torch's own threads collapse as soon as anything else — the
  GUI, another program — is busy);
* the k-NN graph (:mod:`photosort.core.knn`): one Python thread per core,
  each searching its cells with BLAS held to one thread by
  :func:`one_blas_thread` (threadpoolctl), instead of 2 threads × 2 BLAS
  threads on 2 cores;
* one-off matrix products elsewhere (clustering, linking) are the only work
  running at that moment and keep BLAS's default (all cores).
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager

CORES = os.cpu_count() or 1
"""Units of parallel work: worker processes for photos, Python threads for k-NN cells."""
TORCH_THREADS = 1
"""torch's intra-op threads in every process that analyses photos."""


def one_blas_thread() -> AbstractContextManager:
    """Within the block, BLAS (numpy's matrix products) uses one thread per calling thread."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")
