"""The Inno Setup script, read the way ISCC reads it, against the Python layout.

Inno Setup cannot run on Linux, so this parses ``packaging/photosort.iss``:
``#define``s, [Setup] directives, and section lines of ``Name: value``
parameters (values quoted with doubled ``""``, ``{{`` for a literal brace,
``{app}``-style constants).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from photosort.system.explorer import GUI_EXE_NAME, verb_keys, verb_values

ROOT = Path(__file__).resolve().parent.parent
ISS = ROOT / "packaging" / "photosort.iss"
APP_DIR = r"C:\Users\Zoë\AppData\Local\Programs\PhotoSort"


def _sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(";") or line.startswith("#"):
            continue
        match = re.fullmatch(r"\[(\w+)\]", line)
        if match:
            current = match.group(1).lower()
            sections.setdefault(current, [])
        elif current is not None:
            sections[current].append(line)
    return sections


def _defines(text: str) -> dict[str, str]:
    return dict(re.findall(r'^\s*#define\s+(\w+)\s+"([^"]*)"', text, re.MULTILINE))


def _preprocess(value: str, defines: dict[str, str]) -> str:
    return re.sub(r"\{#(\w+)\}", lambda m: defines[m.group(1)], value)


def _parameters(line: str) -> dict[str, str]:
    """A section line's parameters: name -> value, quotes removed, constants kept."""
    params, i = {}, 0
    while i < len(line):
        match = re.compile(r"\s*(\w+)\s*:\s*").match(line, i)
        assert match, f"cannot parse parameters at {line[i:]!r}"
        name, i = match.group(1), match.end()
        if line.startswith('"', i):
            value, i = [], i + 1
            while True:
                end = line.index('"', i)
                value.append(line[i:end])
                if line.startswith('""', end):
                    value.append('"')
                    i = end + 2
                else:
                    i = end + 1
                    break
            params[name] = "".join(value)
            i = line.find(";", i) + 1 or len(line)
        else:
            end = line.find(";", i)
            end = len(line) if end < 0 else end
            params[name] = line[i:end].strip()
            i = end + 1
    return params


def _expand_constants(value: str, constants: dict[str, str]) -> str:
    """Inno Setup constants: ``{{`` is a literal brace, ``{name}`` a constant."""
    out, i = [], 0
    while i < len(value):
        if value.startswith("{{", i):
            out.append("{")
            i += 2
        elif value[i] == "{":
            end = value.index("}", i)
            out.append(constants[value[i + 1 : end]])
            i = end + 1
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


@pytest.fixture(scope="module")
def script() -> str:
    return ISS.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def setup(script) -> dict[str, str]:
    defines = _defines(script)
    pairs = (line.split("=", 1) for line in _sections(script)["setup"])
    return {key.strip(): _preprocess(value.strip(), defines) for key, value in pairs}


def _entries(script: str, section: str) -> list[dict[str, str]]:
    defines = _defines(script)
    return [{k: _preprocess(v, defines) for k, v in _parameters(line).items()}
            for line in _sections(script)[section]]


def test_per_user_install_without_admin(setup):
    assert setup["PrivilegesRequired"] == "lowest"
    assert "PrivilegesRequiredOverridesAllowed" not in setup  # never offers an all-users install
    assert setup["DefaultDirName"] in (r"{userpf}\PhotoSort", r"{localappdata}\Programs\PhotoSort")
    assert setup.get("Uninstallable", "yes") == "yes"
    assert setup.get("CreateUninstallRegKey", "yes") == "yes"
    assert setup["AppId"].startswith("{{")  # a literal brace: the GUID, not a constant
    assert (ISS.parent / setup["SetupIconFile"].replace("\\", "/")).is_file()


def test_registry_section_is_exactly_the_python_layout(script):
    entries = _entries(script, "registry")
    constants = {"app": APP_DIR}
    written = []
    for entry in entries:
        assert entry["Root"] == "HKCU"
        assert entry["ValueType"] == "string"
        assert "uninsdeletekey" in entry["Flags"].split()
        assert entry["Tasks"] == "explorerverbs"
        written.append((entry["Subkey"], entry["ValueName"], _expand_constants(entry["ValueData"], constants)))
    exe = APP_DIR + "\\" + GUI_EXE_NAME
    assert written == [(v.key, v.name, v.data) for v in verb_values(exe)]
    # uninstall removes both verb keys (and so their command subkeys)
    removed_on_uninstall = {e["Subkey"] for e in entries if "uninsdeletekey" in e["Flags"].split()}
    assert set(verb_keys()) <= removed_on_uninstall


def test_the_verb_command_is_the_one_the_issue_specifies(script):
    commands = {e["ValueData"] for e in _entries(script, "registry") if e["Subkey"].endswith("\\command")}
    assert commands == {r'"{app}\PhotoSort.exe" sort "%V\."'}


def test_generated_block_is_in_sync_with_the_generator(script):
    spec = importlib.util.spec_from_file_location("sync_installer", ROOT / "packaging" / "sync_installer.py")
    sync_installer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sync_installer)
    assert sync_installer.synced(script) == script.replace("\r\n", "\n")
    assert sync_installer.inno_quote('say "{hi}"') == '"say ""{{hi}"""'


def test_files_shortcut_and_tasks(script):
    files = _entries(script, "files")
    assert files == [{"Source": "dist\\PhotoSort\\*", "DestDir": "{app}",
                      "Flags": "ignoreversion recursesubdirs createallsubdirs"}]
    icons = _entries(script, "icons")
    start_menu = [i for i in icons if i["Name"].startswith("{autoprograms}")]
    assert start_menu and start_menu[0]["Filename"] == "{app}\\PhotoSort.exe"
    tasks = {t["Name"]: t for t in _entries(script, "tasks")}
    assert "unchecked" not in tasks["explorerverbs"].get("Flags", "")  # on by default


def test_the_parser_reads_quotes_and_braces_like_iscc():
    params = _parameters('Name: "a ""b"" {{c}"; Flags: x y; Other: plain')
    assert params == {"Name": 'a "b" {{c}', "Flags": "x y", "Other": "plain"}
    assert _expand_constants(params["Name"], {}) == 'a "b" {c}'
