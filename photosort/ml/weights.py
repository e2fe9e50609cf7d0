"""Locating model files on disk (torch-free, no downloads).

dlib's model files ship inside the ``face_recognition_models`` package.  That
package's ``__init__`` imports ``pkg_resources`` (gone from recent setuptools),
so it is located through ``importlib`` without being imported.

Search order for a model file:

1. an explicit path given by the caller;
2. the environment variable (``PHOTOSORT_DLIB_MODEL`` for the face recognition
   network): a file, or a folder holding the file;
3. in a frozen app (PyInstaller), a ``models/`` folder next to the executable
   or inside the bundle (``sys._MEIPASS``);
4. the installed ``face_recognition_models`` package.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

DLIB_RESNET_FILE = "dlib_face_recognition_resnet_model_v1.dat"
DLIB_RESNET_ENV = "PHOTOSORT_DLIB_MODEL"
MODELS_PACKAGE = "face_recognition_models"


class ModelNotFoundError(FileNotFoundError):
    """A model file could not be found in any of the searched places."""


def _package_models_dir() -> Path | None:
    try:
        spec = importlib.util.find_spec(MODELS_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def _frozen_dirs() -> list[Path]:
    if not getattr(sys, "frozen", False):
        return []
    dirs = [Path(sys.executable).resolve().parent / "models"]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        dirs.append(Path(bundle) / "models")
    return dirs


def candidate_paths(filename: str, explicit: str | os.PathLike | None = None, env_var: str | None = None) -> list[Path]:
    """Every place ``filename`` is looked for, in order."""
    candidates: list[Path] = []
    for given in (explicit, os.environ.get(env_var) if env_var else None):
        if given:
            path = Path(given).expanduser()
            candidates.append(path / filename if path.is_dir() else path)
    candidates += [folder / filename for folder in _frozen_dirs()]
    package_dir = _package_models_dir()
    if package_dir is not None:
        candidates.append(package_dir / filename)
    return candidates


def find_model_file(filename: str, explicit: str | os.PathLike | None = None, env_var: str | None = None) -> Path:
    """The first existing candidate for ``filename``.

    An explicit path or environment variable that points nowhere is an error,
    not something to silently skip.
    """
    for given, origin in ((explicit, "the given path"), (os.environ.get(env_var) if env_var else None, env_var)):
        if given:
            path = Path(given).expanduser()
            path = path / filename if path.is_dir() else path
            if not path.is_file():
                raise ModelNotFoundError(f"model file {path} (from {origin}) does not exist")
            return path
    for path in candidate_paths(filename):
        if path.is_file():
            return path
    searched = "\n  ".join(str(p) for p in candidate_paths(filename)) or "(nowhere: package not installed)"
    raise ModelNotFoundError(
        f"model file {filename!r} not found. Install the '{MODELS_PACKAGE}' package, "
        f"put the file in a 'models' folder next to the application"
        + (f", or set {env_var} to its path" if env_var else "")
        + f". Searched:\n  {searched}"
    )


def dlib_resnet_path(explicit: str | os.PathLike | None = None) -> Path:
    """Path of dlib's face recognition ResNet weights."""
    return find_model_file(DLIB_RESNET_FILE, explicit, DLIB_RESNET_ENV)
