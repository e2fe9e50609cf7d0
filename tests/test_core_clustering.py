"""Clustering embeddings into people, the same-photo rule, assignment and re-matching."""

from __future__ import annotations

import numpy as np
import pytest

from photosort.core.clustering import (
    cluster_centroids,
    cluster_embeddings,
    match_clusters,
    split_same_photo,
)
from photosort.core.metrics import encode_pred, score_clustering

DIM = 128


def people(sizes, *, seed=0, inter=0.9, intra=0.35):
    """Face-descriptor-like data: one gaussian blob per person.

    Faces of one person lie ``intra`` apart on average, faces of two people
    about ``inter`` apart (the scale of dlib's 128-d descriptors).
    """
    rng = np.random.default_rng(seed)
    directions = rng.normal(size=(len(sizes), DIM))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    centres = np.sqrt((inter**2 - intra**2) / 2) * directions
    truth = np.repeat(np.arange(len(sizes)), sizes)
    X = centres[truth] + rng.normal(scale=intra / np.sqrt(2 * DIM), size=(truth.size, DIM))
    return X, truth


SIZES = [40, 25, 12, 8, 5, 5, 4, 3, 3, 2, 2, 2]


@pytest.mark.parametrize("backend", ["hdbscan", "fast_hdbscan", "auto"])
def test_separated_people_are_found(backend):
    X, truth = people(SIZES)
    labels = cluster_embeddings(X, backend=backend)
    assert labels.dtype == np.int64 and labels.shape == truth.shape
    assert score_clustering(truth, labels).ari > 0.95


def test_backends_agree():
    X, _ = people(SIZES * 3, seed=1)
    a = cluster_embeddings(X, backend="hdbscan")
    b = cluster_embeddings(X, backend="fast_hdbscan")
    assert score_clustering(a, b).ari > 0.99


@pytest.mark.parametrize("backend", ["hdbscan", "fast_hdbscan"])
def test_isolated_faces_are_noise(backend):
    X, truth = people([20, 15, 10], seed=2)
    strangers, _ = people([1, 1, 1, 1], seed=3)  # four more people, one face each
    labels = cluster_embeddings(np.vstack([X, strangers]), backend=backend)
    assert (labels[-4:] == -1).all()
    assert score_clustering(truth, labels[:-4]).ari > 0.95


def test_degenerate_inputs():
    assert cluster_embeddings(np.empty((0, DIM))).shape == (0,)
    assert cluster_embeddings(np.ones((1, DIM))).tolist() == [-1]
    assert cluster_embeddings(np.zeros((3, DIM)), min_cluster_size=4).tolist() == [-1] * 3
    with pytest.raises(ValueError):
        cluster_embeddings(np.zeros((5, DIM)), backend="kmeans")
    with pytest.raises(ValueError):
        cluster_embeddings(np.zeros((5, DIM)), metric="manhattan")
    with pytest.raises(ValueError):
        cluster_embeddings(np.zeros(DIM))


@pytest.mark.parametrize("backend", ["hdbscan", "fast_hdbscan"])
def test_cosine_ignores_vector_length(backend):
    X, truth = people(SIZES, seed=4)
    stretched = X * np.random.default_rng(5).uniform(0.5, 3.0, size=(len(X), 1))
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    cosine = cluster_embeddings(stretched, metric="cosine", backend=backend)
    assert cosine.tolist() == cluster_embeddings(unit, backend=backend).tolist()
    assert score_clustering(truth, cosine).ari > 0.95


@pytest.mark.parametrize("backend", ["hdbscan", "fast_hdbscan"])
def test_epsilon_merges_close_clusters(backend):
    # Three people; the first one's photos form two tight groups 0.3 apart.
    X, _ = people([15, 15, 15], seed=6, intra=0.05)
    direction = np.random.default_rng(7).normal(size=DIM)
    X = np.vstack([X, X[:15] + 0.3 * direction / np.linalg.norm(direction)])
    apart = cluster_embeddings(X, backend=backend)
    merged = cluster_embeddings(X, epsilon=0.5, backend=backend)
    assert len({apart[0], apart[15], apart[30], apart[45]}) == 4
    assert (merged[:15] == merged[0]).all() and (merged[45:] == merged[0]).all()
    assert len({merged[0], merged[15], merged[30]}) == 3


