"""The Explorer verb's registry layout, written to a winreg-like registry.

Linux runs these against :class:`FakeRegistry`, an in-memory model of the
winreg calls we use that keeps the registry's rules (case-insensitive names,
``DeleteKey`` refusing keys with subkeys, missing keys raising
FileNotFoundError, handles that must be closed).  On Windows the same checks
also run against the real registry, inside a throw-away key.
"""

from __future__ import annotations

import sys
import uuid

import pytest

from photosort.system import explorer
from photosort.system.explorer import (
    RegistryValue,
    explorer_verbs_installed,
    install_explorer_verbs,
    remove_explorer_verbs,
    verb_keys,
    verb_values,
)

EXE = "C:\\Users\\Zoë Ångström\\AppData\\Local\\Programs\\PhotoSort\\PhotoSort.exe"


class FakeRegistry:
    """HKEY_CURRENT_USER in memory, behind the subset of the winreg API we use."""

    HKEY_CURRENT_USER = object()
    KEY_READ, KEY_WRITE = 0x20019, 0x20006
    REG_SZ, REG_EXPAND_SZ = 1, 2

    def __init__(self) -> None:
        self.keys: dict[str, dict[str, tuple[object, int]]] = {}  # casefolded path -> values
        self.names: dict[str, str] = {}  # casefolded path -> path as first created
        self.open_handles: set[int] = set()
        self._next = 0

    def _path(self, root: object, sub_key: str) -> str:
        assert root is self.HKEY_CURRENT_USER
        assert "/" not in sub_key and not sub_key.startswith("\\") and "\\\\" not in sub_key
        return sub_key.casefold()

    def _handle(self, path: str) -> tuple[int, str]:
        self._next += 1
        self.open_handles.add(self._next)
        return (self._next, path)

    def _use(self, handle: tuple[int, str]) -> str:
        assert handle[0] in self.open_handles, "handle used after CloseKey"
        return handle[1]

    def CreateKeyEx(self, root, sub_key, reserved=0, access=KEY_WRITE):
        path = self._path(root, sub_key)
        parts = sub_key.split("\\")
        for i in range(1, len(parts) + 1):
            prefix = "\\".join(parts[:i])
            self.keys.setdefault(prefix.casefold(), {})
            self.names.setdefault(prefix.casefold(), prefix)
        return self._handle(path)

    def OpenKey(self, root, sub_key, reserved=0, access=KEY_READ):
        path = self._path(root, sub_key)
        if path not in self.keys:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        return self._handle(path)

    def SetValueEx(self, handle, name, reserved, kind, value):
        self.keys[self._use(handle)][name.casefold()] = (value, kind)

    def QueryValueEx(self, handle, name):
        values = self.keys[self._use(handle)]
        if name.casefold() not in values:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        return values[name.casefold()]

    def EnumKey(self, handle, index):
        path = self._use(handle)
        children = sorted(
            self.names[p].rsplit("\\", 1)[1] for p in self.keys if p.rsplit("\\", 1)[0] == path and p != path
        )
        if index >= len(children):
            raise OSError(259, "No more data is available")
        return children[index]

    def DeleteKey(self, root, sub_key):
        path = self._path(root, sub_key)
        if path not in self.keys:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        if any(p.startswith(path + "\\") for p in self.keys):
            raise PermissionError(5, "Access is denied")  # winreg cannot delete keys with subkeys
        del self.keys[path]

    def CloseKey(self, handle):
        self.open_handles.discard(handle[0])

    def values(self) -> dict[tuple[str, str], object]:
        return {
            (self.names[path], name): value
            for path, values in self.keys.items()
            for name, (value, _kind) in values.items()
        }

    def has_key(self, sub_key: str) -> bool:
        return sub_key.casefold() in self.keys


@pytest.fixture()
def registry() -> FakeRegistry:
    fake = FakeRegistry()
    yield fake
    assert not fake.open_handles, "registry handles left open"


def expected(exe: str) -> dict[tuple[str, str], str]:
    return {
        ("Software\\Classes\\Directory\\shell\\PhotoSort.Sort", ""): "Sort with PhotoSort",
        ("Software\\Classes\\Directory\\shell\\PhotoSort.Sort", "icon"): exe,
        ("Software\\Classes\\Directory\\shell\\PhotoSort.Sort\\command", ""): f'"{exe}" sort "%V\\."',
        ("Software\\Classes\\Directory\\Background\\shell\\PhotoSort.Sort", ""): "Sort with PhotoSort",
        ("Software\\Classes\\Directory\\Background\\shell\\PhotoSort.Sort", "icon"): exe,
        ("Software\\Classes\\Directory\\Background\\shell\\PhotoSort.Sort\\command", ""): f'"{exe}" sort "%V\\."',
    }


def test_the_layout_is_the_one_the_issue_specifies():
    assert verb_keys() == (
        "Software\\Classes\\Directory\\shell\\PhotoSort.Sort",
        "Software\\Classes\\Directory\\Background\\shell\\PhotoSort.Sort",
    )
    assert {(v.key, v.name.casefold()): v.data for v in verb_values(EXE)} == expected(EXE)
    assert all(isinstance(v, RegistryValue) for v in verb_values(EXE))


