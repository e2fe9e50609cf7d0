"""One identity per file: the canonical key of a path, with Windows' rules testable anywhere.

The catalog stores each photo's path twice: as spelled on disk (for display
and for opening it) and as :func:`path_key`, the key that decides whether
two spellings name the same file. Scans, organize planning, undo, discovery
and the single-instance hand-off all compare keys, never spellings.

On Windows (NTFS, FAT, exFAT and SMB shares are all case-insensitive) the
key

* drops the ``\\\\?\\`` and ``\\\\.\\`` prefixes (``\\\\?\\UNC\\srv\\share`` becomes
  ``\\\\srv\\share``) and turns ``/`` into ``\\``;
* collapses repeated separators and resolves ``.`` and ``..`` lexically;
* strips trailing dots and spaces from each name, as the Win32 layer does
  (``a.jpg.`` and ``a.jpg`` open the same file);
* drops a trailing separator (except at a drive or share root);
* upper-cases each character the way NTFS's upcase table does: by the
  simple one-to-one mapping, so ``é``/``É`` and ``σ``/``ς``/``Σ`` match, while
  ``ß`` stays ``ß`` (``strasse`` and ``straße`` are two files on NTFS) and no
  Unicode normalisation is applied (NFC and NFD spellings are two files).

On POSIX only separators, ``.`` and ``..`` are normalised; case matters.
The functions are pure (no file system access), so Linux tests cover the
Windows rules by passing ``windows=True``.
"""

from __future__ import annotations

import ntpath
import os
import posixpath

IS_WINDOWS = os.name == "nt"


def path_key(path: str | os.PathLike[str], *, windows: bool = IS_WINDOWS) -> str:
    """The canonical key of an absolute ``path`` (two spellings of one file give one key)."""
    text = os.fspath(path)
    if not windows:
        return posixpath.normpath(text) if text else text
    return _windows_key(text)


def _windows_key(text: str) -> str:
    text = text.replace("/", "\\")
    if text[:8].upper() == "\\\\?\\UNC\\":
        text = "\\\\" + text[8:]
    elif text[:4] in ("\\\\?\\", "\\\\.\\"):
        text = text[4:]
    drive, rest = ntpath.splitdrive(text)
    names = []
    for name in rest.split("\\"):
        if name in ("", "."):
            continue
        if name == "..":
            if names:
                names.pop()
            continue
        stripped = name.rstrip(" .")
        names.append(stripped or name)
    root = "\\" if rest.startswith("\\") or drive.startswith("\\\\") else ""
    return _upcase(drive + root + "\\".join(names))


def _upcase(text: str) -> str:
    """Upper-case by the one-to-one mapping only (NTFS compares names this way)."""
    out = []
    for ch in text:
        upper = ch.upper()
        out.append(upper if len(upper) == 1 else ch)
    return "".join(out)


def key_separator(*, windows: bool = IS_WINDOWS) -> str:
    return "\\" if windows else "/"


def key_under(key: str, folder_key: str, *, windows: bool = IS_WINDOWS) -> bool:
    """Whether the path with ``key`` is the folder with ``folder_key`` or lies below it."""
    sep = key_separator(windows=windows)
    return key == folder_key or key.startswith(folder_key.rstrip(sep) + sep)


def same_path(a: str | os.PathLike[str], b: str | os.PathLike[str], *,
              windows: bool = IS_WINDOWS) -> bool:
    """Whether two absolute spellings name the same file by the key rule."""
    return path_key(a, windows=windows) == path_key(b, windows=windows)
