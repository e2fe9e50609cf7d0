"""Shared fixtures: the real labelled photos in ../shared/data and temporary catalogs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent


def _data_root() -> Path:
    return Path(os.environ.get("PHOTOSORT_TEST_DATA", REPO.parent / "shared" / "data")).resolve()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared labelled photos (never copied into the repo).

    Missing data is an error, not a skip: the real-photo tests must run in CI.
    """
    root = _data_root()
    if not (root / "lfw-dev").is_dir():
        raise RuntimeError(f"test photos not found at {root}; set PHOTOSORT_TEST_DATA")
    return root


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    """A fresh catalog file in a temporary folder."""
    return tmp_path / "catalog.sqlite3"