def test_cluster_centroids():
    X = np.array([[0.0, 0.0], [2.0, 0.0], [9.0, 9.0], [0.0, 4.0], [0.0, 6.0]])
    ids, centroids = cluster_centroids(X, np.array([3, 3, -1, 1, 1]))
    assert ids.tolist() == [1, 3]
    assert centroids.tolist() == [[0.0, 5.0], [1.0, 0.0]]


def test_split_same_photo_keeps_face_nearest_centroid():
    X = np.array([[0.0], [1.0], [1.2], [5.0], [10.0], [10.5], [11.0], [30.0]])
    labels = np.array([0, 0, 0, 0, 1, 1, 1, -1])
    photos = ["p1", "p2", "p2", "p3", "p4", "p4", "p5", "p4"]
    # Cluster 0 has centroid 1.8: of faces 1 (d=0.8) and 2 (d=0.6) in p2, face 2 stays.
    # Cluster 1 has centroid 10.5: of faces 4 (d=0.5) and 5 (d=0) in p4, face 5 stays.
    # The noise face 7 in p4 stays noise.
    out = split_same_photo(labels, photos, X)
    assert out.tolist() == [0, -1, 0, 0, -1, 1, 1, -1]
    assert labels.tolist() == [0, 0, 0, 0, 1, 1, 1, -1]  # the input is not modified


def test_split_same_photo_dissolves_clusters_left_too_small():
    X = np.array([[0.0], [0.1], [0.3], [7.0], [7.1], [7.2]])
    labels = np.array([4, 4, 4, 9, 9, 9])
    photos = np.array([1, 1, 1, 2, 3, 4])  # cluster 4 is three faces from one photo
    assert split_same_photo(labels, photos, X).tolist() == [-1, -1, -1, 9, 9, 9]
    assert split_same_photo(labels, photos, X, min_cluster_size=1).tolist() == [-1, 4, -1, 9, 9, 9]


def test_match_clusters_restores_relabelled_people():
    old = [11, 11, 11, 12, 12, 13, 13, 13, None]
    relabelled = [2, 2, 2, 0, 0, 1, 1, 1, -1]
    assert match_clusters(relabelled, old) == {2: 11, 0: 12, 1: 13}


def test_match_clusters_greedy_one_to_one():
    old = [5, 5, 5, 6, 6, 5, None, None, -1]
    new = [0, 0, 0, 0, 0, 1, 2, 2, 2]
    # (0, 5) shares 3 items and wins; person 5 is then taken, so cluster 1 stays new;
    # cluster 0 is taken, so person 6 is not matched; cluster 2 has no old person.
    assert match_clusters(new, old) == {0: 5}


def test_match_clusters_ties_are_deterministic():
    # Clusters 3 and 1 each share two items with person 20 and with person 10.
    old = [20, 20, 10, 10, 20, 20, 10, 10]
    new = [3, 3, 3, 3, 1, 1, 1, 1]
    # Equal overlaps: the smaller cluster label goes first, with the smaller person id.
    assert match_clusters(new, old) == {1: 10, 3: 20}
    assert match_clusters(new[::-1], old[::-1]) == {1: 10, 3: 20}


