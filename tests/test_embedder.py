"""The dlib ResNet embedder: exact against dlib, and useful on real faces.

dlib (the dev dependency dlib-bin) is the oracle; photosort never imports it.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import dlib
import numpy as np
import pytest
import torch
from PIL import Image

from photosort.ml.align import align_faces, dlib_shape5_template
from photosort.ml.dlib_format import DlibFormatError, read_dlib_net
from photosort.ml.dlib_resnet import DlibResNet, _add_zero_padded
from photosort.ml.embedder import SAME_PERSON_DISTANCE, DlibResNetEmbedder
from photosort.ml.mtcnn import MtcnnCascade
from photosort.ml.types import Embedder
from photosort.ml.weights import find_model_file

LFW_PEOPLE = 150  # two photos each
DLIB_COMPARED_FACES = 200


@functools.cache
def _dlib_models() -> tuple:
    predictor = dlib.shape_predictor(str(find_model_file("shape_predictor_5_face_landmarks.dat")))
    recognizer = dlib.face_recognition_model_v1(str(find_model_file("dlib_face_recognition_resnet_model_v1.dat")))
    return dlib.get_frontal_face_detector(), predictor, recognizer


def _load(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def _nearest_centre(points: list[np.ndarray], image: np.ndarray) -> int:
    centre = np.array(image.shape[1::-1]) / 2
    return int(np.argmin([np.linalg.norm(p.mean(axis=0) - centre) for p in points]))


@pytest.fixture(scope="module")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def embedder(one_thread) -> DlibResNetEmbedder:
    return DlibResNetEmbedder(device="cpu")


@pytest.fixture(scope="module")
def lfw_faces(data_dir: Path, one_thread) -> list[tuple[str, np.ndarray, np.ndarray | None]]:
    """(person, image, MTCNN landmarks of the centre face or None) for two photos
    each of LFW_PEOPLE people spread over lfw-dev."""
    people = sorted(p for p in (data_dir / "lfw-dev").iterdir() if p.is_dir() and len(list(p.glob("*.jpg"))) >= 2)
    chosen = [people[round(i * len(people) / LFW_PEOPLE)] for i in range(LFW_PEOPLE)]
    paths = [(person.name, path) for person in chosen for path in sorted(person.glob("*.jpg"))[:2]]
    images = [_load(path) for _, path in paths]
    mtcnn = MtcnnCascade(min_face=20)
    faces = []
    for (person, _), image in zip(paths, images):
        _, points = mtcnn.detect(image)
        landmarks = points[_nearest_centre(list(points), image)] if len(points) else None
        faces.append((person, image, landmarks))
    return faces


def test_implements_the_embedder_protocol(embedder: DlibResNetEmbedder) -> None:
    assert isinstance(embedder, Embedder)
    assert embedder.model_id == "dlib-resnet-v1@1" and embedder.dim == 128
    assert embedder.device.type == "cpu"


def test_no_faces_and_bad_input(embedder: DlibResNetEmbedder) -> None:
    image = np.zeros((100, 120, 3), dtype=np.uint8)
    assert embedder.embed(image, np.zeros((0, 5, 2))).shape == (0, 128)
    with pytest.raises(ValueError, match="chips"):
        embedder.embed_chips(np.zeros((2, 150, 150, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="chips"):
        embedder.embed_chips(np.zeros((2, 112, 112, 3), dtype=np.uint8))
    with pytest.raises(ValueError):
        DlibResNetEmbedder(batch_size=0)


def test_network_matches_dlib_on_its_own_chips(data_dir: Path, embedder: DlibResNetEmbedder) -> None:
    """Same 150x150 chips (dlib's get_face_chip on real photos, plus extreme
    synthetic ones) through our network and dlib's: max abs difference < 1e-4."""
    detector, predictor, recognizer = _dlib_models()
    paths = sorted((data_dir / "lfw-dev").glob("*/*_0001.jpg"))[::97][:10]
    paths += [sorted(p.glob("*.jpg"))[0] for p in sorted((data_dir / "five_celebrity").iterdir()) if p.is_dir()]
    chips = []
    for path in paths:
        image = _load(path)
        for det in detector(image, 1)[:1]:
            chips.append(dlib.get_face_chip(image, predictor(image, det), 150, 0.25))
    assert len(chips) >= 12
    rng = np.random.default_rng(0)
    chips += [np.zeros((150, 150, 3), np.uint8), np.full((150, 150, 3), 255, np.uint8),
              rng.integers(0, 256, (150, 150, 3), dtype=np.uint8)]
    chips = np.stack(chips)
    expected = np.array([recognizer.compute_face_descriptor(chip) for chip in chips])
    ours = embedder.embed_chips(chips)
    assert ours.dtype == np.float32 and ours.shape == (len(chips), 128)
    print(f"\nours vs dlib on dlib's chips: max abs difference {np.abs(ours - expected).max():.2e}")
    assert np.abs(ours - expected).max() < 1e-4
    one_by_one = np.concatenate([embedder.embed_chips(chip[None]) for chip in chips[:4]])
    assert np.abs(one_by_one - ours[:4]).max() < 1e-5  # batching does not change results


