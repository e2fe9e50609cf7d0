"""Scores for a face clustering against ground-truth person labels.

True labels are any hashable person labels; predicted labels are cluster ids
with ``-1`` for noise.  Every noise point counts as its own singleton cluster,
so labelling a face "noise" is never rewarded as if it were grouped with the
other noise faces.

All pair-counting scores (pairwise precision/recall, BCubed) are computed from
the contingency table (counts of items per (person, cluster) cell), which
costs one sort of the n items instead of looking at the n² pairs: 100k items
score in a few milliseconds.  ARI, NMI and the silhouette come from
scikit-learn, imported lazily so importing this module stays cheap.

Conventions for degenerate inputs: pairwise precision is 1.0 when no pair of
items shares a predicted cluster (no wrong pair was claimed), pairwise recall
is 1.0 when no pair of items shares a person (no pair could be missed), and an
F-score is 0.0 when both its precision and recall are 0.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

NOISE = -1

#: Above this many clustered items the silhouette is estimated on a random
#: sample of this size (it costs O(n²) distance evaluations).
SILHOUETTE_SAMPLE = 10_000


@dataclass(frozen=True)
class ClusteringScores:
    """Every clustering score for one prediction (see module docstring)."""

    pairwise_precision: float
    pairwise_recall: float
    pairwise_f: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f: float
    ari: float
    nmi: float
    silhouette: float | None
    n_items: int
    n_clusters: int
    n_noise: int

    def as_dict(self) -> dict[str, float | int | None]:
        """The scores as a plain dict (for JSON reports and tables)."""
        return asdict(self)


def dense_codes(labels: Sequence[Hashable] | np.ndarray) -> np.ndarray:
    """Int64 codes 0..k-1, equal exactly where the hashable labels are equal.

    Sorted-label order for numeric/string arrays, first-seen order otherwise.
    """
    if isinstance(labels, np.ndarray) and labels.dtype.kind in "biuUS":
        return np.unique(labels, return_inverse=True)[1].reshape(-1).astype(np.int64)
    codes: dict[Hashable, int] = {}
    return np.fromiter(
        (codes.setdefault(label, len(codes)) for label in labels),
        dtype=np.int64,
        count=len(labels),
    )


def encode_pred(pred_labels: Sequence[int] | np.ndarray) -> np.ndarray:
    """Dense int codes for cluster labels, each noise point its own singleton."""
    pred = np.asarray(pred_labels, dtype=np.int64).reshape(-1)
    codes = np.unique(pred, return_inverse=True)[1].reshape(-1).astype(np.int64)
    noise = pred == NOISE
    codes[noise] = codes.max(initial=-1) + 1 + np.arange(int(noise.sum()))
    return codes


def _contingency(true_codes: np.ndarray, pred_codes: np.ndarray):
    """The non-zero cells of the person × cluster table.

    Returns (cell_true, cell_pred, cell_counts, true_sizes, pred_sizes): the row
    and column of every non-empty cell, its item count, and the row/column sums.
    """
    if true_codes.shape != pred_codes.shape:
        raise ValueError(
            f"{true_codes.size} true labels but {pred_codes.size} predicted labels"
        )
    n_pred = int(pred_codes.max(initial=-1)) + 1
    keys, cells = np.unique(true_codes * n_pred + pred_codes, return_counts=True)
    return (
        keys // max(n_pred, 1),
        keys % max(n_pred, 1),
        cells,
        np.bincount(true_codes),
        np.bincount(pred_codes),
    )


def _pairs(counts: np.ndarray) -> int:
    counts = counts.astype(np.int64)
    return int((counts * (counts - 1) // 2).sum())


def _f_score(precision: float, recall: float) -> float:
    total = precision + recall
    return 0.0 if total == 0 else 2.0 * precision * recall / total


def pairwise_scores(
    true_labels: Sequence[Hashable] | np.ndarray, pred_labels: Sequence[int] | np.ndarray
) -> tuple[float, float, float]:
    """Pairwise (precision, recall, F) over all unordered pairs of items."""
    _, _, cells, true_sizes, pred_sizes = _contingency(
        dense_codes(true_labels), encode_pred(pred_labels)
    )
    together_both = _pairs(cells)
    together_pred = _pairs(pred_sizes)
    together_true = _pairs(true_sizes)
    precision = 1.0 if together_pred == 0 else together_both / together_pred
    recall = 1.0 if together_true == 0 else together_both / together_true
    return precision, recall, _f_score(precision, recall)


def bcubed_scores(
    true_labels: Sequence[Hashable] | np.ndarray, pred_labels: Sequence[int] | np.ndarray
) -> tuple[float, float, float]:
    """BCubed (precision, recall, F), averaged over items (each item counts itself)."""
    true_codes, pred_codes = dense_codes(true_labels), encode_pred(pred_labels)
    n = true_codes.size
    if n == 0:
        return 1.0, 1.0, 1.0
    cell_true, cell_pred, cells, true_sizes, pred_sizes = _contingency(true_codes, pred_codes)
    squared = cells.astype(np.float64) ** 2
    precision = float((squared / pred_sizes[cell_pred]).sum() / n)
    recall = float((squared / true_sizes[cell_true]).sum() / n)
    return precision, recall, _f_score(precision, recall)


def silhouette(
    embeddings: np.ndarray, pred_labels: Sequence[int] | np.ndarray, *, seed: int = 0
) -> float | None:
    """Euclidean silhouette of the non-noise items; None when it is undefined.

    It is undefined unless at least two clusters and fewer clusters than
    clustered items remain.  Above ``SILHOUETTE_SAMPLE`` clustered items it is
    estimated on a seeded random sample of that many items.
    """
    from sklearn.metrics import silhouette_score

    pred = np.asarray(pred_labels, dtype=np.int64).reshape(-1)
    X = np.asarray(embeddings, dtype=np.float64)
    if X.shape[0] != pred.size:
        raise ValueError(f"{X.shape[0]} embeddings but {pred.size} labels")
    keep = np.flatnonzero(pred != NOISE)
    if keep.size > SILHOUETTE_SAMPLE:
        keep = np.sort(np.random.default_rng(seed).choice(keep, SILHOUETTE_SAMPLE, replace=False))
    n_clusters = np.unique(pred[keep]).size
    if not 2 <= n_clusters <= keep.size - 1:
        return None
    return float(silhouette_score(X[keep], pred[keep], metric="euclidean"))


def score_clustering(
    true_labels: Sequence[Hashable] | np.ndarray,
    pred_labels: Sequence[int] | np.ndarray,
    embeddings: np.ndarray | None = None,
) -> ClusteringScores:
    """All scores of ``pred_labels`` against ``true_labels`` (silhouette needs embeddings)."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    true_codes, pred_codes = dense_codes(true_labels), encode_pred(pred_labels)
    if true_codes.size != pred_codes.size:
        raise ValueError(
            f"{true_codes.size} true labels but {pred_codes.size} predicted labels"
        )
    pred = np.asarray(pred_labels, dtype=np.int64).reshape(-1)
    pairwise = pairwise_scores(true_codes, pred)
    bcubed = bcubed_scores(true_codes, pred)
    return ClusteringScores(
        pairwise_precision=pairwise[0],
        pairwise_recall=pairwise[1],
        pairwise_f=pairwise[2],
        bcubed_precision=bcubed[0],
        bcubed_recall=bcubed[1],
        bcubed_f=bcubed[2],
        ari=float(adjusted_rand_score(true_codes, pred_codes)),
        nmi=float(normalized_mutual_info_score(true_codes, pred_codes)),
        silhouette=None if embeddings is None else silhouette(embeddings, pred),
        n_items=int(pred.size),
        n_clusters=int(np.unique(pred[pred != NOISE]).size),
        n_noise=int((pred == NOISE).sum()),
    )
