"""What goes into the frozen bundle, and what stays out (used by photosort.spec).

Kept free of PyInstaller imports so the tests can check it without the
``packaging`` dependency group.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from photosort.ml.weights import (  # noqa: E402  (one source of truth)
    FACERES_FILES, MTCNN_WEIGHT_FILES, dlib_resnet_path, faceres_model_path, mtcnn_weights_dir,
)

RESOURCES = ROOT / "resources"
ICON = RESOURCES / "photosort.ico"
RESOURCE_FILES = ("selftest_face.jpg", "photosort.png", "photosort.ico", "photosort.svg")

# Qt modules PhotoSort does not use.  The app needs QtCore, QtGui, QtWidgets,
# QtNetwork (single instance) and QtSvg (icons); tests check no module of
# photosort imports anything listed here.
EXCLUDED_QT = tuple(
    "PySide6." + name
    for name in (
        "Qt3DAnimation Qt3DCore Qt3DExtras Qt3DInput Qt3DLogic Qt3DRender QtBluetooth QtCharts "
        "QtConcurrent QtDataVisualization QtDesigner QtGraphs QtHelp QtHttpServer QtLocation "
        "QtMultimedia QtMultimediaWidgets QtNfc QtOpenGL QtOpenGLWidgets QtPdf QtPdfWidgets "
        "QtPositioning QtPrintSupport QtQml QtQuick QtQuick3D QtQuickControls2 QtQuickTest "
        "QtQuickWidgets QtRemoteObjects QtScxml QtSensors QtSerialBus QtSerialPort "
        "QtSpatialAudio QtSql QtStateMachine QtTest QtTextToSpeech QtUiTools "
        "QtWebChannel QtWebEngineCore QtWebEngineQuick QtWebEngineWidgets QtWebSockets QtXml"
    ).split()
)

# Python packages left out.  nvidia/triton/cuda: on Linux PyPI's torch is the
# CUDA build; without these packages their hooks do not collect every CUDA
# library (~4 GB) and the Triton compiler (~1 GB).  The CUDA libraries torch's
# own .so files link against still come in through binary dependency
# analysis, so `import torch` works (CPU only).  On Windows they do not exist.
EXCLUDED_PACKAGES = (
    "nvidia", "triton", "cuda",
    "dlib", "face_recognition_models",  # a test oracle; only one weights file is shipped
    "tkinter", "matplotlib", "IPython", "jupyter", "notebook", "pandas",
    "pytest", "_pytest", "pytestqt", "hypothesis", "check_jsonschema",
    "tensorboard", "torch.utils.tensorboard",
    "PyInstaller",
    # Only facenet-pytorch's MTCNN weight files are shipped (see datas): photosort
    # runs the networks itself (photosort.ml.mtcnn), and facenet-pytorch's modules
    # import torchvision, which the app needs for nothing else.
    "facenet_pytorch", "torchvision",
)


# Libraries only CUDA linear algebra loads (lazily): libtorch_cuda_linalg and
# what it alone pulls in (cuSOLVER, nvJitLink), ~275 MB of the Linux bundle.
CUDA_ONLY_LIBRARIES = ("libtorch_cuda_linalg.", "libcusolver.", "libnvJitLink.")

def keep_binary(name: str) -> bool:
    """Whether a collected library (its path inside the bundle) stays in."""
    return not Path(name).name.startswith(CUDA_ONLY_LIBRARIES)


def datas() -> list[tuple[str, str]]:
    """(source file, folder in the bundle) for every data file the app needs."""
    weights = mtcnn_weights_dir()
    return [
        *[(str(weights / name), "facenet_pytorch/data") for name in MTCNN_WEIGHT_FILES],
        (str(dlib_resnet_path()), "models"),
        *[(str(faceres_model_path().parent / name), "models") for name in FACERES_FILES],
        *[(str(RESOURCES / name), "resources") for name in RESOURCE_FILES],
        *[(str(icon), "resources/icons") for icon in sorted((RESOURCES / "icons").glob("*.svg"))],
    ]
