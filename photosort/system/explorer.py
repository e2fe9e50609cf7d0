"""The "Sort with PhotoSort" verb in Windows Explorer's folder menus.

The registry layout is defined here, once.  The app's own toggle writes it
with :func:`install_explorer_verbs`, and the Inno Setup script's [Registry]
section is generated from :func:`verb_values` (``packaging/sync_installer.py``;
a test keeps the two in step).

Everything lives under ``HKEY_CURRENT_USER\\Software\\Classes``, so no admin
rights are needed::

    Directory\\shell\\PhotoSort.Sort                 (default) = Sort with PhotoSort
                                                    Icon      = C:\\...\\PhotoSort.exe
    Directory\\shell\\PhotoSort.Sort\\command         (default) = "C:\\...\\PhotoSort.exe" sort "%V\\."
    Directory\\Background\\shell\\PhotoSort.Sort      (same values)
    Directory\\Background\\shell\\PhotoSort.Sort\\command

``%V`` is the folder clicked (or the folder whose background was clicked).
The trailing ``\\.`` keeps a drive root such as ``C:\\`` from ending in a
backslash right before the closing quote, which the Windows command-line
parser would read as an escaped quote (``"C:\\"`` arrives as ``C:"``); with
it the program gets ``C:\\\\.`` (backslashes not before a quote are literal),
and :func:`photosort.system.paths.folder_from_argument` turns that back into
``C:\\``.

The functions take a ``registry`` object with the :mod:`winreg` API (the
module itself by default), so tests on any platform can pass a fake.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VERB_NAME = "PhotoSort.Sort"
VERB_LABEL = "Sort with PhotoSort"
SHELL_PARENTS = (
    r"Software\Classes\Directory\shell",
    r"Software\Classes\Directory\Background\shell",
)
GUI_EXE_NAME = "PhotoSort.exe"


@dataclass(frozen=True)
class RegistryValue:
    """One REG_SZ value under HKEY_CURRENT_USER; ``name == ""`` is the key's default value."""

    key: str
    name: str
    data: str


def verb_keys() -> tuple[str, ...]:
    """The verb keys, relative to HKEY_CURRENT_USER (removing them removes everything)."""
    return tuple(f"{parent}\\{VERB_NAME}" for parent in SHELL_PARENTS)


def verb_command(exe_path: str) -> str:
    """The command line Explorer runs: ``"<exe>" sort "%V\\."``."""
    return f'"{exe_path}" sort "%V\\."'


def verb_values(exe_path: str) -> list[RegistryValue]:
    """Every value the verbs need, in creation order, for the given executable."""
    values = []
    for key in verb_keys():
        values.append(RegistryValue(key, "", VERB_LABEL))
        values.append(RegistryValue(key, "Icon", exe_path))
        values.append(RegistryValue(f"{key}\\command", "", verb_command(exe_path)))
    return values


def explorer_integration_available() -> bool:
    """Whether this platform has an Explorer to integrate with."""
    return sys.platform == "win32"


def default_exe_path() -> Path:
    """The windowed executable the verbs should launch for this run.

    Frozen: ``PhotoSort.exe`` beside the running executable (which may be the
    console ``photosort-cli.exe``).  From source: the ``photosort-gui.exe``
    launcher that the installer of the package put beside ``python.exe``.
    """
    here = Path(sys.executable).parent  # not resolved: a venv's python may be a link
    if getattr(sys, "frozen", False):
        return here / GUI_EXE_NAME
    return here / "photosort-gui.exe"


def _registry(registry: Any) -> Any:
    if registry is not None:
        return registry
    import winreg  # Windows only; tests pass a fake

    return winreg


def install_explorer_verbs(exe_path: str | Path, registry: Any = None) -> None:
    """Add (or repoint) both verbs so they launch ``exe_path``."""
    reg = _registry(registry)
    remove_explorer_verbs(reg)  # no stale values from an older layout survive
    for value in verb_values(str(exe_path)):
        handle = reg.CreateKeyEx(reg.HKEY_CURRENT_USER, value.key, 0, reg.KEY_WRITE)
        try:
            reg.SetValueEx(handle, value.name, 0, reg.REG_SZ, value.data)
        finally:
            reg.CloseKey(handle)


def remove_explorer_verbs(registry: Any = None) -> None:
    """Delete both verb keys with everything below them; absent keys are fine."""
    reg = _registry(registry)
    for key in verb_keys():
        _delete_tree(reg, key)


def explorer_verbs_installed(registry: Any = None, exe_path: str | Path | None = None) -> bool:
    """Whether both verbs are fully present (and, if given, launch ``exe_path``)."""
    reg = _registry(registry)
    expected = {}
    if exe_path is not None:
        expected = {(v.key, v.name): v.data for v in verb_values(str(exe_path))}
    for key in verb_keys():
        for subkey, name in ((key, ""), (f"{key}\\command", "")):
            data = _read_string(reg, subkey, name)
            if not data:
                return False
            if expected and data != expected[(subkey, name)]:
                return False
    return True


def _read_string(reg: Any, key: str, name: str) -> str | None:
    try:
        handle = reg.OpenKey(reg.HKEY_CURRENT_USER, key, 0, reg.KEY_READ)
    except FileNotFoundError:
        return None
    try:
        data, kind = reg.QueryValueEx(handle, name)
    except FileNotFoundError:
        return None
    finally:
        reg.CloseKey(handle)
    return data if kind in (reg.REG_SZ, reg.REG_EXPAND_SZ) else None


def _delete_tree(reg: Any, key: str) -> None:
    """Delete ``key`` and its subkeys (``DeleteKey`` refuses keys that have subkeys)."""
    try:
        handle = reg.OpenKey(reg.HKEY_CURRENT_USER, key, 0, reg.KEY_READ)
    except FileNotFoundError:
        return
    try:
        children = []
        while True:
            try:
                children.append(reg.EnumKey(handle, len(children)))
            except OSError:  # ERROR_NO_MORE_ITEMS
                break
    finally:
        reg.CloseKey(handle)
    for child in children:
        _delete_tree(reg, f"{key}\\{child}")
    reg.DeleteKey(reg.HKEY_CURRENT_USER, key)
