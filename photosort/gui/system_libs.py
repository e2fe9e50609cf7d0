"""Qt's X11 system libraries on Linux: found before the QApplication, or one clear line.

PySide6's wheels bring Qt but not every X11 library its ``xcb`` platform
plugin loads.  On a machine without them, creating the QApplication aborts
the process (SIGABRT, exit 134) after a long Qt message.  Measured on a
fresh Debian/Ubuntu machine, these were missing:

    libxcb-cursor.so.0    (Debian/Ubuntu package libxcb-cursor0)
    libxcb-icccm.so.4     (libxcb-icccm4)
    libxcb-keysyms.so.1   (libxcb-keysyms1)

:func:`missing_qt_packages` tries to load each library (``dlopen``, as Qt
will) and names the packages of the ones that do not load;
:func:`check_qt_system_libraries` prints the ``apt-get install`` line.  The
check runs only where Qt will use ``xcb``: on Linux, with
``QT_QPA_PLATFORM`` unset or ``xcb`` (``offscreen`` or ``wayland`` need
none of these).
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping
from typing import TextIO

#: Shared library (soname) -> the Debian/Ubuntu package that ships it.
XCB_LIBRARIES: Mapping[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
}


def loads(soname: str) -> bool:
    """Whether the dynamic linker can load ``soname`` (the way Qt's plugin will)."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def uses_xcb(platform: str = sys.platform, environ: Mapping[str, str] = os.environ) -> bool:
    """Whether Qt will load its xcb platform plugin here."""
    if not platform.startswith("linux"):
        return False
    qpa = environ.get("QT_QPA_PLATFORM", "").strip().lower()
    return qpa == "" or qpa.startswith("xcb")


def missing_qt_packages(
    libraries: Mapping[str, str] = XCB_LIBRARIES,
    can_load: Callable[[str], bool] = loads,
) -> list[str]:
    """The packages (in ``libraries`` order) whose library does not load."""
    return [package for soname, package in libraries.items() if not can_load(soname)]


def check_qt_system_libraries(
    libraries: Mapping[str, str] = XCB_LIBRARIES,
    stream: TextIO | None = None,
) -> bool:
    """True when Qt can start; otherwise print one line naming the packages, False."""
    if not uses_xcb():
        return True
    missing = missing_qt_packages(libraries)
    if not missing:
        return True
    print("photosort: Qt needs system libraries that are missing; install them with: "
          f"sudo apt-get install {' '.join(missing)}", file=stream or sys.stderr)
    return False
