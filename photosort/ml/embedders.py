"""The face embedders PhotoSort can run, by name (``AnalyzeSettings.embedder``).

``dlib-resnet-v1``: dlib's ResNet (128-d, landmark-aligned 150×150 chips);
``hse-faceres``: HSE FaceRes (1024-d, box crops at 224×224). Which one is the
default, and why, is measured by ``benchmarks/bench_embedders.py`` (README,
"Face embedders"). Both store ``name@version`` with every embedding, so a switch
re-analyses each photo once and keeps people, names and user decisions.
"""

from __future__ import annotations

from photosort.ml.types import Embedder

NAMES = ("dlib-resnet-v1", "hse-faceres")


def create_embedder(name: str, *, device: str | None = None, mirror: bool = False) -> Embedder:
    """A loaded embedder by name; ``ValueError`` for an unknown one."""
    if name == "dlib-resnet-v1":
        from photosort.ml.embedder import DlibResNetEmbedder

        return DlibResNetEmbedder(device=device, mirror=mirror)
    if name == "hse-faceres":
        from photosort.ml.faceres_embedder import FaceResEmbedder

        return FaceResEmbedder(device=device, mirror=mirror)
    raise ValueError(f"unknown embedder {name!r}; choose one of {', '.join(NAMES)}")
