"""The MTCNN cascade (P-Net → R-Net → O-Net) as facenet-pytorch runs it, made cheaper on a CPU.

The stages, thresholds and box arithmetic are facenet-pytorch's ``detect_face``
(``tests/test_mtcnn.py`` checks the faces against it on real photos); what
differs is only how pixels are moved, which is where its time went:

* the image pyramid and the 24×24 / 48×48 crops are resized with Pillow's
  ``BOX`` filter on uint8 pixels (exact area averaging; facenet's
  ``interpolate(mode="area")`` averages whole-pixel windows that overlap) instead
  of torch's adaptive average pooling on float tensors, which took 47 ms of a
  12 MP photo's 140 ms. Faces found are the same; boxes and landmarks move by
  about 1 % of the face width (tests/test_mtcnn.py measures it);
* non-maximum suppression is done in numpy (:mod:`photosort.core.nms`), so
  torchvision, whose import costs ~3 s per worker process, is never imported;
* the three networks run in ``channels_last``, where PyTorch's CPU convolutions
  and max-pools are several times faster for these few-channel layers (P-Net at
  the top pyramid level 32 → 17 ms, R-Net on 130 crops 22 → 6 ms).

12 MP photo at 1000 px, one thread: 81 ms here, 130 ms with facenet-pytorch's
``detect_face`` (``benchmarks/bench_pipeline.py``).
"""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from photosort.core.nms import nms
from photosort.ml.mtcnn_nets import load_nets

STAGE_THRESHOLDS = (0.6, 0.7, 0.7)
"""facenet-pytorch's default per-stage face probability thresholds."""
PYRAMID_FACTOR = 0.709
_BOX = Image.Resampling.BOX


def pyramid_scales(height: int, width: int, min_face: float, factor: float = PYRAMID_FACTOR) -> list[float]:
    """Scales at which a ``min_face`` face becomes P-Net's 12 px, down to a 12 px image."""
    scale, side, scales = 12.0 / min_face, min(height, width) * 12.0 / min_face, []
    while side >= 12:
        scales.append(scale)
        scale *= factor
        side *= factor
    return scales


def _square(boxes: np.ndarray) -> np.ndarray:
    """facenet's ``rerec``: each box grown to a square around its centre."""
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    boxes[:, 0] += w * 0.5 - side * 0.5
    boxes[:, 1] += h * 0.5 - side * 0.5
    boxes[:, 2] = boxes[:, 0] + side
    boxes[:, 3] = boxes[:, 1] + side
    return boxes


