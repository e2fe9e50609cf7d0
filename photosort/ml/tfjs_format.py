"""Reader for TensorFlow.js graph models (``model.json`` + ``.bin`` shards; numpy only).

A graph model (tfjs-converter's ``format: "graph-model"``) is a JSON file with

* ``modelTopology.node``: the TensorFlow ``GraphDef`` nodes, each with ``name``,
  ``op``, ``input`` (``"name"``, ``"name:k"`` for the k-th output, ``"^name"``
  for a control edge) and ``attr`` in protobuf-JSON form (``{"i": "2"}``,
  ``{"s": base64}``, ``{"list": {"i": [...]}}``, ``{"b": true}``, ...);
* ``weightsManifest``: groups of ``{"paths": [shard files], "weights": [specs]}``.
  A group's shards, concatenated in order, hold its weights back to back; each
  spec gives ``name`` (the ``Const`` node it fills), ``shape``, ``dtype`` and an
  optional ``quantization``: ``{"dtype": "float16"}`` stores IEEE half floats,
  ``{"dtype": "uint8"|"uint16", "scale": s, "min": m}`` stores ``q * s + m``
  (tfjs-converter ``quantization.py`` / tfjs-core ``io/io_utils.ts decodeWeights``).

Nothing here runs the graph: :class:`GraphModel` is the parsed nodes and weights,
from which a module such as :mod:`photosort.ml.faceres` builds its network.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

_DTYPES = {"float32": "<f4", "int32": "<i4", "bool": "u1"}
_QUANTIZED = {"float16": "<f2", "uint8": "u1", "uint16": "<u2"}


class TfjsFormatError(ValueError):
    """The files are not a TensorFlow.js graph model as expected."""


@dataclass
class Node:
    """One graph node: its op, data inputs (control edges dropped) and attributes."""

    name: str
    op: str
    inputs: list[str]
    attr: dict[str, Any] = field(default_factory=dict)

    def attr_value(self, key: str, default: Any = None) -> Any:
        """An attribute decoded from protobuf JSON: int, float, bool, str or a list."""
        raw = self.attr.get(key)
        if raw is None:
            return default
        if "list" in raw:
            items = raw["list"]
            if "i" in items:
                return [int(v) for v in items["i"]]
            if "f" in items:
                return [float(v) for v in items["f"]]
            if "s" in items:
                return [base64.b64decode(v).decode() for v in items["s"]]
            return []
        for kind, convert in (("i", int), ("f", float), ("b", bool)):
            if kind in raw:
                return convert(raw[kind])
        if "s" in raw:
            return base64.b64decode(raw["s"]).decode()
        return raw


@dataclass
class GraphModel:
    """A parsed graph model: nodes by name, consumers of each node, Const values."""

    nodes: dict[str, Node]
    weights: dict[str, np.ndarray]
    signature: dict[str, Any]
    meta: dict[str, Any]
    consumers: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for node in self.nodes.values():
            for source in node.inputs:
                self.consumers.setdefault(source, []).append(node.name)

    def const(self, name: str) -> np.ndarray:
        """The value of a ``Const`` node."""
        node = self.nodes.get(name)
        if node is None or node.op != "Const" or name not in self.weights:
            raise TfjsFormatError(f"{name!r} is not a constant with stored weights")
        return self.weights[name]

    def only_consumer(self, name: str) -> Node:
        """The single node reading ``name``'s output (an error when there are several)."""
        users = self.consumers.get(name, [])
        if len(users) != 1:
            raise TfjsFormatError(f"{name!r} feeds {len(users)} nodes, expected one")
        return self.nodes[users[0]]


def _input_name(ref: str) -> str | None:
    if ref.startswith("^"):
        return None
    name, _, index = ref.partition(":")
    if index not in ("", "0"):
        raise TfjsFormatError(f"input {ref!r}: only first outputs are supported")
    return name


def decode_weights(specs: list[dict], data: bytes) -> dict[str, np.ndarray]:
    """Weight arrays (float32 / int32) from a group's specs and its concatenated shards."""
    out: dict[str, np.ndarray] = {}
    pos = 0
    for spec in specs:
        shape = [int(d) for d in spec["shape"]]
        count = int(np.prod(shape)) if shape else 1
        quant = spec.get("quantization")
        if quant:
            stored = _QUANTIZED.get(quant["dtype"])
            if stored is None:
                raise TfjsFormatError(f"{spec['name']}: unsupported quantization {quant['dtype']}")
        else:
            stored = _DTYPES.get(spec["dtype"])
            if stored is None:
                raise TfjsFormatError(f"{spec['name']}: unsupported dtype {spec['dtype']}")
        size = count * np.dtype(stored).itemsize
        if pos + size > len(data):
            raise TfjsFormatError(f"{spec['name']}: weight data ends early ({len(data)} bytes)")
        raw = np.frombuffer(data, dtype=stored, count=count, offset=pos)
        pos += size
        if quant and quant["dtype"] != "float16":
            values = raw.astype(np.float32) * np.float32(quant["scale"]) + np.float32(quant["min"])
        else:
            values = raw
        target = np.int32 if spec["dtype"] == "int32" else np.float32
        out[spec["name"]] = values.astype(target).reshape(shape)
    if pos != len(data):
        raise TfjsFormatError(f"{len(data) - pos} bytes of weight data left over")
    return out


def read_graph_model(path: str | Path) -> GraphModel:
    """Parse ``path`` (the model JSON) and the weight shards it lists beside it."""
    path = Path(path)
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TfjsFormatError(f"{path}: not a readable model JSON ({exc})") from exc
    if meta.get("format") != "graph-model" or "modelTopology" not in meta:
        raise TfjsFormatError(f"{path}: not a TensorFlow.js graph model")
    weights: dict[str, np.ndarray] = {}
    for group in meta.get("weightsManifest", []):
        data = b"".join((path.parent / shard).read_bytes() for shard in group["paths"])
        weights.update(decode_weights(group["weights"], data))
    nodes = {}
    for raw in meta["modelTopology"].get("node", []):
        inputs = [n for n in map(_input_name, raw.get("input", [])) if n]
        nodes[raw["name"]] = Node(raw["name"], raw["op"], inputs, raw.get("attr", {}))
    info = {k: v for k, v in meta.items() if k not in ("modelTopology", "weightsManifest")}
    return GraphModel(nodes, weights, meta.get("signature", {}), info)