@pytest.fixture(scope="module")
def lfw_sample(data_dir):
    """dlib descriptors (the test oracle) of real LFW faces: 10 people × 6 photos + 10 strangers.

    Only the face nearest the image centre carries the LFW label.
    """
    import importlib.util
    from pathlib import Path

    import dlib

    spec = importlib.util.find_spec("face_recognition_models")
    models = Path(spec.submodule_search_locations[0]) / "models"
    detector = dlib.get_frontal_face_detector()
    landmarks = dlib.shape_predictor(str(models / "shape_predictor_5_face_landmarks.dat"))
    embedder = dlib.face_recognition_model_v1(str(models / "dlib_face_recognition_resnet_model_v1.dat"))
    folders = sorted(p for p in (data_dir / "lfw-dev").iterdir() if p.is_dir())
    photos = lambda folder: sorted(folder.glob("*.jpg"))  # noqa: E731
    people = [f for f in folders if len(photos(f)) >= 6][:10]
    strangers = [f for f in folders if len(photos(f)) == 1][:10]
    vectors, names = [], []
    for path in [p for f in people for p in photos(f)[:6]] + [photos(f)[0] for f in strangers]:
        image = dlib.load_rgb_image(str(path))
        found = detector(image, 1)
        if not found:
            continue
        h, w = image.shape[:2]
        face = min(found, key=lambda r: (r.center().x - w / 2) ** 2 + (r.center().y - h / 2) ** 2)
        vectors.append(np.array(embedder.compute_face_descriptor(image, landmarks(image, face))))
        names.append(path.parent.name)
    return np.array(vectors), np.array(names), {f.name for f in strangers}


def test_real_faces_cluster_into_people(lfw_sample):
    X, names, strangers = lfw_sample
    assert len(X) >= 60  # dlib finds nearly every centred LFW face
    labels = {backend: cluster_embeddings(X, backend=backend) for backend in ("hdbscan", "fast_hdbscan")}
    assert score_clustering(encode_pred(labels["hdbscan"]), labels["fast_hdbscan"]).ari > 0.99
    s = score_clustering(names, labels["hdbscan"])
    # Measured: pairwise precision 0.94, recall 0.77 (two people split in two), ARI 0.84.
    assert s.pairwise_precision > 0.85 and s.pairwise_recall > 0.6 and s.ari > 0.7
    alone = np.isin(names, list(strangers))
    # Measured: 7 of the 10 strangers stay noise (two lookalikes pair up, one joins a person).
    assert (labels["hdbscan"][alone] == -1).mean() >= 0.5


def test_link_noise_joins_chains_of_close_noise_faces_only():
    from photosort.core.linking import link_noise

    X = np.array([[0.0], [0.3], [0.6], [5.0], [5.2], [9.0], [20.0], [0.1]])
    labels = np.array([-1, -1, -1, -1, -1, -1, 4, 4])  # the last two are a cluster already
    out = link_noise(X, labels, threshold=0.35)
    # 0 - 0.3 - 0.6 is one chain (single linkage), 5.0 - 5.2 another, 9.0 stays alone;
    # the clustered face at 0.1 is neither joined nor used as a bridge
    assert out.tolist() == [5, 5, 5, 6, 6, -1, 4, 4]
    assert link_noise(X, labels, threshold=0.35, min_size=3).tolist() == [5, 5, 5, -1, -1, -1, 4, 4]


@pytest.mark.parametrize("platform", ["win32", "linux"])
def test_the_clustering_thread_fits_the_platforms_stack_limit(monkeypatch, platform):
    """Windows' CPython refuses stacks above 256 MiB (``ValueError``); asked for 1 GiB, every
    fast_hdbscan regroup failed there. Here ``threading.stack_size`` refuses as Windows' does."""
    import threading

    from photosort.core import clustering

    real, asked = threading.stack_size, []

    def windows_like(size=0):
        asked.append(size)
        if size > 1 << 28:
            raise ValueError(f"size not valid: {size} bytes")
        return real(size)

    monkeypatch.setattr(threading, "stack_size", windows_like)
    monkeypatch.setattr(clustering.sys, "platform", platform)
    X, truth = people(SIZES)
    labels = cluster_embeddings(X, backend="fast_hdbscan")
    assert score_clustering(truth, labels).ari > 0.95
    big = [s for s in asked if s]
    assert big and max(s for s in big if s <= 1 << 28) == 1 << 28  # the most that is allowed
    assert threading.stack_size() == real()  # and the default is back for other threads
