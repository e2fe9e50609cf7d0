"""The HSE FaceRes embedder: box crop → MobileNet (VGGFace2) descriptor, age, gender.

Importing this module is cheap; torch and the weights load when a
:class:`FaceResEmbedder` is created. The crop is the author's, not an alignment:
HSE-asavchenko/HSE_FaceRec_tf ``age_gender_identity/facial_analysis.py``
(``process_image``) takes the MTCNN box, grows it by 10 px on every side (in the
pixels of the image MTCNN ran on), clips it to the image, truncates it to whole
pixels and resizes it to 224×224 with OpenCV's bilinear ``cv2.resize``
(half-pixel centres, no antialiasing); :func:`crop_faces` does the same in numpy.

Descriptors are the 1024-d ``global_pooling/Mean`` outputs, L2-normalised and
multiplied by :data:`DESCRIPTOR_SCALE`, so that Euclidean distances between them
fall in the range the grouping's thresholds were tuned for with dlib: the scale
makes FaceRes' distance at a false-accept rate of 1e-3 on lfw-dev equal dlib's
(``benchmarks/bench_embedders.py``). The age head's estimate is available from :meth:`FaceResEmbedder.analyse_chips`.
"""

from __future__ import annotations

import os

import numpy as np

from photosort.ml.faceres import INPUT_SIZE
from photosort.ml.weights import faceres_model_path

MARGIN_PX = 10
DESCRIPTOR_SCALE = {False: 0.6116, True: 0.631}
"""Length of a stored descriptor, without / with mirror averaging (bench_embedders.py)."""


def _resize_bilinear(patch: np.ndarray, size: int) -> np.ndarray:
    """OpenCV ``INTER_LINEAR`` resize of an (h, w, 3) uint8 patch to (size, size, 3)."""
    h, w = patch.shape[:2]

    def axis(n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pos = (np.arange(size) + 0.5) * (n_in / size) - 0.5
        low = np.floor(pos)
        frac = pos - low
        low = low.astype(np.intp)
        return np.clip(low, 0, n_in - 1), np.clip(low + 1, 0, n_in - 1), frac

    y0, y1, fy = axis(h)
    x0, x1, fx = axis(w)
    p = patch.astype(np.float32)
    fx = fx.astype(np.float32)[None, :, None]
    top = p[y0][:, x0] * (1 - fx) + p[y0][:, x1] * fx
    bottom = p[y1][:, x0] * (1 - fx) + p[y1][:, x1] * fx
    fy = fy.astype(np.float32)[:, None, None]
    return np.clip(np.rint(top * (1 - fy) + bottom * fy), 0, 255).astype(np.uint8)


def crop_faces(image: np.ndarray, boxes: np.ndarray, margin: int = MARGIN_PX) -> np.ndarray:
    """Chips (N, 224, 224, 3) uint8: each (x1, y1, x2, y2) box grown by ``margin``
    pixels, clipped to ``image`` and resized (the author's ``process_image``)."""
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 image (H, W, 3), got {image.dtype} {image.shape}")
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    height, width = image.shape[:2]
    chips = np.zeros((len(boxes), INPUT_SIZE, INPUT_SIZE, 3), dtype=np.uint8)
    for i, box in enumerate(boxes):
        x1, y1, x2, y2 = (int(v) for v in box)
        x1, y1 = max(x1 - margin, 0), max(y1 - margin, 0)
        x2, y2 = min(x2 + margin, width), min(y2 + margin, height)
        if x2 > x1 and y2 > y1:
            chips[i] = _resize_bilinear(image[y1:y2, x1:x2], INPUT_SIZE)
    return chips


class FaceResEmbedder:
    """``Embedder`` computing HSE FaceRes descriptors (1024-d) from MTCNN boxes.

    ``mirror`` averages each chip's descriptor with its mirror image's, as the
    dlib embedder does.
    """

    name = "hse-faceres"
    version = "1"
    dim = 1024

    def __init__(self, model_path: str | os.PathLike | None = None, device: str | None = None,
                 batch_size: int = 16, mirror: bool = False) -> None:
        import torch

        from photosort.ml.faceres import FaceRes
        from photosort.ml.tfjs_format import read_graph_model

        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.model_path = faceres_model_path(model_path)
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.batch_size, self.mirror = batch_size, mirror
        net = FaceRes(read_graph_model(self.model_path))
        self._net = net.to(self.device, memory_format=torch.channels_last)

    @property
    def model_id(self) -> str:
        """``name@version``, stored beside every embedding."""
        return f"{self.name}@{self.version}" + ("+mirror" if self.mirror else "")

    def analyse_chips(self, chips: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Raw outputs for (N, 224, 224, 3) uint8 chips: descriptors (N, 1024),
        age class probabilities (N, 100) and P(male) (N,), all float32."""
        import torch

        chips = np.asarray(chips)
        if chips.ndim != 4 or chips.shape[1:] != (INPUT_SIZE, INPUT_SIZE, 3) or chips.dtype != np.uint8:
            raise ValueError(f"expected uint8 chips (N, {INPUT_SIZE}, {INPUT_SIZE}, 3), got {chips.dtype} {chips.shape}")
        outs: list[list[np.ndarray]] = [[], [], []]
        with torch.inference_mode():
            for start in range(0, len(chips), self.batch_size):
                batch = torch.from_numpy(np.ascontiguousarray(chips[start:start + self.batch_size]))
                for store, value in zip(outs, self._net(batch.to(self.device))):
                    store.append(value.cpu().numpy())
        empty = (np.zeros((0, self.dim), np.float32), np.zeros((0, 100), np.float32), np.zeros(0, np.float32))
        return tuple(np.concatenate(o) if o else e for o, e in zip(outs, empty))  # type: ignore[return-value]

    def embed_chips(self, chips: np.ndarray) -> np.ndarray:
        """Stored descriptors (N, 1024) float32 for (N, 224, 224, 3) uint8 chips."""
        chips = np.asarray(chips)
        if self.mirror and len(chips):
            both = self.analyse_chips(np.concatenate([chips, chips[:, :, ::-1]]))[0]
            raw = (both[:len(chips)] + both[len(chips):]) / 2
        else:
            raw = self.analyse_chips(chips)[0]
        norm = np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-12)
        return (raw / norm * DESCRIPTOR_SCALE[self.mirror]).astype(np.float32)

    def embed(self, image: np.ndarray, landmarks: np.ndarray, boxes: np.ndarray | None = None) -> np.ndarray:
        """Descriptors (N, 1024) for the faces with the given boxes (N, 4); the
        landmarks are not used by this model but must match the boxes in number."""
        if boxes is None:
            raise ValueError("the FaceRes embedder needs the face boxes")
        if len(np.asarray(boxes).reshape(-1, 4)) != len(np.asarray(landmarks).reshape(-1, 5, 2)):
            raise ValueError("boxes and landmarks disagree in number")
        return self.embed_chips(crop_faces(image, boxes))