def _regress(boxes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """facenet's ``bbreg``: move the corners by offsets in units of the (+1) box size."""
    w = (boxes[:, 2] - boxes[:, 0] + 1)[:, None]
    h = (boxes[:, 3] - boxes[:, 1] + 1)[:, None]
    boxes[:, :4] += offsets * np.hstack([w, h, w, h])
    return boxes


class MtcnnCascade:
    """facenet-pytorch's MTCNN networks and cascade for one RGB uint8 image at a time."""

    def __init__(self, min_face: float = 20, thresholds: tuple[float, float, float] = STAGE_THRESHOLDS,
                 factor: float = PYRAMID_FACTOR, device: str | torch.device = "cpu") -> None:
        self.min_face, self.thresholds, self.factor = float(min_face), thresholds, factor
        self.device = torch.device(device)
        self.pnet, self.rnet, self.onet = (
            net.to(memory_format=torch.channels_last) for net in load_nets(self.device))

    def _tensor(self, pixels: np.ndarray) -> torch.Tensor:
        """(N, H, W, 3) pixels → normalised (N, 3, H, W) float on the device, channels_last."""
        t = torch.from_numpy(pixels if pixels.flags.writeable else pixels.copy()).to(self.device)
        t = t.permute(0, 3, 1, 2).float().sub_(127.5).mul_(0.0078125)
        return t.contiguous(memory_format=torch.channels_last)

    def detect(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Faces in ``image`` (H, W, 3) uint8: boxes (N, 5) ``x1, y1, x2, y2, p`` and
        landmarks (N, 5, 2) ``x, y`` (eyes, nose, mouth corners), best first."""
        empty = np.zeros((0, 5), np.float32), np.zeros((0, 5, 2), np.float32)
        height, width = image.shape[:2]
        pil = Image.fromarray(np.ascontiguousarray(image))
        with torch.inference_mode():
            boxes = self._propose(pil, height, width)
            if len(boxes):
                boxes = self._refine(pil, boxes, width, height)
            if not len(boxes):
                return empty
            boxes, points = self._output(pil, boxes, width, height)
        return boxes.astype(np.float32), points.astype(np.float32)

    def _propose(self, pil: Image.Image, height: int, width: int) -> np.ndarray:
        """Stage 1: P-Net over the pyramid; candidate squares (N, 5)."""
        found = []
        for scale in pyramid_scales(height, width, self.min_face, self.factor):
            size = (int(width * scale + 1), int(height * scale + 1))
            level = np.asarray(pil.resize(size, _BOX))[None]
            reg, prob = self.pnet(self._tensor(level))
            prob = prob[0, 1].cpu().numpy()
            rows, cols = np.nonzero(prob >= self.thresholds[0])
            if not len(rows):
                continue
            cells = np.stack([cols, rows], axis=1).astype(np.float32)
            q1 = np.floor((2 * cells + 1) / scale)
            q2 = np.floor((2 * cells + 12) / scale)
            offsets = reg[0].cpu().numpy()[:, rows, cols].T
            level_boxes = np.hstack([q1, q2, prob[rows, cols, None], offsets])
            found.append(level_boxes[nms(level_boxes[:, :4], level_boxes[:, 4], 0.5)])
        if not found:
            return np.zeros((0, 5))
        boxes = np.concatenate(found).astype(np.float64)
        boxes = boxes[nms(boxes[:, :4], boxes[:, 4], 0.7)]
        w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
        moved = boxes[:, :4] + boxes[:, 5:9] * np.stack([w, h, w, h], axis=1)
        return _square(np.hstack([moved, boxes[:, 4:5]]))

    def _crops(self, pil: Image.Image, boxes: np.ndarray, width: int, height: int,
               size: int) -> tuple[torch.Tensor, np.ndarray]:
        """facenet's ``pad`` + crop + area resize: boxes truncated to ints and clipped
        to the image, each crop resized to ``size``; also which boxes had a crop."""
        ints = np.trunc(boxes[:, :4]).astype(np.int64)
        x1, y1 = np.maximum(ints[:, 0], 1) - 1, np.maximum(ints[:, 1], 1) - 1
        x2, y2 = np.minimum(ints[:, 2], width), np.minimum(ints[:, 3], height)
        valid = (x2 > x1) & (y2 > y1)
        crops = [np.asarray(pil.resize((size, size), _BOX, box=(int(a), int(b), int(c), int(d))))
                 for a, b, c, d in zip(x1[valid], y1[valid], x2[valid], y2[valid])]
        batch = np.stack(crops) if crops else np.zeros((0, size, size, 3), np.uint8)
        return self._tensor(batch), valid

    def _refine(self, pil: Image.Image, boxes: np.ndarray, width: int, height: int) -> np.ndarray:
        """Stage 2: R-Net on 24×24 crops; surviving squares (N, 5)."""
        data, valid = self._crops(pil, boxes, width, height, 24)
        boxes = boxes[valid]
        if not len(boxes):
            return boxes
        reg, prob = (t.cpu().numpy() for t in self.rnet(data))
        keep = prob[:, 1] > self.thresholds[1]
        boxes = np.hstack([boxes[keep, :4], prob[keep, 1:2]])
        pick = nms(boxes[:, :4], boxes[:, 4], 0.7)
        return _square(_regress(boxes[pick], reg[keep][pick]))

    def _output(self, pil: Image.Image, boxes: np.ndarray, width: int,
                height: int) -> tuple[np.ndarray, np.ndarray]:
        """Stage 3: O-Net on 48×48 crops; final boxes (N, 5) and landmarks (N, 5, 2)."""
        data, valid = self._crops(pil, boxes, width, height, 48)
        boxes = boxes[valid]
        if not len(boxes):
            return np.zeros((0, 5)), np.zeros((0, 5, 2))
        reg, marks, prob = (t.cpu().numpy().astype(np.float64) for t in self.onet(data))
        keep = prob[:, 1] > self.thresholds[2]
        boxes = np.hstack([boxes[keep, :4], prob[keep, 1:2]])
        marks = marks[keep]
        w = boxes[:, 2] - boxes[:, 0] + 1
        h = boxes[:, 3] - boxes[:, 1] + 1
        xs = w[:, None] * marks[:, :5] + boxes[:, 0:1] - 1
        ys = h[:, None] * marks[:, 5:] + boxes[:, 1:2] - 1
        points = np.stack([xs, ys], axis=2)
        boxes = _regress(boxes, reg[keep])
        pick = nms(boxes[:, :4], boxes[:, 4], 0.7, method="min")
        return boxes[pick], points[pick]
