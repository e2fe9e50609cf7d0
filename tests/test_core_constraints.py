"""Grouping rules that prefer a split to a wrong merge (core.constraints, core.thresholds)."""

from __future__ import annotations

import numpy as np

from photosort.core.constraints import (kept_apart_rejections, merge_clusters_apart,
                                        split_incohesive, split_kept_apart)
from photosort.core.grouping import GroupingParams
from photosort.core.thresholds import THRESHOLDS, embedder_of, thresholds_for


def clumps(centres, n=4, spread=0.01, seed=0):
    rng = np.random.default_rng(seed)
    X = np.concatenate([c + rng.normal(size=(n, len(c))) * spread for c in centres])
    labels = np.repeat(np.arange(len(centres)), n)
    return X, labels


def test_clusters_sharing_a_photo_are_never_merged_even_through_a_third():
    e = np.eye(8)
    X, labels = clumps([e[0] * 0.0, e[0] * 0.2, e[0] * 0.4])  # A, B, C in a row, 0.2 apart
    photos = np.arange(len(labels))
    photos[8] = photos[0]  # a face of C shares a photo with a face of A
    merged = merge_clusters_apart(X, labels, photos, 0.25)
    assert merged[0] != merged[8]            # A and C never together
    assert len(set(merged.tolist())) == 2    # B went with one of them
    plain = merge_clusters_apart(X, labels, np.arange(len(labels)), 0.25)
    assert len(set(plain.tolist())) == 1     # without the shared photo all three chain


def test_an_incohesive_group_is_split_and_a_tight_one_kept():
    e = np.eye(8)
    X, _ = clumps([e[0] * 0.0, e[1] * 0.7], n=5)
    one = np.zeros(len(X), dtype=np.int64)
    split = split_incohesive(X, one, 0.6)
    assert len(set(split[:5].tolist())) == 1 and len(set(split[5:].tolist())) == 1
    assert split[0] != split[5]
    assert (split_incohesive(X[:5], one[:5], 0.6) == 0).all()


def test_faces_of_people_kept_apart_are_split_by_owner():
    e = np.eye(8)
    X, _ = clumps([e[0] * 0.0], n=6)
    labels = np.zeros(6, dtype=np.int64)
    owner = [1, 1, 2, 2, None, None]
    out = split_kept_apart(X, labels, owner, {(1, 2)})
    assert out[0] == out[1] and out[2] == out[3] and out[0] != out[2]
    assert (split_kept_apart(X, labels, owner, set()) == 0).all()
    links = {10: (1, "ml"), 11: (2, "user"), 12: (3, "ml")}
    assert kept_apart_rejections(links, {(1, 2)}) == {(10, 2), (11, 1)}


def test_thresholds_are_looked_up_per_embedder():
    assert embedder_of("dlib-resnet-v1@1+mirror") == "dlib-resnet-v1"
    dlib = thresholds_for("dlib-resnet-v1@1+mirror")
    assert dlib is THRESHOLDS["dlib-resnet-v1"]
    assert dlib.auto < dlib.suggest  # three bands: auto / suggest / ignore
    assert thresholds_for("unknown-model@3") is dlib
    assert GroupingParams.for_model("dlib-resnet-v1@1").epsilon == dlib.epsilon


def test_members_by_label_lists_each_cluster_once_in_index_order():
    from photosort.core.constraints import members_by_label

    labels = np.array([3, -1, 0, 3, 0, 7, -1, 3])
    found = {label: members.tolist() for label, members in members_by_label(labels)}
    assert found == {0: [2, 4], 3: [0, 3, 7], 7: [5]}
    assert list(members_by_label(np.full(4, -1))) == []


def test_centroid_pairs_above_the_cap_merge_like_the_exact_pass(monkeypatch):
    from photosort.core import linking

    rng = np.random.default_rng(3)
    centres = rng.normal(size=(300, 16)) * 0.5          # people ≈ 1 apart ...
    twins = centres + rng.normal(size=centres.shape) * 0.02  # ... each split in two clusters
    X, labels = clumps(np.concatenate([centres, twins]), n=3, seed=4)
    photos = np.arange(len(labels))
    exact = merge_clusters_apart(X, labels, photos, 0.25)
    monkeypatch.setattr(linking, "MAX_NOISE", 50)  # 600 clusters: their pairs come from cells
    cells = merge_clusters_apart(X, labels, photos, 0.25)
    assert len(np.unique(exact)) == 300
    assert (cells == exact).all()
