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

HSE FaceRes (``faceres.json`` + ``faceres.bin``, the second embedder) ships inside
photosort itself (``photosort/ml/models``, with its licence); in a frozen app it is
looked for in the bundle's ``models/`` first, and ``PHOTOSORT_FACERES_MODEL``
overrides both.

MTCNN's weights (``pnet.pt``, ``rnet.pt``, ``onet.pt``) ship in facenet-pytorch's
``data`` folder; :func:`mtcnn_weights_dir` finds that folder (in a frozen app, the
bundled ``facenet_pytorch/data``) without importing facenet-pytorch, whose
package imports torchvision (about 3 s).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

DLIB_RESNET_FILE = "dlib_face_recognition_resnet_model_v1.dat"
DLIB_RESNET_ENV = "PHOTOSORT_DLIB_MODEL"
MODELS_PACKAGE = "face_recognition_models"
MTCNN_PACKAGE = "facenet_pytorch"
MTCNN_WEIGHT_FILES = ("pnet.pt", "rnet.pt", "onet.pt")


class ModelNotFoundError(FileNotFoundError):
    """A model file could not be found in any of the searched places."""


def package_dir(name: str) -> Path | None:
    """The folder of an installed package, found without importing it (or ``None``)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _package_models_dir() -> Path | None:
    folder = package_dir(MODELS_PACKAGE)
    return None if folder is None else folder / "models"


def _frozen_roots() -> list[Path]:
    """In a frozen app: the executable's folder and the bundle's."""
    if not getattr(sys, "frozen", False):
        return []
    roots = [Path(sys.executable).resolve().parent]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        roots.append(Path(bundle))
    return roots


def _frozen_dirs() -> list[Path]:
    return [root / "models" for root in _frozen_roots()]


def default_locations(filename: str) -> list[Path]:
    """Where ``filename`` is looked for when no path is given: frozen app, package."""
    candidates = [folder / filename for folder in _frozen_dirs()]
    package_dir = _package_models_dir()
    if package_dir is not None:
        candidates.append(package_dir / filename)
    return candidates


def find_model_file(filename: str, explicit: str | os.PathLike | None = None, env_var: str | None = None) -> Path:
    """The model file: ``explicit`` path, else ``$env_var``, else the first default location.

    A path given explicitly or by the environment (a file, or a folder holding
    ``filename``) that points nowhere is an error, not something to skip.
    """
    for given, origin in ((explicit, "the given path"), (os.environ.get(env_var) if env_var else None, env_var)):
        if given:
            path = Path(given).expanduser()
            path = path / filename if path.is_dir() else path
            if not path.is_file():
                raise ModelNotFoundError(f"model file {path} (from {origin}) does not exist")
            return path
    searched = default_locations(filename)
    for path in searched:
        if path.is_file():
            return path
    places = "\n  ".join(str(p) for p in searched) or "(nowhere: the package is not installed)"
    raise ModelNotFoundError(
        f"model file {filename!r} not found. Install the '{MODELS_PACKAGE}' package, "
        f"put the file in a 'models' folder next to the application"
        + (f", or set {env_var} to its path" if env_var else "")
        + f". Searched:\n  {places}"
    )


def dlib_resnet_path(explicit: str | os.PathLike | None = None) -> Path:
    """Path of dlib's face recognition ResNet weights."""
    return find_model_file(DLIB_RESNET_FILE, explicit, DLIB_RESNET_ENV)


def mtcnn_weights_dir() -> Path:
    """The folder holding MTCNN's three weight files (frozen bundle first, then the package)."""
    candidates = [root / MTCNN_PACKAGE / "data" for root in _frozen_roots()]
    package = package_dir(MTCNN_PACKAGE)
    if package is not None:
        candidates.append(package / "data")
    for folder in candidates:
        if all((folder / name).is_file() for name in MTCNN_WEIGHT_FILES):
            return folder
    searched = "\n  ".join(str(c) for c in candidates) or "(nowhere: facenet-pytorch is not installed)"
    raise ModelNotFoundError(f"MTCNN weights {', '.join(MTCNN_WEIGHT_FILES)} not found. "
                             f"Install the 'facenet-pytorch' package. Searched:\n  {searched}")


FACERES_FILE = "faceres.json"
FACERES_ENV = "PHOTOSORT_FACERES_MODEL"
FACERES_FILES = (FACERES_FILE, "faceres.bin", "FACERES-LICENSE.md")
"""What the installer bundles into ``models/``: graph, weights, licence and attribution."""
FACERES_PACKAGE_DIR = Path(__file__).resolve().parent / "models"
"""HSE FaceRes (TensorFlow.js graph model + weight shard) ships inside photosort itself."""


def faceres_model_path(explicit: str | os.PathLike | None = None) -> Path:
    """Path of the HSE FaceRes graph model JSON (its ``.bin`` shard lies beside it)."""
    if explicit or os.environ.get(FACERES_ENV):
        return find_model_file(FACERES_FILE, explicit, FACERES_ENV)
    candidates = [folder / FACERES_FILE for folder in _frozen_dirs()] + [FACERES_PACKAGE_DIR / FACERES_FILE]
    for path in candidates:
        if path.is_file():
            return path
    places = "\n  ".join(str(p) for p in candidates)
    raise ModelNotFoundError(f"model file {FACERES_FILE!r} not found (it ships with PhotoSort; "
                             f"set {FACERES_ENV} to its path). Searched:\n  {places}")
