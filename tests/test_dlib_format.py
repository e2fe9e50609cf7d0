"""Parser of dlib's serialization: primitives by hand, then the real model file."""

from __future__ import annotations

import collections

import numpy as np
import pytest

from photosort.ml.dlib_format import DlibFormatError, Reader, parse_dlib_net, read_dlib_net
from photosort.ml.embedder import SAME_PERSON_DISTANCE
from photosort.ml.weights import dlib_resnet_path


def _int(value: int) -> bytes:
    """dlib's integer encoding, written independently of the reader."""
    magnitude = abs(value).to_bytes(max(1, (abs(value).bit_length() + 7) // 8), "little")
    return bytes([len(magnitude) | (0x80 if value < 0 else 0)]) + magnitude


def _string(text: str) -> bytes:
    return _int(len(text)) + text.encode()


def _tensor(values: np.ndarray) -> bytes:
    n, k, nr, nc = values.shape
    return _int(2) + b"".join(_int(v) for v in (n, k, nr, nc)) + values.astype("<f4").tobytes()


@pytest.mark.parametrize("value", [0, 1, 2, 127, 255, 256, 150, 70000, -1, -28, -300, 2**40])
def test_integers(value: int) -> None:
    reader = Reader(_int(value) + b"tail")
    assert reader.int() == value
    assert reader.pos == len(_int(value))


def test_integer_control_byte_is_checked() -> None:
    with pytest.raises(DlibFormatError, match="control byte"):
        Reader(b"\x31\x00").int()


def test_floats_are_mantissa_then_exponent() -> None:
    # bytes from the model file's loss layer: 10737418 * 2**-28 = 0.04, 10066330 * 2**-24 = 0.6
    reader = Reader(b"\x03\n\xd7\xa3\x81\x1c\x03\x9a\x99\x99\x81\x18")
    assert reader.float() == pytest.approx(0.04, rel=1e-7)
    assert reader.float() == pytest.approx(0.6, rel=1e-7)
    assert Reader(_int(16) + _int(-4)).float() == 1.0
    assert Reader(_int(-3) + _int(1)).float() == -6.0
    assert Reader(_int(0) + _int(32001)).float() == -np.inf  # float_details' reserved exponents


def test_strings_bools_tensors_and_aliases() -> None:
    values = np.arange(24, dtype=np.float32).reshape(2, 3, 2, 2) / 7
    data = _string("con_4") + b"10" + _tensor(values) + _int(1) + b"".join(_int(v) for v in (1, 32, 1, 1))
    reader = Reader(data)
    assert reader.string() == "con_4"
    assert reader.bool() is True and reader.bool() is False
    np.testing.assert_array_equal(reader.tensor(), values)
    assert reader.alias_shape() == (1, 32, 1, 1)
    assert reader.at_end()


def test_version_1_tensors_hold_dlib_floats() -> None:
    data = _int(1) + b"".join(_int(v) for v in (1, 2, 1, 1)) + _int(3) + _int(-1) + _int(-5) + _int(0)
    np.testing.assert_array_equal(Reader(data).tensor(), np.array([1.5, -5.0]).reshape(1, 2, 1, 1))


def test_truncated_data_is_an_error() -> None:
    with pytest.raises(DlibFormatError, match="end of data"):
        Reader(_int(2) + b"".join(_int(v) for v in (1, 1, 2, 2)) + b"\x00" * 10).tensor()


@pytest.fixture(scope="module")
def model_bytes() -> bytes:
    return dlib_resnet_path().read_bytes()


def test_real_model_file_structure(model_bytes: bytes) -> None:
    net = parse_dlib_net(model_bytes)
    assert net.loss.kind == "loss_metric"
    assert net.loss.fields["margin"] == pytest.approx(0.04, abs=1e-7)
    assert net.loss.fields["distance_threshold"] == pytest.approx(SAME_PERSON_DISTANCE, abs=1e-7)
    np.testing.assert_allclose(net.input.fields["mean"], [122.782, 117.001, 104.298], atol=1e-4)
    assert net.input.fields["size"] == (150, 150)
    kinds = collections.Counter(layer.kind for layer in net.layers)
    assert kinds == {"con": 29, "affine": 29, "relu": 29, "add_prev": 14, "avg_pool": 5,
                     "max_pool": 1, "fc": 1}
    # 108 add_layers plus 14 tag1, 4 tag2 and 4 skip1 wrappers
    assert len(net.wrapper_versions) == 130 and net.wrapper_versions.count(1) == 22

    first, last = net.layers[0], net.layers[-1]
    assert first.fields["weight"].shape == (32, 3, 7, 7)
    assert first.fields["stride"] == (2, 2) and first.fields["padding"] == (0, 0)
    assert last.kind == "fc" and last.fields["weight"].shape == (256, 128) and last.fields["bias"] is None
    convs = [layer for layer in net.layers if layer.kind == "con"]
    assert {c.fields["padding"] for c in convs if c.fields["stride"] == (2, 2)} == {(0, 0)}
    assert {c.fields["padding"] for c in convs[1:] if c.fields["stride"] == (1, 1)} == {(1, 1)}
    assert [c.fields["num_filters"] for c in convs if c.fields["stride"] == (2, 2)][1:] == [64, 128, 256, 256]
    pools = [layer.fields for layer in net.layers if layer.kind.endswith("pool")]
    assert pools[0] == {"kernel": (3, 3), "stride": (2, 2), "padding": (0, 0)}
    assert pools[-1]["kernel"] == (0, 0)  # avg_pool_everything


def test_real_weights_are_plausible(model_bytes: bytes) -> None:
    net = parse_dlib_net(model_bytes)
    total = sum(v.size for layer in net.layers for v in layer.fields.values() if isinstance(v, np.ndarray))
    assert 5_500_000 < total < 5_700_000  # ~22.4 MB of float32
    for layer in net.layers:
        for value in layer.fields.values():
            if isinstance(value, np.ndarray):
                assert np.isfinite(value).all()
    gammas = np.concatenate([layer.fields["gamma"] for layer in net.layers if layer.kind == "affine"])
    assert np.abs(gammas).mean() > 0.05  # frozen batch-norm scales, not zeros


def test_damaged_files_are_rejected(model_bytes: bytes, tmp_path) -> None:
    with pytest.raises(DlibFormatError):
        parse_dlib_net(model_bytes[: len(model_bytes) // 2])
    renamed = model_bytes.replace(b"\x05relu_", b"\x05relx_", 1)
    with pytest.raises(DlibFormatError, match="relx_"):
        parse_dlib_net(renamed)
    bad_loss = tmp_path / "bad.dat"
    bad_loss.write_bytes(_int(1) + _string("loss_multiclass_log_") + model_bytes[17:])
    with pytest.raises(DlibFormatError, match="loss_multiclass_log_"):
        read_dlib_net(bad_loss)
