"""From Explorer's command line to a clean folder path (Windows rules, on any OS).

Explorer substitutes the folder for ``%V`` in the verb's command, and the
program's C runtime splits the result into argv with the rules of
``CommandLineToArgvW``; :func:`split_windows_command_line` implements those
rules so the whole path can be checked here with ``PureWindowsPath``.
"""

from __future__ import annotations

import sys
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from photosort.system.explorer import verb_command
from photosort.system.paths import folder_from_argument, resource_path

EXE = r"C:\Users\Zoë\AppData\Local\Programs\PhotoSort\PhotoSort.exe"


def split_windows_command_line(line: str) -> list[str]:
    """argv as the Microsoft C runtime builds it (2n backslashes + quote: n
    backslashes and a quote toggle; 2n+1: n backslashes and a literal quote;
    other backslashes are literal; "" inside quotes is a literal quote).
    The program name ends at the first space outside quotes, no escapes."""
    args: list[str] = []
    i, n = 0, len(line)
    # argv[0]
    if line.startswith('"'):
        end = line.index('"', 1)
        args.append(line[1:end])
        i = end + 1
    else:
        end = line.find(" ")
        end = n if end < 0 else end
        args.append(line[:end])
        i = end
    while True:
        while i < n and line[i] in " \t":
            i += 1
        if i >= n:
            return args
        arg, quoted = [], False
        while i < n and (quoted or line[i] not in " \t"):
            if line[i] == "\\":
                j = i
                while j < n and line[j] == "\\":
                    j += 1
                count = j - i
                if j < n and line[j] == '"':
                    arg.append("\\" * (count // 2))
                    if count % 2:
                        arg.append('"')
                        i = j + 1
                    else:
                        i = j
                else:
                    arg.append("\\" * count)
                    i = j
            elif line[i] == '"':
                if quoted and i + 1 < n and line[i + 1] == '"':
                    arg.append('"')
                    i += 2
                else:
                    quoted = not quoted
                    i += 1
            else:
                arg.append(line[i])
                i += 1
        args.append("".join(arg))


def explorer_launch(folder: str, command: str = verb_command(EXE)) -> list[str]:
    """The argv PhotoSort.exe receives when the verb is used on ``folder``."""
    return split_windows_command_line(command.replace("%V", folder))


@pytest.mark.parametrize(
    "folder",
    [
        "C:\\",
        "D:\\",
        "C:\\Photos",
        "C:\\Photos\\2024 Summer",
        "\\\\server\\share",
        "\\\\server\\share\\Family Photos",
        "\\\\nas.local\\фото\\Über München 写真",
        "D:\\Fotos\\Ångström; O'Brien & Zoë (1)",
        "C:\\Users\\Zoë\\Pictures\\#tag %TEMP% !x!",
        "\\\\?\\C:\\Very\\Long\\Path",
    ],
)
def test_the_verb_delivers_every_folder_intact(folder):
    argv = explorer_launch(folder)
    assert argv[:2] == [EXE, "sort"]
    assert len(argv) == 3
    assert folder_from_argument(argv[2], PureWindowsPath) == PureWindowsPath(folder)


def test_without_the_trailing_dot_a_drive_root_breaks_the_quoting():
    # Why the verb says "%V\." and not "%V": C:\ ends in a backslash that
    # escapes the closing quote.
    assert explorer_launch("C:\\", command=f'"{EXE}" sort "%V"')[2] == 'C:"'
    assert explorer_launch("C:\\")[2] == r"C:\\."  # %V is C:\, then \.
    assert explorer_launch("C:\\Photos")[2] == r"C:\Photos\."


@pytest.mark.parametrize(
    ("argument", "folder"),
    [
        ("C:\\.", "C:\\"),
        (r"C:\\.", "C:\\"),  # what the verb passes for a drive root
        ("C:\\Photos\\.", "C:\\Photos"),
        ("C:\\Photos\\", "C:\\Photos"),
        ("\\\\server\\share\\.", "\\\\server\\share\\"),
        ("\\\\server\\share\\dir\\.", "\\\\server\\share\\dir"),
        ("C:", "C:\\"),  # a bare drive means its root here
        ('C:"', "C:\\"),  # what a mis-quoted "C:\" arrives as
        ('  "D:\\Über\\."  ', "D:\\Über"),
        ("Photos\\.", "Photos"),  # relative stays relative
    ],
)
def test_folder_from_argument_on_windows(argument, folder):
    assert folder_from_argument(argument, PureWindowsPath) == PureWindowsPath(folder)


def test_folder_from_argument_on_posix():
    assert folder_from_argument("/home/zoë/Photos/.", PurePosixPath) == PurePosixPath("/home/zoë/Photos")
    assert folder_from_argument("/.", PurePosixPath) == PurePosixPath("/")


@pytest.mark.parametrize("argument", ["", "   ", '""'])
def test_an_empty_argument_is_an_error(argument):
    with pytest.raises(ValueError):
        folder_from_argument(argument, PureWindowsPath)


_name = st.text(
    alphabet=st.characters(blacklist_characters='<>:"/\\|?*', blacklist_categories=("Cc", "Cs")),
    min_size=1, max_size=12,
).filter(lambda s: s.strip(" .") == s and s not in (".", ".."))


@settings(deadline=None)  # no timing: a busy machine is not a failure
@given(drive=st.sampled_from(["C:", "Z:", "\\\\srv\\share"]), parts=st.lists(_name, max_size=4))
def test_any_windows_folder_survives_the_round_trip(drive, parts):
    folder = "\\".join([drive, *parts]) if parts else drive + "\\"
    argv = explorer_launch(folder)
    assert folder_from_argument(argv[2], PureWindowsPath) == PureWindowsPath(folder)


def test_folder_from_argument_defaults_to_this_platforms_paths():
    assert isinstance(folder_from_argument("x"), Path)
    assert type(folder_from_argument("x")) is type(Path("x"))


def test_resources_are_found_from_source():
    assert resource_path("selftest_face.jpg").is_file()
    assert resource_path("photosort.ico").is_file()
    assert not getattr(sys, "frozen", False)
