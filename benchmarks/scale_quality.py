"""How right a regroup of the lifetime catalog is, against who each face really is (issue 13).

``scale_catalog.true_labels`` knows every face's true identity; after a
regroup, every face's person (or none) is read back from the catalog and
scored with the same measures as the real sets (``core.metrics``: pairwise
and BCubed precision / recall / F). A face without a person counts as a
group of its own, so a stranger left unknown costs recall, never precision.
Also reported: groups of two or more faces against true identities with two
or more faces, and the largest wrong merge, the most faces of one group that
are not of the group's main identity (the chaining a long tail invites).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from photosort.core.metrics import bcubed_scores, pairwise_scores


@dataclass(frozen=True)
class Quality:
    """Scores of one regroup against the truth."""

    pairwise: tuple[float, float, float]
    bcubed: tuple[float, float, float]
    groups: int
    true_groups: int
    worst_merge: int
    worst_merge_size: int


def regroup_quality(db, truth: np.ndarray) -> Quality:
    """Scores of the people in ``db`` for the faces ``truth`` covers (face id = index + 1)."""
    person = np.full(len(truth), -1, dtype=np.int64)
    rows = db.query("SELECT face_id, person_id FROM face_person WHERE face_id <= ?", (len(truth),))
    if rows:
        pairs = np.array([(r[0], r[1]) for r in rows], dtype=np.int64)
        person[pairs[:, 0] - 1] = pairs[:, 1]
    sizes = np.bincount(truth)
    grouped = person >= 0
    worst, worst_size = 0, 0
    if grouped.any():
        key = np.unique(np.stack([person[grouped], truth[grouped]]), axis=1, return_counts=True)
        (people, _), counts = key
        order = np.lexsort((-counts, people))
        people, counts = people[order], counts[order]
        first = np.r_[True, people[1:] != people[:-1]]
        size = np.add.reduceat(counts, np.flatnonzero(first))
        wrong = size - counts[first]
        at = int(np.argmax(wrong))
        worst, worst_size = int(wrong[at]), int(size[at])
    _, group_sizes = np.unique(person[grouped], return_counts=True)
    return Quality(pairwise=pairwise_scores(truth, person), bcubed=bcubed_scores(truth, person),
                   groups=int((group_sizes >= 2).sum()), true_groups=int((sizes >= 2).sum()),
                   worst_merge=worst, worst_merge_size=worst_size)


def quality_rows(quality: Quality) -> list[list]:
    """The benchmark table's rows for ``quality``."""
    p, b = quality.pairwise, quality.bcubed
    return [["  pairwise precision / recall / F vs truth", f"{p[0]:.3f} / {p[1]:.3f} / {p[2]:.3f}",
             "", ""],
            ["  BCubed precision / recall / F vs truth", f"{b[0]:.3f} / {b[1]:.3f} / {b[2]:.3f}",
             "", ""],
            ["  groups (2+ faces) / true people (2+ faces)",
             f"{quality.groups:,} / {quality.true_groups:,}", "", ""],
            ["  largest wrong merge (faces not of the group's person / group)",
             f"{quality.worst_merge:,} / {quality.worst_merge_size:,}", "", ""]]
