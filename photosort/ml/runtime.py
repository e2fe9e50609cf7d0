"""torch itself, for the layers above: importing it, its thread count, its versions.

``services`` never import torch directly; they call these (the thread count
comes from the policy in :mod:`photosort.core.threads`).
"""

from __future__ import annotations

from typing import Any


def import_torch() -> Any:
    """Import torch (the slow part of starting the models); returns the module."""
    import torch

    return torch


def set_threads(count: int) -> None:
    """torch's intra-op thread count for this process."""
    import torch

    if torch.get_num_threads() != count:
        torch.set_num_threads(count)


def describe() -> str:
    """``torch X.Y (N threads)``."""
    import torch

    return f"torch {torch.__version__} ({torch.get_num_threads()} threads)"
