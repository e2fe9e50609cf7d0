"""The frozen app's environment: its numba cache folder, and the clustering check it runs."""

from __future__ import annotations

import io
from pathlib import Path

from photosort.services.selftest_numba import run_clustering_check, synthetic_faces
from photosort.system.frozen import configure_frozen_environment, numba_cache_dir


def test_the_numba_cache_is_in_the_users_own_cache_folder():
    import platformdirs

    folder = numba_cache_dir("photosort-cli.exe")
    assert folder == platformdirs.user_cache_path("PhotoSort", appauthor=False) / "numba" / "photosort-cli"
    assert folder.is_absolute() and folder.is_relative_to(Path.home().parent)


def test_a_frozen_executable_gets_a_per_user_numba_cache_of_its_own(tmp_path, monkeypatch):
    import platformdirs

    monkeypatch.setattr(platformdirs, "user_cache_path",
                        lambda appname, appauthor=None: tmp_path / appname / "Cache")
    env: dict[str, str] = {}
    configure_frozen_environment(env, frozen=True, executable=str(tmp_path / "PhotoSort" / "photosort-cli.exe"))
    folder = Path(env["NUMBA_CACHE_DIR"])
    assert folder.is_dir() and folder.is_relative_to(tmp_path)
    assert folder.name == "photosort-cli"
    gui: dict[str, str] = {}
    configure_frozen_environment(gui, frozen=True, executable="/opt/PhotoSort/PhotoSort")
    assert Path(gui["NUMBA_CACHE_DIR"]) == numba_cache_dir("PhotoSort") != folder


def test_from_source_or_with_a_user_setting_nothing_changes(tmp_path):
    env: dict[str, str] = {}
    configure_frozen_environment(env, frozen=False)
    assert env == {}
    mine = {"NUMBA_CACHE_DIR": str(tmp_path)}
    configure_frozen_environment(mine, frozen=True, executable="photosort-cli.exe")
    assert mine == {"NUMBA_CACHE_DIR": str(tmp_path)}


def test_synthetic_faces_are_people_of_twenty():
    faces, truth = synthetic_faces(1000)
    assert faces.shape == (1000, 128) and faces.dtype.name == "float32"
    assert sorted(set((truth == p).sum() for p in set(truth.tolist()))) == [20]


def test_the_clustering_check_finds_the_people_and_reports_the_cache(monkeypatch):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)  # numba's own cache beside the sources
    out = io.StringIO()
    assert run_clustering_check(2000, out=out) == 0
    first, second = out.getvalue().splitlines()
    assert first.startswith("clustering: 2000 faces with fast_hdbscan in ")
    assert ", 100 groups, pairwise F 1.000" in first
    assert second.startswith("numba cache: numba default: 0 entries, 0 written by this run")
