"""HSE FaceRes run by our PyTorch loader equals TensorFlow.js on the same chips.

The reference outputs were recorded with TF.js 4 itself (pure-JS CPU backend) by
tools/make_faceres_fixture.py; the chips are rebuilt here from the shared photos
at the recorded boxes (no pixels are stored in the repository), and their hash
proves they are the very chips TF.js saw.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np
import pytest

from photosort.media.decode import load_image
from photosort.ml.faceres import FaceRes, expected_age
from photosort.ml.faceres_embedder import FaceResEmbedder, crop_faces
from photosort.ml.tfjs_format import TfjsFormatError, decode_weights, read_graph_model
from photosort.ml.weights import faceres_model_path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
from make_faceres_fixture import TARGET, synthetic_chips  # noqa: E402


@pytest.fixture(scope="module")
def reference(data_dir: Path) -> tuple[dict, np.ndarray]:
    ref = dict(np.load(TARGET))
    chips = []
    for path, box in zip(ref["paths"], ref["boxes"]):
        pixels = load_image(data_dir / str(path), max_side=1024).pixels
        chips.append(crop_faces(pixels, box[None])[0])
    chips = np.concatenate([np.stack(chips), synthetic_chips()])
    assert hashlib.sha256(chips.tobytes()).hexdigest() == str(ref["chips_sha256"])
    return ref, chips


@pytest.fixture(scope="module")
def embedder() -> FaceResEmbedder:
    return FaceResEmbedder(device="cpu")


def test_outputs_match_tfjs(reference, embedder: FaceResEmbedder) -> None:
    ref, chips = reference
    assert hashlib.sha256(embedder.model_path.with_suffix(".bin").read_bytes()).hexdigest() == str(ref["model_sha256"])
    descriptor, age, gender = embedder.analyse_chips(chips)
    assert np.abs(descriptor - ref["descriptor"]).max() < 1e-4
    assert np.abs(age - ref["age"]).max() < 1e-4
    assert np.abs(gender - ref["gender"][:, 0]).max() < 1e-4
    # the descriptors are far from constant: different faces, different vectors
    unit = ref["descriptor"] / np.linalg.norm(ref["descriptor"], axis=1, keepdims=True)
    assert (unit @ unit.T)[np.triu_indices(len(unit), 1)].max() < 0.9


def test_age_head_sees_children(reference, embedder: FaceResEmbedder) -> None:
    ref, chips = reference
    ages = expected_age(embedder.analyse_chips(chips[:4])[1])
    kinds = [str(p).split("/")[0] for p in ref["paths"]]
    children = [a for a, k in zip(ages, kinds) if k == "children_distinct"]
    adults = [a for a, k in zip(ages, kinds) if k != "children_distinct"]
    assert max(children) < min(adults)


def test_stored_descriptors_are_scaled_unit_vectors(reference, embedder: FaceResEmbedder) -> None:
    from photosort.ml.faceres_embedder import DESCRIPTOR_SCALE

    _, chips = reference
    out = embedder.embed_chips(chips[:2])
    assert out.shape == (2, 1024) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), DESCRIPTOR_SCALE[False], rtol=1e-5)


def test_embed_needs_boxes(embedder: FaceResEmbedder) -> None:
    image = np.zeros((100, 100, 3), np.uint8)
    with pytest.raises(ValueError, match="boxes"):
        embedder.embed(image, np.zeros((1, 5, 2)))
    assert embedder.embed(image, np.zeros((0, 5, 2)), np.zeros((0, 4))).shape == (0, 1024)


def test_crop_grows_box_and_clips() -> None:
    image = np.zeros((300, 300, 3), np.uint8)
    image[50:150, 60:160] = 255  # a white square exactly where the grown box lands
    chip = crop_faces(image, np.array([[70, 60, 150, 140]]))[0]
    assert chip.mean() == 255
    corner = crop_faces(image, np.array([[-40, -40, 20, 20]]))[0]  # clipped at the image edge
    assert corner.shape == (224, 224, 3)


def test_float16_weights_decode() -> None:
    values = np.array([0.5, -2.0, 65504.0], np.float16)
    spec = [{"name": "w", "shape": [3], "dtype": "float32", "quantization": {"dtype": "float16"}}]
    np.testing.assert_array_equal(decode_weights(spec, values.tobytes())["w"], values.astype(np.float32))
    spec8 = [{"name": "q", "shape": [2], "dtype": "float32",
              "quantization": {"dtype": "uint8", "scale": 0.5, "min": -1.0}}]
    np.testing.assert_array_equal(decode_weights(spec8, bytes([0, 4]))["q"], [-1.0, 1.0])
    with pytest.raises(TfjsFormatError, match="left over"):
        decode_weights(spec, values.tobytes() + b"xx")


def test_not_a_graph_model(tmp_path: Path) -> None:
    bad = tmp_path / "model.json"
    bad.write_text('{"format": "layers-model"}')
    with pytest.raises(TfjsFormatError, match="graph model"):
        read_graph_model(bad)
    graph = read_graph_model(faceres_model_path())
    with pytest.raises(TfjsFormatError, match="placeholder"):
        FaceRes(graph, input_name="feats/kernel")


def test_model_found_in_package_frozen_bundle_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import photosort.ml.weights as weights

    monkeypatch.delenv(weights.FACERES_ENV, raising=False)
    shipped = faceres_model_path()
    assert shipped.parent == weights.FACERES_PACKAGE_DIR
    assert all((shipped.parent / name).is_file() for name in weights.FACERES_FILES)
    (tmp_path / "models").mkdir()
    bundled = tmp_path / "models" / weights.FACERES_FILE
    bundled.symlink_to(shipped)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "PhotoSort.exe"))
    assert faceres_model_path() == bundled
    monkeypatch.setenv(weights.FACERES_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(weights.ModelNotFoundError, match=weights.FACERES_ENV):
        faceres_model_path()
