"""Locating the embedder's weights: package, environment, frozen app, clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from photosort.ml import weights
from photosort.ml.weights import (
    DLIB_RESNET_ENV,
    DLIB_RESNET_FILE,
    ModelNotFoundError,
    dlib_resnet_path,
    find_model_file,
)


@pytest.fixture()
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DLIB_RESNET_ENV, raising=False)


@pytest.fixture()
def packaged(no_env) -> Path:
    path = dlib_resnet_path()
    assert path.is_file()
    return path


def test_found_in_the_installed_package_without_importing_it() -> None:
    code = (
        "import sys\n"
        "from photosort.ml.weights import dlib_resnet_path\n"
        "import photosort.ml.embedder\n"
        "path = dlib_resnet_path()\n"
        "assert path.parent.name == 'models' and path.stat().st_size > 20_000_000, path\n"
        "assert 'face_recognition_models' not in sys.modules\n"
        "assert 'torch' not in sys.modules, 'importing the embedder module must not load torch'\n"
    )
    env = {k: v for k, v in os.environ.items() if k != DLIB_RESNET_ENV}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr


def test_environment_variable_file_or_folder(packaged: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    link = tmp_path / DLIB_RESNET_FILE
    link.symlink_to(packaged)
    monkeypatch.setenv(DLIB_RESNET_ENV, str(link))
    assert dlib_resnet_path() == link
    monkeypatch.setenv(DLIB_RESNET_ENV, str(tmp_path))
    assert dlib_resnet_path() == link


def test_explicit_path_wins_over_environment(packaged: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DLIB_RESNET_ENV, str(tmp_path / "elsewhere.dat"))
    assert dlib_resnet_path(packaged) == packaged


def test_a_wrong_override_is_an_error_not_a_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DLIB_RESNET_ENV, str(tmp_path / "missing.dat"))
    with pytest.raises(ModelNotFoundError, match=DLIB_RESNET_ENV):
        dlib_resnet_path()
    with pytest.raises(ModelNotFoundError, match="missing-too.dat"):
        dlib_resnet_path(tmp_path / "missing-too.dat")


def test_frozen_app_uses_models_next_to_the_executable(
    packaged: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "models").mkdir()
    bundled = tmp_path / "models" / DLIB_RESNET_FILE
    bundled.symlink_to(packaged)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "PhotoSort.exe"))
    assert dlib_resnet_path() == bundled


def test_missing_everywhere_names_what_is_missing(no_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(weights, "_package_models_dir", lambda: None)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "PhotoSort.exe"))
    with pytest.raises(ModelNotFoundError) as error:
        find_model_file(DLIB_RESNET_FILE, env_var=DLIB_RESNET_ENV)
    message = str(error.value)
    assert DLIB_RESNET_FILE in message and "face_recognition_models" in message
    assert DLIB_RESNET_ENV in message and str(tmp_path / "models") in message
