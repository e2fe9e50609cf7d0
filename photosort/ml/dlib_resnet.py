"""dlib's face-recognition ResNet (``anet_type``) as a PyTorch module.

The network of dlib's ``dnn_face_recognition_ex.cpp``::

    input_rgb_image_sized<150>  ->  (pixel - channel mean) / 256
    con<32,7,7,2,2> affine relu max_pool<3,3,2,2>
    alevel4: 3 x ares<32>          alevel3: ares_down<64>  + 3 x ares<64>
    alevel2: ares_down<128> + 2 x ares<128>
    alevel1: ares_down<256> + 2 x ares<256>    alevel0: ares_down<256>
    avg_pool_everything  fc_no_bias<128>   (loss_metric: the raw 128-d output)

A residual block is ``relu(block(x) + shortcut(x))`` with
``block = con3x3(stride) affine relu con3x3 affine``; in ``ares_down`` the
first convolution has stride 2 and the shortcut is a 2x2 average pool.  dlib
adds tensors of different shapes by zero-padding both to the larger size at the
end of each dimension (channels, and spatially, top-left aligned), which
happens in every ``ares_down``: more channels, and 3x3 vs 4x4 / 1x1 vs 2x2
maps in the last two stages.

``affine`` layers (frozen batch norm) are folded into the preceding
convolutions, the input layer's ``(pixel - mean) / 256`` into the first one,
and the model runs in ``channels_last`` float32.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from photosort.ml.dlib_format import DlibFormatError, DlibNet, Layer


def _fold_conv(con: Layer, affine: Layer) -> nn.Conv2d:
    """A Conv2d computing ``affine(con(x))`` (cross-correlation like dlib)."""
    weight, bias = con.fields["weight"], con.fields["bias"]
    gamma, beta = affine.fields["gamma"], affine.fields["beta"]
    if affine.fields["mode"] != 0 or gamma.shape != (weight.shape[0],):
        raise DlibFormatError("affine layer does not match its convolution")
    conv = nn.Conv2d(
        weight.shape[1], weight.shape[0], kernel_size=con.fields["kernel"],
        stride=con.fields["stride"], padding=con.fields["padding"], bias=True,
    )
    folded_w = weight.astype(np.float64) * gamma[:, None, None, None]
    folded_b = bias.astype(np.float64) * gamma + beta
    conv.weight.data = torch.from_numpy(folded_w.astype(np.float32))
    conv.bias.data = torch.from_numpy(folded_b.astype(np.float32))
    return conv


def _fold_input(conv: nn.Conv2d, mean: tuple[float, float, float]) -> nn.Conv2d:
    """``conv`` applied to raw 0-255 pixels, computing ``conv((pixel - mean) / 256)``.

    Exact because the stem convolution has no padding: every output sums
    ``weight × (pixel - mean) / 256`` over real pixels only.
    """
    if conv.padding != (0, 0):
        raise DlibFormatError("the input normalisation folds only into an unpadded first convolution")
    weight = conv.weight.data.double() / 256.0
    shift = (weight * torch.tensor(mean, dtype=torch.float64).view(1, 3, 1, 1)).sum(dim=(1, 2, 3))
    conv.weight.data = weight.float()
    conv.bias.data = (conv.bias.data.double() - shift).float()
    return conv


def _add_zero_padded(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """dlib's ``tt::add`` for tensors of different shapes (zero-pad at the end)."""
    if a.shape == b.shape:
        return a + b
    _, c, h, w = (max(x, y) for x, y in zip(a.shape, b.shape))

    def pad(t: torch.Tensor) -> torch.Tensor:
        return F.pad(t, (0, w - t.shape[3], 0, h - t.shape[2], 0, c - t.shape[1]))

    return pad(a) + pad(b)


class ResidualBlock(nn.Module):
    """``ares``/``ares_down``: relu(conv-affine-relu-conv-affine(x) + shortcut(x))."""

    def __init__(self, conv1: nn.Conv2d, conv2: nn.Conv2d, downsample: bool) -> None:
        super().__init__()
        self.conv1, self.conv2, self.downsample = conv1, conv2, downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv2(F.relu(self.conv1(x), inplace=True))
        shortcut = F.avg_pool2d(x, 2, 2) if self.downsample else x
        if y.shape == shortcut.shape:
            return y.add_(shortcut).relu_()
        return F.relu(_add_zero_padded(y, shortcut), inplace=True)


class _LayerStream:
    """Walks the parsed layer records, checking each kind as it is consumed."""

    def __init__(self, layers: list[Layer]) -> None:
        self.layers, self.pos = layers, 0

    def peek(self) -> str | None:
        return self.layers[self.pos].kind if self.pos < len(self.layers) else None

    def take(self, kind: str, **expected: object) -> Layer:
        if self.peek() != kind:
            raise DlibFormatError(f"layer {self.pos}: expected {kind}, found {self.peek()}")
        layer = self.layers[self.pos]
        for key, value in expected.items():
            if layer.fields.get(key) != value:
                raise DlibFormatError(f"layer {self.pos} ({kind}): {key}={layer.fields.get(key)}, expected {value}")
        self.pos += 1
        return layer


class DlibResNet(nn.Module):
    """The 128-d face descriptor network, loaded from a parsed dlib model.

    ``forward`` takes RGB uint8 chips (N, 150, 150, 3) and returns the raw
    (not normalised) descriptors (N, 128), exactly what dlib outputs.
    """

    def __init__(self, net: DlibNet) -> None:
        super().__init__()
        if net.loss.kind != "loss_metric" or net.input.fields["size"] != (150, 150):
            raise DlibFormatError("not a 150x150 metric-learning network")
        stream = _LayerStream(net.layers)
        self.stem = _fold_input(_fold_conv(stream.take("con"), stream.take("affine")), net.input.fields["mean"])
        stream.take("relu")
        pool = stream.take("max_pool")
        self.stem_pool = nn.MaxPool2d(pool.fields["kernel"], pool.fields["stride"], pool.fields["padding"])
        blocks = []
        while stream.peek() == "con":
            conv1 = _fold_conv(stream.take("con"), stream.take("affine"))
            stream.take("relu")
            conv2 = _fold_conv(stream.take("con"), stream.take("affine"))
            downsample = stream.peek() == "avg_pool"
            if downsample:
                stream.take("avg_pool", kernel=(2, 2), stride=(2, 2), padding=(0, 0))
            if conv1.stride != ((2, 2) if downsample else (1, 1)):
                raise DlibFormatError(f"residual block {len(blocks)}: stride does not match its shortcut")
            stream.take("add_prev")
            stream.take("relu")
            blocks.append(ResidualBlock(conv1, conv2, downsample))
        self.blocks = nn.Sequential(*blocks)
        stream.take("avg_pool", kernel=(0, 0))
        fc = stream.take("fc", bias=None)
        if stream.peek() is not None:
            raise DlibFormatError(f"unexpected trailing layer {stream.peek()}")
        self.fc = nn.Linear(fc.fields["num_inputs"], fc.fields["num_outputs"], bias=False)
        self.fc.weight.data = torch.from_numpy(np.ascontiguousarray(fc.fields["weight"].T))
        self.eval()

    def forward(self, chips: torch.Tensor) -> torch.Tensor:
        x = chips.permute(0, 3, 1, 2).float().contiguous(memory_format=torch.channels_last)
        x = self.stem_pool(F.relu(self.stem(x), inplace=True))
        x = self.blocks(x)
        return self.fc(x.mean(dim=(2, 3)))
