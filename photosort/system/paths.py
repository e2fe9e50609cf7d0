"""Paths: folders handed over on the command line, and bundled resources.

Explorer runs ``PhotoSort.exe sort "%V\\."`` (see :mod:`photosort.system.explorer`),
so the folder arrives as ``C:\\Photos\\.``, ``C:\\.`` or ``\\\\server\\share\\.``;
:func:`folder_from_argument` turns that back into a clean folder path.
"""

from __future__ import annotations

import sys
from pathlib import Path, PurePath

REPO_RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def folder_from_argument(argument: str, flavour: type[PurePath] = Path) -> PurePath:
    """The folder named by a command-line argument, cleaned up.

    Drops the ``\\.`` the Explorer verb appends (``"C:\\."`` → ``C:\\``,
    ``"\\\\server\\share\\."`` → ``\\\\server\\share\\``), trailing separators and
    surrounding whitespace, and any stray double quote left by a shell that
    mis-parsed ``"C:\\"``.  A bare drive (``C:``) means that drive's root, not
    its current directory.  Relative paths stay relative: the caller resolves
    them against its own working directory.  ``flavour`` picks the path rules
    (``PureWindowsPath`` lets tests check Windows behaviour anywhere).

    Raises ``ValueError`` for an empty argument.
    """
    text = argument.strip().strip('"').strip()
    if not text:
        raise ValueError("empty folder argument")
    path = flavour(text)  # pathlib drops "." components and trailing separators
    if path.drive and not path.root and len(path.parts) == 1:
        path = flavour(path.drive + "\\")  # only Windows paths have drives
    return path


def resource_path(name: str) -> Path:
    """A file shipped in ``resources/``: beside the code from source, in the
    bundle when frozen by PyInstaller (``sys._MEIPASS``)."""
    bundle = getattr(sys, "_MEIPASS", None)
    base = Path(bundle) / "resources" if bundle else REPO_RESOURCES
    return base / name
