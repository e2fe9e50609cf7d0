"""The PyInstaller spec, its bundle contents and the icons (no freezing here:
``packaging/freeze.py --self-test`` builds and self-tests the real bundle)."""

from __future__ import annotations

import ast
import importlib.util
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, PACKAGING / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def contents():
    return _load("bundle_contents")


@pytest.fixture(scope="module")
def spec_calls() -> dict[str, list[ast.Call]]:
    tree = ast.parse((PACKAGING / "photosort.spec").read_text(encoding="utf-8"))
    calls: dict[str, list[ast.Call]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            calls.setdefault(node.func.id, []).append(node)
    return calls


def _keywords(call: ast.Call) -> dict[str, ast.expr]:
    return {k.arg: k.value for k in call.keywords}


def test_one_folder_build_with_a_windowed_and_a_console_executable(spec_calls):
    (exe,) = spec_calls["EXE"]  # built twice through one helper
    assert ast.literal_eval(_keywords(exe)["exclude_binaries"]) is True  # one-folder
    assert "COLLECT" in spec_calls
    made = {ast.literal_eval(c.args[0]): ast.literal_eval(_keywords(c)["console"])
            for c in spec_calls["executable"]}
    assert made == {"PhotoSort": False, "photosort-cli": True}


def test_numba_code_is_imported_from_its_source_files(spec_calls):
    """numba caches into NUMBA_CACHE_DIR only when a function's code names an existing file.

    Code from PyInstaller's PYZ names a relative path (``fast_hdbscan/boruvka.py``),
    which exists nowhere, even when the ``.py`` is collected beside it (``pyz+py``):
    the frozen app then cached into numba's own folder.  Only ``py`` (imported from
    the collected source) gives the absolute path.
    """
    (analysis,) = spec_calls["Analysis"]
    modes = ast.literal_eval(_keywords(analysis)["module_collection_mode"])
    assert modes["fast_hdbscan"] == "py"


def test_every_bundled_data_file_exists_and_lands_where_the_code_looks(contents):
    datas = contents.datas()
    for source, _folder in datas:
        assert Path(source).is_file(), source
    placed = {(Path(source).name, folder) for source, folder in datas}
    for weights in ("pnet.pt", "rnet.pt", "onet.pt"):  # weights.mtcnn_weights_dir: _MEIPASS/facenet_pytorch/data
        assert (weights, "facenet_pytorch/data") in placed
    assert ("dlib_face_recognition_resnet_model_v1.dat", "models") in placed  # weights.py: _MEIPASS/models
    assert {("faceres.json", "models"), ("faceres.bin", "models"), ("FACERES-LICENSE.md", "models")} <= placed
    assert ("selftest_face.jpg", "resources") in placed  # paths.resource_path: _MEIPASS/resources
    assert Path(contents.ICON).is_file()


def test_cuda_triton_and_the_test_oracle_stay_out(contents):
    for package in ("nvidia", "triton", "dlib", "pytest", "PyInstaller", "facenet_pytorch", "torchvision"):
        assert package in contents.EXCLUDED_PACKAGES
    for needed in ("QtCore", "QtGui", "QtWidgets", "QtNetwork", "QtSvg"):
        assert f"PySide6.{needed}" not in contents.EXCLUDED_QT


def test_cuda_only_linear_algebra_stays_out(contents):
    assert not contents.keep_binary("torch/lib/libtorch_cuda_linalg.so")
    assert not contents.keep_binary("nvidia/cu13/lib/libcusolver.so.12")
    for needed in ("torch/lib/libtorch_cuda.so", "torch/lib/libtorch_cpu.so", "nvidia/cu13/lib/libcublas.so.13",
                   "torch/lib/torch_cpu.dll"):
        assert contents.keep_binary(needed)


def test_no_photosort_module_imports_something_the_bundle_leaves_out(contents):
    excluded = set(contents.EXCLUDED_QT) | set(contents.EXCLUDED_PACKAGES)
    offenders = []
    for path in (ROOT / "photosort").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            for name in names:
                if any(name == ex or name.startswith(ex + ".") for ex in excluded):
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


def test_text_guard_the_entry_script_calls_freeze_support_first():
    """A cheap source-text guard, not a proof: that the frozen app's worker pool really
    starts can only be shown by scanning with the frozen bundle (the Windows rehearsal)."""
    source = (PACKAGING / "photosort_main.py").read_text(encoding="utf-8")
    assert source.index("freeze_support()") < source.index("from photosort.cli.main import main")


def test_icons_are_the_generated_ones():
    make_icons = _load("make_icons")
    committed = np.asarray(Image.open(ROOT / "resources" / "photosort.png").convert("RGBA"), dtype=float)
    assert committed.shape == (256, 256, 4)
    fresh = np.asarray(make_icons.render_png(), dtype=float)
    assert np.abs(committed - fresh).mean() < 1.0
    ico = Image.open(ROOT / "resources" / "photosort.ico")
    assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(ico.info["sizes"])
    svg = ET.parse(ROOT / "resources" / "photosort.svg").getroot()
    assert svg.get("viewBox") == "0 0 256 256"
    assert (ROOT / "resources" / "photosort.svg").read_text(encoding="utf-8") == make_icons.render_svg()


def test_the_icon_has_a_transparent_rounded_corner_and_an_opaque_middle():
    icon = Image.open(ROOT / "resources" / "photosort.png").convert("RGBA")
    assert icon.getpixel((0, 0))[3] == 0
    assert icon.getpixel((128, 128))[3] == 255


def test_resources_readme_names_the_licence_of_the_self_test_photo():
    readme = (ROOT / "resources" / "README.md").read_text(encoding="utf-8")
    assert "selftest_face.jpg" in readme
    assert re.search(r"public domain", readme, re.IGNORECASE)


def test_the_linux_build_script_freezes_and_self_tests():
    script = (PACKAGING / "build_linux.sh").read_text(encoding="utf-8")
    assert "freeze.py" in script and "--self-test" in script
