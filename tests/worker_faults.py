"""Faults injected into scan worker processes (imported there by pickle, from the tests folder)."""

from __future__ import annotations

import os

from photosort.services import analyze


def run_or_die_on_killer(path: str) -> analyze.PhotoAnalysis:
    """The worker's task, except that a photo named ``killer.jpg`` kills the process,
    as a crash in a native decoder would."""
    if path.endswith("killer.jpg"):
        os._exit(3)
    return analyze._run_worker(path)