def test_install_writes_exactly_the_layout(registry):
    install_explorer_verbs(EXE, registry)
    assert registry.values() == expected(EXE)
    assert explorer_verbs_installed(registry)
    assert explorer_verbs_installed(registry, exe_path=EXE)
    assert not explorer_verbs_installed(registry, exe_path="D:\\Other\\PhotoSort.exe")


def test_remove_deletes_both_verbs_and_nothing_else(registry):
    other = registry.CreateKeyEx(registry.HKEY_CURRENT_USER, "Software\\Classes\\Directory\\shell\\Other")
    registry.SetValueEx(other, "", 0, registry.REG_SZ, "Someone else's verb")
    registry.CloseKey(other)
    install_explorer_verbs(EXE, registry)

    remove_explorer_verbs(registry)

    assert not any(registry.has_key(key) for key in verb_keys())
    assert not registry.has_key(verb_keys()[0] + "\\command")
    assert registry.values() == {("Software\\Classes\\Directory\\shell\\Other", ""): "Someone else's verb"}
    assert registry.has_key("Software\\Classes\\Directory\\Background\\shell")
    assert not explorer_verbs_installed(registry)


def test_remove_when_absent_is_harmless(registry):
    remove_explorer_verbs(registry)
    assert registry.values() == {}
    assert not explorer_verbs_installed(registry)


def test_reinstalling_repoints_and_drops_leftovers(registry):
    install_explorer_verbs("C:\\Old\\PhotoSort.exe", registry)
    # Something an older layout (or a user) left under our verb key.
    stray = registry.CreateKeyEx(registry.HKEY_CURRENT_USER, verb_keys()[1] + "\\DropTarget")
    registry.SetValueEx(stray, "Clsid", 0, registry.REG_SZ, "{0000}")
    registry.CloseKey(stray)

    install_explorer_verbs(EXE, registry)

    assert registry.values() == expected(EXE)
    assert explorer_verbs_installed(registry, exe_path=EXE)


def test_a_half_written_layout_does_not_count_as_installed(registry):
    install_explorer_verbs(EXE, registry)
    registry.DeleteKey(registry.HKEY_CURRENT_USER, verb_keys()[1] + "\\command")
    assert not explorer_verbs_installed(registry)


def test_keys_are_matched_case_insensitively_like_the_registry(registry):
    handle = registry.CreateKeyEx(registry.HKEY_CURRENT_USER, "SOFTWARE\\CLASSES\\directory\\SHELL\\photosort.sort")
    registry.CloseKey(handle)
    install_explorer_verbs(EXE, registry)
    remove_explorer_verbs(registry)
    assert not any(registry.has_key(key) for key in verb_keys())


class PrefixedWinreg:
    """The real winreg, with every HKCU path moved under a throw-away key."""

    def __init__(self, prefix: str) -> None:
        import winreg

        self._winreg = winreg
        self.prefix = prefix
        for name in ("HKEY_CURRENT_USER", "KEY_READ", "KEY_WRITE", "REG_SZ", "REG_EXPAND_SZ",
                     "SetValueEx", "QueryValueEx", "EnumKey", "CloseKey"):
            setattr(self, name, getattr(winreg, name))

    def CreateKeyEx(self, root, sub_key, reserved=0, access=0):
        return self._winreg.CreateKeyEx(root, f"{self.prefix}\\{sub_key}", reserved, access)

    def OpenKey(self, root, sub_key, reserved=0, access=0):
        return self._winreg.OpenKey(root, f"{self.prefix}\\{sub_key}", reserved, access)

    def DeleteKey(self, root, sub_key):
        return self._winreg.DeleteKey(root, f"{self.prefix}\\{sub_key}")


@pytest.mark.windows
@pytest.mark.skipif(sys.platform != "win32", reason="needs the Windows registry")
def test_install_and_remove_in_the_real_registry():
    import winreg

    prefix = f"Software\\PhotoSortTests\\{uuid.uuid4().hex}"
    reg = PrefixedWinreg(prefix)
    try:
        install_explorer_verbs(EXE, reg)
        assert explorer_verbs_installed(reg, exe_path=EXE)
        for value in verb_values(EXE):
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, f"{prefix}\\{value.key}") as key:
                assert winreg.QueryValueEx(key, value.name) == (value.data, winreg.REG_SZ)
        remove_explorer_verbs(reg)
        assert not explorer_verbs_installed(reg)
        with pytest.raises(FileNotFoundError):
            winreg.OpenKey(winreg.HKEY_CURRENT_USER, f"{prefix}\\{verb_keys()[0]}")
    finally:
        explorer._delete_tree(PrefixedWinreg("Software"), prefix.removeprefix("Software\\"))
        try:
            winreg.DeleteKey(winreg.HKEY_CURRENT_USER, "Software\\PhotoSortTests")
        except OSError:  # another run's key is still there
            pass


def test_the_verbs_launch_the_windowed_exe_beside_a_frozen_console_exe(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "photosort-cli.exe"))
    assert explorer.default_exe_path() == tmp_path / "PhotoSort.exe"
    monkeypatch.setattr(sys, "frozen", False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "Scripts" / "python.exe"))
    assert explorer.default_exe_path() == tmp_path / "Scripts" / "photosort-gui.exe"
