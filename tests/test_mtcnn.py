"""Our MTCNN cascade against facenet-pytorch's own ``detect_face`` (the oracle), on real photos."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from facenet_pytorch import MTCNN

from photosort.media.decode import load_image
from photosort.ml import weights
from photosort.ml.detector import MtcnnDetector
from photosort.ml.mtcnn import MtcnnCascade, pyramid_scales

MIN_PROBABILITY = 0.9  # the detector's default threshold
MARGIN = 0.1  # a face kept by one side is looked for down to 0.8 on the other


def _photos(data_dir: Path) -> list[Path]:
    """Group photos, high-resolution portraits and small web photos."""
    groups = sorted(data_dir.glob("*/_group*/*.jpg"))
    portraits = sorted(data_dir.glob("deepface_testset/person_*/*.jpg"))[::4]
    web = sorted(data_dir.glob("five_celebrity/*/*.jpg"))[::6]
    return groups + portraits + web


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@pytest.fixture(scope="module")
def comparison(data_dir: Path) -> dict:
    """Faces (p ≥ 0.9) found by facenet-pytorch's MTCNN and by ours on the same working images."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    reference = MTCNN(keep_all=True, min_face_size=20, post_process=False)
    ours = MtcnnCascade(min_face=20)
    out = {"ious": [], "landmarks": [], "probs": [], "unmatched_ref": 0, "unmatched_ours": 0, "faces": 0}
    for path in _photos(data_dir):
        image = load_image(path, max_side=1024).pixels
        boxes, probs, points = reference.detect(image, landmarks=True)
        ref = [] if boxes is None else list(zip(boxes, probs, points))
        got_boxes, got_points = ours.detect(image)
        got = list(zip(got_boxes, got_points))
        for box, prob, pts in ref:
            if prob < MIN_PROBABILITY:
                continue
            out["faces"] += 1
            scores = [_iou(box, g[0]) if g[0][4] >= MIN_PROBABILITY - MARGIN else 0 for g in got]
            best = int(np.argmax(scores)) if scores else -1
            if best < 0 or scores[best] < 0.5:
                out["unmatched_ref"] += 1
                continue
            out["ious"].append(scores[best])
            out["landmarks"].append(np.abs(got[best][1] - pts).mean() / (box[2] - box[0]))
            out["probs"].append(abs(float(got[best][0][4]) - float(prob)))
        for box, _ in got:
            if box[4] >= MIN_PROBABILITY and not any(
                    _iou(box, r[0]) >= 0.5 for r in ref if r[1] >= MIN_PROBABILITY - MARGIN):
                out["unmatched_ours"] += 1
    torch.set_num_threads(threads)
    return out


def test_finds_the_same_faces_as_facenet(comparison: dict) -> None:
    assert comparison["faces"] >= 60
    assert comparison["unmatched_ref"] == 0
    assert comparison["unmatched_ours"] == 0


def test_boxes_and_landmarks_agree_with_facenet(comparison: dict) -> None:
    ious, marks = np.array(comparison["ious"]), np.array(comparison["landmarks"])
    report = (f"IoU median {np.median(ious):.3f} min {ious.min():.3f}; landmark error / face width "
              f"mean {marks.mean():.4f} max {marks.max():.4f}")
    print("\nours vs facenet-pytorch:", report)
    assert np.median(ious) >= 0.93, report
    assert ious.min() >= 0.75, report
    assert marks.mean() <= 0.015, report
    assert marks.max() <= 0.06, report
    assert np.median(comparison["probs"]) <= 1e-3 and max(comparison["probs"]) <= 0.15


def test_pyramid_is_facenets() -> None:
    scales = pyramid_scales(768, 1024, 20)
    assert scales[0] == pytest.approx(0.6)
    assert len(scales) == 11 and 768 * scales[-1] >= 12 > 768 * scales[-1] * 0.709
    assert pyramid_scales(10, 10, 20) == []


def test_no_faces_on_blank_or_tiny_images() -> None:
    cascade = MtcnnCascade()
    boxes, points = cascade.detect(np.full((300, 400, 3), 128, np.uint8))
    assert boxes.shape == (0, 5) and points.shape == (0, 5, 2)
    assert MtcnnDetector().detect(np.zeros((8, 8, 3), np.uint8)) == []


def test_detector_keeps_faces_above_its_threshold_in_original_pixels(data_dir: Path) -> None:
    path = data_dir / "face_recognition_examples" / "_group_photos" / "obama_and_biden.jpg"
    loaded = load_image(path)
    small = MtcnnDetector(max_side=512).detect(loaded.pixels)
    assert len(small) >= 2 and all(f.score >= 0.9 for f in small)
    assert [f.score for f in small] == sorted((f.score for f in small), reverse=True)
    # boxes come back in the frame of the image given, whatever the working size
    big = MtcnnDetector(max_side=4096).detect(loaded.pixels)

    def xyxy(face) -> np.ndarray:
        return np.array([face.box.x1, face.box.y1, face.box.x2, face.box.y2])

    for face in small[:2]:
        assert max(_iou(xyxy(face), xyxy(other)) for other in big) > 0.7


def test_weights_found_in_a_frozen_bundle_and_missing_weights_are_named(tmp_path: Path, monkeypatch) -> None:
    bundled = tmp_path / "facenet_pytorch" / "data"
    bundled.mkdir(parents=True)
    for name in weights.MTCNN_WEIGHT_FILES:
        (bundled / name).symlink_to(weights.mtcnn_weights_dir() / name)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert weights.mtcnn_weights_dir() == bundled
    (bundled / "onet.pt").unlink()
    monkeypatch.setattr(weights, "package_dir", lambda name: None)
    with pytest.raises(weights.ModelNotFoundError, match="onet.pt"):
        weights.mtcnn_weights_dir()


def test_detection_never_imports_torchvision(data_dir: Path) -> None:
    """torchvision's import costs seconds in every worker; the detector must not need it."""
    photo = next((data_dir / "five_celebrity").glob("*/*.jpg"))
    code = (
        "import sys, numpy as np\n"
        "from photosort.media.decode import load_image\n"
        "from photosort.ml.detector import MtcnnDetector\n"
        "from photosort.ml.embedder import DlibResNetEmbedder\n"
        f"img = load_image({str(photo)!r}).pixels\n"
        "faces = MtcnnDetector().detect(img)\n"
        "DlibResNetEmbedder().embed(img, np.stack([f.landmarks for f in faces]))\n"
        "print(len(faces), 'torchvision' in sys.modules, 'facenet_pytorch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert int(out[0]) >= 1
    assert out[1:] == ["False", "False"]
