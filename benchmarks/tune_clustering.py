"""Tune the grouping parameters on saved lfw-dev embeddings and print a table.

    uv run photosort --db benchmarks/out/lfw.sqlite3 scan ../shared/data/lfw-dev   # once
    uv run python benchmarks/tune_clustering.py [--db benchmarks/out/lfw.sqlite3]

Runs the exact recipe the app uses (``photosort.core.grouping.group_faces``)
over a grid of parameters on the same embeddings and scores every setting
like ``photosort evaluate`` does.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT, data_dir, table  # noqa: E402


def main() -> None:
    from photosort.core.grouping import GroupingParams, group_faces
    from photosort.core.metrics import score_clustering
    from photosort.services.analyze import AnalyzeSettings
    from photosort.services.evaluate import labelled_faces, labelled_images
    from photosort.store.db import Database

    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(OUT / "lfw.sqlite3"))
    ap.add_argument("--dir", default=str(data_dir() / "lfw-dev"))
    ap.add_argument("--backend", default="auto", choices=["auto", "hdbscan", "fast_hdbscan"])
    args = ap.parse_args()
    db = Database(args.db)
    labels = labelled_images(Path(args.dir).absolute())
    faces = labelled_faces(db, labels, AnalyzeSettings().model_id)
    idx = faces.label_index
    rows = []
    grid = itertools.product([2, 3], [1, 2], [0.0, 0.35], [0.4, 0.45], [0.0, 0.3, 0.35, 0.4])
    for mcs, ms, eps, link, merge in grid:
        params = GroupingParams(min_cluster_size=mcs, min_samples=ms, epsilon=eps,
                                link_threshold=link, backend=args.backend, merge_threshold=merge)
        start = time.perf_counter()
        pred = group_faces(faces.embeddings, faces.photo, params)
        seconds = time.perf_counter() - start
        s = score_clustering(faces.labels, pred[idx])
        rows.append([mcs, ms, eps, link, merge, s.pairwise_precision, s.pairwise_recall, s.pairwise_f,
                     s.bcubed_f, s.ari, s.n_clusters, seconds])
    rows.sort(key=lambda r: -(r[7] + r[8]))
    print(table(f"Grouping parameters on {len(idx)} labelled faces ({faces.n_faces} faces)",
                ["min_cluster", "min_samples", "epsilon", "link", "merge", "P", "R", "pairwise F",
                 "BCubed F", "ARI", "clusters", "s"], rows))


if __name__ == "__main__":
    main()
