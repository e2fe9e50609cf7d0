"""Reader for dlib's binary serialization of DNN model files (numpy only).

dlib writes a network recursively, subnetwork first, so a ``.dat`` file holds:

1. the loss layer: ``int version`` then the loss details (``loss_metric_2``:
   margin and distance threshold);
2. one version ``int`` per wrapper layer, from the top of the network down
   (``add_layer``, ``add_tag_layer``, ``add_skip_layer``); tags and skips write
   nothing else, so the residual wiring is not in the file;
3. the input layer (``input_rgb_image_sized``: channel means and size);
4. one record per computational layer, from the input upwards: the layer's
   details (named by a version string such as ``con_4``), three bools and the
   training buffers (``x_grad``, ``cached_output`` and, depending on the
   ``add_layer`` version, ``params_grad`` or ``grad_final``).

Primitive encodings (dlib/serialize.h, dlib/cuda/tensor.h):

* integers: a control byte (bit 7 = negative, low nibble = byte count) then
  that many little-endian magnitude bytes;
* floats: ``float_details``, i.e. an integer mantissa *then* an integer
  exponent, value = mantissa * 2**exponent;
* strings: integer length then raw bytes; bools: the characters ``'0'``/``'1'``;
* tensors: version 2 = integer n, k, nr, nc then raw little-endian float32
  (version 1, older, stores each value as a ``float_details``);
* ``alias_tensor`` (a view into a layer's ``params``): version then n, k, nr, nc.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np


# float_details marks infinities and NaN with reserved exponents
_SPECIAL_EXPONENTS = {32000: math.inf, 32001: -math.inf, 32002: math.nan}


class DlibFormatError(ValueError):
    """The bytes do not follow dlib's serialization format as expected."""


class Reader:
    """Sequential decoder of dlib's primitive types over an in-memory buffer."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def at_end(self) -> bool:
        return self.pos >= len(self.data)

    def _take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise DlibFormatError(f"unexpected end of data at byte {self.pos}")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def int(self) -> int:
        control = self._take(1)[0]
        if control & 0x70:
            raise DlibFormatError(f"bad integer control byte {control:#x} at byte {self.pos - 1}")
        value = int.from_bytes(self._take(control & 0x0F), "little")
        return -value if control & 0x80 else value

    def float(self) -> float:
        mantissa = self.int()
        exponent = self.int()
        if exponent in _SPECIAL_EXPONENTS:
            return _SPECIAL_EXPONENTS[exponent]
        return math.ldexp(mantissa, exponent)

    def string(self) -> str:
        return self._take(self.int()).decode("latin-1")

    def bool(self) -> bool:
        char = self._take(1)
        if char not in (b"0", b"1"):
            raise DlibFormatError(f"bad bool {char!r} at byte {self.pos - 1}")
        return char == b"1"

    def shape(self) -> tuple[int, int, int, int]:
        return (self.int(), self.int(), self.int(), self.int())

    def tensor(self) -> np.ndarray:
        version = self.int()
        shape = self.shape()
        count = int(np.prod(shape))
        if version == 2:
            values = np.frombuffer(self._take(4 * count), dtype="<f4").astype(np.float32)
        elif version == 1:
            values = np.array([self.float() for _ in range(count)], dtype=np.float32)
        else:
            raise DlibFormatError(f"unknown tensor version {version}")
        return values.reshape(shape)

    def alias_shape(self) -> tuple[int, int, int, int]:
        version = self.int()
        if version != 1:
            raise DlibFormatError(f"unknown alias_tensor version {version}")
        return self.shape()

    def peek_string(self) -> str | None:
        """The next string if the next bytes look like a layer name, else None."""
        start = self.pos
        try:
            length = self.int()
            if length < 3 or length > 64:
                return None
            text = self._take(length)
        except DlibFormatError:
            return None
        finally:
            self.pos = start
        ok = all(c == 0x5F or 0x30 <= c <= 0x39 or 0x61 <= c <= 0x7A for c in text)
        return text.decode("ascii") if ok else None


@dataclass
class Layer:
    """One layer's details: ``kind`` (``con``, ``affine``, ``relu`` ...) and fields."""

    kind: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class DlibNet:
    """A parsed model: loss and input details plus computational layers, input first."""

    loss: Layer
    input: Layer
    layers: list[Layer]
    wrapper_versions: list[int]


