"""Clustering scores: hand-computed cases and an O(n²) brute-force reference."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from photosort.core.metrics import (
    ClusteringScores,
    bcubed_scores,
    pairwise_scores,
    score_clustering,
    silhouette,
)


def brute_force(true, pred):
    """Pairwise, BCubed and ARI straight from the definitions, noise as singletons."""
    n = len(true)
    pred = [("noise", i) if p == -1 else p for i, p in enumerate(pred)]
    same_true = same_pred = same_both = 0
    for i, j in combinations(range(n), 2):
        t, p = true[i] == true[j], pred[i] == pred[j]
        same_true += t
        same_pred += p
        same_both += t and p
    bc_p = sum(
        sum(pred[j] == pred[i] and true[j] == true[i] for j in range(n))
        / sum(pred[j] == pred[i] for j in range(n))
        for i in range(n)
    ) / n
    bc_r = sum(
        sum(pred[j] == pred[i] and true[j] == true[i] for j in range(n))
        / sum(true[j] == true[i] for j in range(n))
        for i in range(n)
    ) / n
    if same_true == same_pred == same_both:  # identical partitions (sklearn's convention)
        ari = 1.0
    else:
        expected = same_true * same_pred / (n * (n - 1) / 2)
        ari = (same_both - expected) / ((same_true + same_pred) / 2 - expected)
    return same_true, same_pred, same_both, bc_p, bc_r, ari


def test_hand_computed_example():
    # true a a b b ; predicted 0 0 0 1
    s = score_clustering(["a", "a", "b", "b"], [0, 0, 0, 1])
    # Predicted pairs: (1,2) (1,3) (2,3); true pairs: (1,2) (3,4); shared: (1,2).
    assert s.pairwise_precision == pytest.approx(1 / 3)
    assert s.pairwise_recall == pytest.approx(1 / 2)
    assert s.pairwise_f == pytest.approx(2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2))
    # BCubed precision per item: 2/3, 2/3, 1/3, 1/1; recall: 2/2, 2/2, 1/2, 1/2.
    assert s.bcubed_precision == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4)
    assert s.bcubed_recall == pytest.approx((1 + 1 + 0.5 + 0.5) / 4)
    # ARI: expected index = 2 true pairs * 3 predicted pairs / 6 pairs = 1,
    # max index = (2 + 3) / 2 = 2.5, index = 1 shared pair -> (1 - 1) / (2.5 - 1) = 0.
    assert s.ari == pytest.approx(0.0)
    assert (s.n_items, s.n_clusters, s.n_noise) == (4, 2, 0)


def test_noise_points_are_singletons_not_one_cluster():
    # true a a b ; predicted noise noise 0: the two a's were not put together.
    precision, recall, f = pairwise_scores(["a", "a", "b"], [-1, -1, 0])
    assert (precision, recall, f) == (1.0, 0.0, 0.0)
    bp, br, _ = bcubed_scores(["a", "a", "b"], [-1, -1, 0])
    assert bp == 1.0
    assert br == pytest.approx((1 / 2 + 1 / 2 + 1) / 3)
    # Had the noise been one cluster, the clustering would have been perfect.
    assert pairwise_scores(["a", "a", "b"], [5, 5, 0]) == (1.0, 1.0, 1.0)


def test_perfect_clustering_scores_one_everywhere():
    true = ["ann", "ann", "bob", "bob", "bob", "cy", "cy"]
    s = score_clustering(true, [7, 7, 2, 2, 2, 0, 0])
    for value in (s.pairwise_precision, s.pairwise_recall, s.pairwise_f, s.bcubed_f, s.ari, s.nmi):
        assert value == pytest.approx(1.0)


def test_all_noise():
    s = score_clustering(["a", "a", "b", "c"], [-1, -1, -1, -1])
    assert s.pairwise_precision == 1.0  # no pair claimed, so none claimed wrongly
    assert s.pairwise_recall == 0.0 and s.pairwise_f == 0.0
    assert s.bcubed_precision == 1.0
    assert s.bcubed_recall == pytest.approx((1 / 2 + 1 / 2 + 1 + 1) / 4)
    assert (s.n_clusters, s.n_noise) == (0, 4)


def test_single_cluster():
    s = score_clustering(["a", "a", "b", "c"], [3, 3, 3, 3])
    assert s.pairwise_precision == pytest.approx(1 / 6)  # 1 true pair among 6
    assert s.pairwise_recall == 1.0
    assert s.bcubed_precision == pytest.approx((2 / 4 + 2 / 4 + 1 / 4 + 1 / 4) / 4)
    assert s.bcubed_recall == 1.0
    assert s.ari == pytest.approx(0.0)
    assert s.n_clusters == 1


def test_labels_of_any_hashable_type_stay_distinct():
    # 1 and "1" are two different people; tuples work as labels.
    s = score_clustering([1, "1", ("x", 2), ("x", 2)], [0, 1, 2, 2])
    assert s.pairwise_f == 1.0 and s.ari == pytest.approx(1.0)


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError):
        score_clustering(["a", "b"], [0])


def test_as_dict_lists_every_field():
    s = score_clustering(["a", "a"], [0, 0])
    assert isinstance(s, ClusteringScores)
    assert s.as_dict()["pairwise_f"] == 1.0
    assert set(s.as_dict()) == {
        "pairwise_precision", "pairwise_recall", "pairwise_f", "bcubed_precision",
        "bcubed_recall", "bcubed_f", "ari", "nmi", "silhouette", "n_items",
        "n_clusters", "n_noise",
    }  # fmt: skip


labellings = st.integers(min_value=1, max_value=40).flatmap(
    lambda n: st.tuples(
        st.lists(st.sampled_from("abcdef"), min_size=n, max_size=n),
        st.lists(st.integers(min_value=-1, max_value=5), min_size=n, max_size=n),
    )
)


@settings(max_examples=200, deadline=None)
@given(labellings)
def test_contingency_counts_match_brute_force(labelling):
    true, pred = labelling
    same_true, same_pred, same_both, bc_p, bc_r, ari = brute_force(true, pred)
    s = score_clustering(true, pred)
    assert s.pairwise_precision == pytest.approx(same_both / same_pred if same_pred else 1.0)
    assert s.pairwise_recall == pytest.approx(same_both / same_true if same_true else 1.0)
    assert s.bcubed_precision == pytest.approx(bc_p)
    assert s.bcubed_recall == pytest.approx(bc_r)
    assert s.ari == pytest.approx(ari, abs=1e-9)
    assert s.n_noise == pred.count(-1)


def test_silhouette_by_hand():
    # Clusters {0, 1} and {10, 11} on a line; the point at 500 is noise and ignored.
    X = np.array([[0.0], [1.0], [10.0], [11.0], [500.0]])
    labels = [0, 0, 1, 1, -1]
    # For x=0: a = 1 (to x=1), b = mean(10, 11) = 10.5 -> 1 - 1/10.5; x=1: a=1, b=9.5;
    # by symmetry the other cluster mirrors these.
    expected = ((1 - 1 / 10.5) + (1 - 1 / 9.5)) / 2
    assert silhouette(X, labels) == pytest.approx(expected)
    assert score_clustering(list("aabbc"), labels, X).silhouette == pytest.approx(expected)


def test_silhouette_undefined_cases():
    X = np.arange(8.0).reshape(4, 2)
    assert silhouette(X, [0, 0, 0, -1]) is None  # one cluster
    assert silhouette(X, [-1, -1, -1, -1]) is None  # nothing clustered
    assert silhouette(X, [0, 1, -1, -1]) is None  # as many clusters as points
    assert score_clustering(list("abcd"), [0, 0, 1, 1]).silhouette is None  # no embeddings