def test_full_pipeline_matches_dlibs_pipeline(lfw_faces: list, embedder: DlibResNetEmbedder) -> None:
    """MTCNN landmarks -> our alignment -> our net, against dlib's HOG detector ->
    5-point shape predictor -> compute_face_descriptor, on the same LFW faces."""
    detector, predictor, recognizer = _dlib_models()
    ours_chips, expected = [], []
    for _, image, landmarks in lfw_faces:
        if landmarks is None:
            continue
        dets = detector(image, 0) or detector(image, 1)
        shapes = [predictor(image, d) for d in dets]
        points = [np.array([[p.x, p.y] for p in s.parts()], dtype=float) for s in shapes]
        if not shapes:
            continue
        nearest = _nearest_centre(points, image)
        if np.linalg.norm(points[nearest].mean(axis=0) - landmarks.mean(axis=0)) > 20:
            continue  # the two detectors picked different faces
        expected.append(np.array(recognizer.compute_face_descriptor(image, shapes[nearest])))
        ours_chips.append(embedder.chips(image, landmarks[None])[0])
        if len(expected) == DLIB_COMPARED_FACES:
            break
    assert len(expected) == DLIB_COMPARED_FACES
    distances = np.linalg.norm(embedder.embed_chips(np.stack(ours_chips)) - np.array(expected), axis=1)
    bins = [0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.6, np.inf]
    histogram = dict(zip([f"<{b}" for b in bins[1:]], np.histogram(distances, bins)[0].tolist()))
    report = (f"n={len(distances)} mean={distances.mean():.4f} median={np.median(distances):.4f} "
              f"p95={np.percentile(distances, 95):.4f} max={distances.max():.4f} histogram={histogram}")
    print("\nours vs dlib pipeline:", report)
    assert distances.mean() <= 0.2, report
    assert np.percentile(distances, 95) <= 0.3, report


def test_same_people_are_close_and_different_people_far(lfw_faces: list, embedder: DlibResNetEmbedder) -> None:
    """dlib's 0.6 rule on our pipeline: LFW photo pairs of one person vs of two people."""
    found = [i for i, (_, _, landmarks) in enumerate(lfw_faces) if landmarks is not None]
    chips = np.concatenate([embedder.chips(lfw_faces[i][1], lfw_faces[i][2][None]) for i in found])
    descriptors = {i: (lfw_faces[i][0], d) for i, d in zip(found, embedder.embed_chips(chips))}
    same, different = [], []
    for i in range(0, len(lfw_faces), 2):
        if i in descriptors and i + 1 in descriptors:
            same.append(np.linalg.norm(descriptors[i][1] - descriptors[i + 1][1]))
        if i in descriptors and i + 3 in descriptors:
            assert descriptors[i][0] != descriptors[i + 3][0]
            different.append(np.linalg.norm(descriptors[i][1] - descriptors[i + 3][1]))
    same, different = np.array(same), np.array(different)
    report = (f"same n={len(same)} mean={same.mean():.3f} below 0.6: {np.mean(same < 0.6):.3f}; "
              f"different n={len(different)} mean={different.mean():.3f} above 0.6: {np.mean(different > 0.6):.3f}")
    print("\n" + report)
    assert len(same) >= 130 and len(different) >= 130, report
    assert np.mean(same < SAME_PERSON_DISTANCE) >= 0.9, report
    assert np.mean(different > SAME_PERSON_DISTANCE) >= 0.95, report
    assert different.mean() - same.mean() > 0.3, report


def test_chips_use_dlibs_alignment_given_dlibs_landmarks(data_dir: Path, embedder: DlibResNetEmbedder) -> None:
    """With dlib's own template and landmarks our chips are dlib's, so the
    descriptor equals compute_face_descriptor on the whole image."""
    detector, predictor, recognizer = _dlib_models()
    image = _load(data_dir / "deepface_testset" / "person_01" / "img10.jpg")
    shape = predictor(image, detector(image, 0)[0])
    points = np.array([[p.x, p.y] for p in shape.parts()], dtype=float)
    ours = embedder.embed_chips(align_faces(image, points[None], dlib_shape5_template()))[0]
    assert np.abs(ours - np.array(recognizer.compute_face_descriptor(image, shape))).max() < 1e-4


def test_dlib_shape_mismatched_add_zero_pads_at_the_end() -> None:
    small = torch.ones(1, 2, 3, 3)
    big = torch.full((1, 4, 4, 4), 10.0)
    total = _add_zero_padded(small, big)
    assert total.shape == (1, 4, 4, 4)
    assert (total[:, :2, :3, :3] == 11).all()
    assert total.sum() == 10 * 64 + 18  # padding contributed nothing


def test_unexpected_layer_sequences_are_rejected() -> None:
    net = read_dlib_net(find_model_file("dlib_face_recognition_resnet_model_v1.dat"))
    without_pool = copy.copy(net)
    without_pool.layers = [layer for layer in net.layers if layer.kind != "max_pool"]
    with pytest.raises(DlibFormatError, match="expected max_pool"):
        DlibResNet(without_pool)
    no_shortcut_pool = copy.copy(net)
    first_down = next(i for i, layer in enumerate(net.layers) if layer.kind == "avg_pool")
    no_shortcut_pool.layers = net.layers[:first_down] + net.layers[first_down + 1:]
    with pytest.raises(DlibFormatError, match="stride"):
        DlibResNet(no_shortcut_pool)
