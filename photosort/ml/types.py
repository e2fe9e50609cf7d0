"""Protocols for the detector and the embedder (torch-free)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from photosort.core.records import DetectedFace


@runtime_checkable
class Detector(Protocol):
    """Finds faces in an RGB uint8 image (H, W, 3)."""

    name: str
    version: str

    def detect(self, image: np.ndarray) -> list[DetectedFace]:
        """Faces with boxes and landmarks in ``image``'s pixel frame."""
        ...


@runtime_checkable
class Embedder(Protocol):
    """Turns aligned faces into fixed-length descriptors."""

    name: str
    version: str
    dim: int

    def embed(self, image: np.ndarray, landmarks: np.ndarray, boxes: np.ndarray | None = None) -> np.ndarray:
        """Descriptors (N, dim) float32 for the N faces whose 5 landmarks
        (N, 5, 2) and detector boxes (N, 4: x1, y1, x2, y2), in ``image``'s pixel
        frame and MTCNN order, are given (an embedder may need only one of them)."""
        ...

    @property
    def model_id(self) -> str:
        """``name@version``, stored beside every embedding."""
        ...