def _split_params(params: np.ndarray, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    flat = params.reshape(-1)
    sizes = [int(np.prod(s)) for s in shapes]
    if sum(sizes) != flat.size:
        raise DlibFormatError(f"params hold {flat.size} values, views need {sum(sizes)}")
    out, offset = [], 0
    for shape, size in zip(shapes, sizes):
        out.append(flat[offset : offset + size].reshape(shape))
        offset += size
    return out


def _read_con(r: Reader) -> Layer:
    params = r.tensor()
    num_filters, nr, nc, stride_y, stride_x = r.int(), r.int(), r.int(), r.int(), r.int()
    padding_y, padding_x = r.int(), r.int()
    filters, biases = r.alias_shape(), r.alias_shape()
    weight, bias = _split_params(params, [filters, biases])
    multipliers = [r.float() for _ in range(4)]
    return Layer("con", {
        "weight": weight, "bias": bias.reshape(-1), "num_filters": num_filters,
        "kernel": (nr, nc), "stride": (stride_y, stride_x),
        "padding": (padding_y, padding_x), "multipliers": multipliers,
    })


def _read_affine(r: Reader) -> Layer:
    params = r.tensor()
    gamma_shape, beta_shape = r.alias_shape(), r.alias_shape()
    gamma, beta = _split_params(params, [gamma_shape, beta_shape])
    mode = r.int()
    return Layer("affine", {"gamma": gamma.reshape(-1), "beta": beta.reshape(-1), "mode": mode})


def _read_pool(kind: str) -> Callable[[Reader], Layer]:
    def read(r: Reader) -> Layer:
        nr, nc, stride_y, stride_x, padding_y, padding_x = (r.int() for _ in range(6))
        return Layer(kind, {"kernel": (nr, nc), "stride": (stride_y, stride_x),
                            "padding": (padding_y, padding_x)})
    return read


def _read_fc(r: Reader) -> Layer:
    num_outputs, num_inputs = r.int(), r.int()
    params = r.tensor()
    weights_shape, biases_shape = r.alias_shape(), r.alias_shape()
    bias_mode = r.int()
    multipliers = [r.float() for _ in range(4)]
    n_weights = int(np.prod(weights_shape))
    weights = params.reshape(-1)[:n_weights].reshape(num_inputs, num_outputs)
    bias = params.reshape(-1)[n_weights:]
    return Layer("fc", {
        "weight": weights, "bias": bias if bias.size else None, "bias_mode": bias_mode,
        "num_inputs": num_inputs, "num_outputs": num_outputs,
        "biases_shape": biases_shape, "multipliers": multipliers,
    })


LAYER_READERS: dict[str, Callable[[Reader], Layer]] = {
    "con_4": _read_con,
    "affine_": _read_affine,
    "relu_": lambda r: Layer("relu"),
    "max_pool_2": _read_pool("max_pool"),
    "avg_pool_2": _read_pool("avg_pool"),
    "add_prev_": lambda r: Layer("add_prev"),
    "fc_2": _read_fc,
}


def _read_loss(r: Reader) -> Layer:
    name = r.string()
    if name != "loss_metric_2":
        raise DlibFormatError(f"unsupported loss layer {name!r}")
    return Layer("loss_metric", {"margin": r.float(), "distance_threshold": r.float()})


def _read_input(r: Reader) -> Layer:
    name = r.string()
    if name != "input_rgb_image_sized":
        raise DlibFormatError(f"unsupported input layer {name!r}")
    mean = np.array([r.float(), r.float(), r.float()], dtype=np.float64)
    return Layer("input_rgb_image_sized", {"mean": mean, "size": (r.int(), r.int())})


def _read_layer_details(r: Reader) -> Layer:
    name = r.string()
    reader = LAYER_READERS.get(name)
    if reader is None:
        raise DlibFormatError(f"unsupported layer {name!r} at byte {r.pos}")
    return reader(r)


def parse_dlib_net(data: bytes) -> DlibNet:
    """Parse a dlib ``add_loss_layer`` network file made of the supported layers."""
    r = Reader(data)
    if r.int() != 1:
        raise DlibFormatError("unknown add_loss_layer version")
    loss = _read_loss(r)
    versions: list[int] = []
    while not (r.peek_string() or "").startswith("input"):
        versions.append(r.int())
    input_layer = _read_input(r)
    if not versions:
        raise DlibFormatError("no layers above the input layer")
    first_version = versions[-1]  # the add_layer that sits directly on the input
    layers = []
    while not r.at_end():
        layer = _read_layer_details(r)
        for _ in range(3):  # setup called, gradient stale, getters disabled
            r.bool()
        r.tensor()  # x_grad
        r.tensor()  # cached_output
        if not layers:
            r.tensor()  # grad_final
            if first_version >= 3:
                r.int()  # sample expansion factor
        elif not r.at_end() and r.peek_string() is None:
            r.tensor()  # params_grad (add_layer version 2)
        layers.append(layer)
    if len(layers) > len(versions):
        raise DlibFormatError(f"{len(layers)} layer records but {len(versions)} wrappers")
    return DlibNet(loss, input_layer, layers, versions)


def read_dlib_net(path: str | Path) -> DlibNet:
    """Read and parse a dlib DNN ``.dat`` file."""
    return parse_dlib_net(Path(path).read_bytes())
