"""The Linux check for Qt's xcb system libraries, on a fake missing library."""

from __future__ import annotations

import io

import pytest

from photosort.gui import app, system_libs

FAKE_SONAME = "libphotosort-missing-for-test.so.7"
FAKE_PACKAGE = "libphotosort-missing7"


def test_a_library_that_does_not_exist_is_reported_with_its_package():
    libraries = {"libc.so.6": "libc6", FAKE_SONAME: FAKE_PACKAGE}
    assert system_libs.loads("libc.so.6")
    assert not system_libs.loads(FAKE_SONAME)
    assert system_libs.missing_qt_packages(libraries) == [FAKE_PACKAGE]


def test_the_real_xcb_libraries_of_this_machine_load():
    # .ci/run installs them; without them `photosort` could not open a window here.
    assert system_libs.missing_qt_packages() == []


def test_one_line_names_the_packages_to_install(monkeypatch):
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    out = io.StringIO()
    ok = system_libs.check_qt_system_libraries({FAKE_SONAME: FAKE_PACKAGE, "libc.so.6": "libc6"},
                                               stream=out)
    assert not ok
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].endswith(f"sudo apt-get install {FAKE_PACKAGE}")


@pytest.mark.parametrize("qpa, checked", [("", True), ("xcb", True), ("offscreen", False),
                                          ("wayland", False)])
def test_only_the_xcb_platform_is_checked(qpa, checked):
    assert system_libs.uses_xcb("linux", {"QT_QPA_PLATFORM": qpa}) is checked
    assert not system_libs.uses_xcb("win32", {})


def test_the_app_exits_non_zero_before_creating_the_application(monkeypatch, capsys):
    from PySide6.QtWidgets import QApplication

    had_app = QApplication.instance() is not None
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setitem(system_libs.XCB_LIBRARIES, FAKE_SONAME, FAKE_PACKAGE)
    assert app.main([]) == 1
    assert (QApplication.instance() is not None) == had_app
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"photosort: Qt needs system libraries that are missing; install them with: "
                   f"sudo apt-get install {FAKE_PACKAGE}"]
