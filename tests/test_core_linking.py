"""Noise linking beyond its exact-pass cap finds the same groups (``core.linking``), and the
large-library grouping path keeps a long tail of small people apart (``core.grouping``)."""

from __future__ import annotations

import numpy as np

from photosort.core import linking
from photosort.core.metrics import score_clustering


def test_noise_linking_above_the_cap_finds_the_exact_groups(monkeypatch):
    rng = np.random.default_rng(5)
    centres = rng.normal(size=(9_000, 128)).astype(np.float32) * 0.12  # ≈ 1.4 apart
    X = np.repeat(centres, 3, axis=0) + rng.normal(size=(27_000, 128)).astype(np.float32) * 0.02
    noise = np.full(len(X), -1)
    cells = linking.link_noise(X, noise, 0.4)  # 27k noise faces: above the cap
    monkeypatch.setattr(linking, "MAX_NOISE", 10**6)
    exact = linking.link_noise(X, noise, 0.4)
    assert len(np.unique(exact)) == 9_000 and (exact >= 0).all()
    assert score_clustering(exact, cells).pairwise_f > 0.99


def test_noise_linking_above_the_cap_from_the_knn_graph_finds_the_exact_groups(monkeypatch):
    from photosort.core.clustering import neighbour_graph

    rng = np.random.default_rng(6)
    centres = rng.normal(size=(400, 128)).astype(np.float32) * 0.12
    X = np.repeat(centres, 3, axis=0) + rng.normal(size=(1_200, 128)).astype(np.float32) * 0.02
    noise = np.full(len(X), -1)
    exact = linking.link_noise(X, noise, 0.4)
    monkeypatch.setattr(linking, "MAX_NOISE", 100)  # 1,200 noise faces: above the cap
    graph = neighbour_graph(X.astype(np.float64), 30)
    linked = linking.link_noise(X, noise, 0.4, graph=graph)
    assert len(np.unique(exact)) == 400 and (exact >= 0).all()
    assert score_clustering(exact, linked).pairwise_f == 1.0
    far = linking.link_noise(X, noise, 0.001, graph=graph)  # the threshold still decides
    assert (far == -1).all()


def _long_tail(rng, people: int = 1_500):
    """dlib-like faces of a long tail: a few big people, many of 1-3 faces (bench_cluster)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_cluster.py"
    spec = importlib.util.spec_from_file_location("bench_cluster", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    sizes = np.r_[[400, 300, 200], rng.choice([1, 2, 3], size=people, p=[0.5, 0.3, 0.2])]
    X, labels = bench.make_faces(int(sizes.sum()), seed=7, sizes=sizes)
    return X, labels


def test_the_large_library_path_keeps_a_long_tail_apart(monkeypatch):
    """Every cap lowered (k-NN cells, noise linking from the graph, centroid pairs from
    cells), as for 400k faces: the groups score like the exact path's, no chaining."""
    from photosort.core import knn
    from photosort.core.grouping import GroupingParams, group_faces
    from photosort.core.metrics import bcubed_scores

    rng = np.random.default_rng(8)
    X, truth = _long_tail(rng)
    photos = np.arange(len(X))
    params = GroupingParams()
    exact = group_faces(X, photos, params)
    monkeypatch.setattr(knn, "EXACT_UP_TO", 500)
    monkeypatch.setattr(knn, "CELL_SIZE", 50)
    monkeypatch.setattr(linking, "MAX_NOISE", 200)
    large = group_faces(X, photos, params)
    assert len(np.unique(large[large >= 0])) > 0.8 * len(np.unique(exact[exact >= 0]))
    f_exact, f_large = bcubed_scores(truth, exact)[2], bcubed_scores(truth, large)[2]
    assert f_exact > 0.9 and f_large > f_exact - 0.02

    def worst_merge(labels):  # most faces of one group not of its main person
        return max(int((labels == g).sum() - np.bincount(truth[labels == g]).max())
                   for g in np.unique(labels[labels >= 0]))

    assert worst_merge(large) <= max(4, worst_merge(exact))  # no group chains the tail together


def test_a_far_group_does_not_collapse_everyone_else_into_one_cluster(monkeypatch):
    """60 faces from another generator (far from all others): HDBSCAN's root then has one
    child holding nearly every face; clustered alone, it is the root and splits."""
    import importlib.util
    from pathlib import Path

    from photosort.core import grouping
    from photosort.core.grouping import GroupingParams, group_faces
    from photosort.core.metrics import bcubed_scores

    X, truth = _long_tail(np.random.default_rng(8), people=2_000)
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_cluster.py"
    spec = importlib.util.spec_from_file_location("bench_cluster", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    far, _ = bench.make_faces(60, seed=99, sizes=np.ones(60, dtype=int))
    X_all, truth_all = np.vstack([X, far]), np.r_[truth, truth.max() + 1 + np.arange(60)]
    photos = np.arange(len(X_all))
    alone = bcubed_scores(truth, group_faces(X, photos[:len(X)], GroupingParams()))[2]
    fixed = group_faces(X_all, photos, GroupingParams())
    monkeypatch.setattr(grouping, "DOMINANT", 1.0)  # the rule off: the collapse it prevents
    collapsed = group_faces(X_all, photos, GroupingParams())
    assert bcubed_scores(truth_all, fixed)[2] > alone - 0.01
    assert bcubed_scores(truth_all, collapsed)[2] < alone - 0.2


def test_a_person_who_is_most_of_the_library_stays_one_group(monkeypatch):
    """A family's child in 2,400 of 3,000 faces is a dominant cluster that holds together:
    it is not clustered again (which would cut one person into parts and noise)."""
    import importlib.util
    from pathlib import Path

    from photosort.core import grouping
    from photosort.core.grouping import GroupingParams, group_faces

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_cluster.py"
    spec = importlib.util.spec_from_file_location("bench_cluster", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    sizes = np.r_[2_400, np.full(120, 5)]
    X, truth = bench.make_faces(int(sizes.sum()), seed=5, sizes=sizes)
    photos = np.arange(len(X))

    def child_in_one_group(labels) -> float:
        child = labels[truth == 0]
        return np.bincount(child[child >= 0]).max() / len(child) if (child >= 0).any() else 0.0

    assert child_in_one_group(group_faces(X, photos, GroupingParams())) > 0.9
    monkeypatch.setattr(grouping, "holds_together", lambda X, cohesion: False)  # no guard
    assert child_in_one_group(group_faces(X, photos, GroupingParams())) < 0.9
