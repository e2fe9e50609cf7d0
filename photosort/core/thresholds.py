"""Every distance threshold that depends on the face embedder, in one table keyed by model.

A different embedder moves every edge (its distances live on another scale),
so grouping, the three review bands and the cohesion rule are looked up here
by the embedder part of a model id (``"dlib-resnet-v1@1+mirror"`` →
``"dlib-resnet-v1"``). A model not in the table gets dlib's values, which is
wrong but safe: suggestions and proposals are only ever questions.

The three bands for a face near a named person's centroid (euclidean
distance between descriptors):

    distance <= auto            joined automatically (a scan or a regroup)
    auto < distance <= suggest  asked: "Is this Ann?"
    distance > suggest          ignored

and a pair of groups whose centroids are within ``propose`` is asked
"Same person?". After a "No" for the nearest named person, a face is asked
about the next nearest only within ``suggest_again`` (0.5 for dlib: with the
whole band, lfw-dev's one-photo strangers were asked about person after
person). dlib's suggest / propose edges were chosen with
``benchmarks/bench_review.py`` (simulated actions per 100 labelled faces on
five_celebrity and bollywood_actors, AMD EPYC, 2 shared cores: 0.6 / 0.5
gave 9.4 and 29.4, against 14.5 and 31.3 at 0.55 / 0.55 and 12.0 and 46.6
at 0.5 / 0.6); the table is in the README's "Review" section. ``auto`` is
the old ``join_threshold`` (93.4 % right answers on held-out lfw-dev faces,
see ``core.clustering``); the grouping values are ``tune_clustering.py``'s.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EmbedderThresholds:
    """Distance thresholds measured for one embedder (see the module docstring)."""

    epsilon: float           # HDBSCAN cluster_selection_epsilon
    link_threshold: float    # noise faces closer than this are linked
    merge_threshold: float   # clusters whose centroids are closer merge (unless they share a photo)
    auto: float              # a free face this close to a known person's centroid joins them
    suggest: float           # up to here a face is suggested to a named person
    propose: float           # groups whose centroids are this close are proposed as one person
    cohesion: float          # a group whose faces lie farther than this from the rest is split
    child_score: float = 0.0  # a group whose median childness is above this is a child's...
    child_cut: float = 0.0    # ...and is split at this average-linkage distance (0 = no rule)
    suggest_again: float = 0.0  # after a "No", a face is asked about the next nearest this close


THRESHOLDS: dict[str, EmbedderThresholds] = {
    "dlib-resnet-v1": EmbedderThresholds(
        epsilon=0.35, link_threshold=0.4, merge_threshold=0.35,
        auto=0.45, suggest=0.6, propose=0.5, cohesion=0.6,
        child_score=1.0, child_cut=0.23,
        suggest_again=0.5),
}

DEFAULT_EMBEDDER = "dlib-resnet-v1"


def embedder_of(model_id: str) -> str:
    """The embedder name of a model id: ``"dlib-resnet-v1@1+mirror"`` → ``"dlib-resnet-v1"``."""
    return model_id.split("@", 1)[0].split("+", 1)[0]


def thresholds_for(model_id: str | None) -> EmbedderThresholds:
    """The thresholds measured for ``model_id``'s embedder (dlib's when unknown)."""
    return THRESHOLDS.get(embedder_of(model_id or DEFAULT_EMBEDDER), THRESHOLDS[DEFAULT_EMBEDDER])
