"""Safe, distinct names for output folders and files.

Person names become folder names that are valid on every desktop file system
(Windows being the strictest) and are always a single path component, so a
name can never escape the destination folder: separators, drive letters,
``..``, control characters and reserved device names are all neutralised.

Two names that would land in the same folder (after sanitising, compared
case- and normalisation-insensitively, as NTFS, APFS and exFAT do) get
distinct folders by numbering: ``Anna``, ``Anna (2)``, ``Anna (3)``. File
name collisions are numbered the same way: ``IMG_1.jpg``, ``IMG_1 (2).jpg``.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterable

FORBIDDEN_CHARS = frozenset('<>:"/\\|?*')
"""Characters Windows refuses in names (``/`` and ``\\`` are also separators)."""

_DEVICE_NAMES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
_DEVICE_NAMES |= {f"{port}{digit}" for port in ("COM", "LPT") for digit in "0123456789¹²³"}
RESERVED_NAMES = frozenset(_DEVICE_NAMES)
"""Windows device names, reserved with or without an extension (``NUL.txt``)."""

MAX_FOLDER_CHARS = 100
MAX_FOLDER_BYTES = 200
"""Folder names stay short enough for a `` (n)`` suffix within the 255-byte limit."""
MAX_NAME_BYTES = 255
"""The per-component limit of ext4, APFS and (in UTF-16 units) NTFS."""
FALLBACK_NAME = "_"

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
_EDGE_JUNK = re.compile(r"^[\s.]+|[\s.]+$")


def sanitize_folder_name(name: str) -> str:
    """Turn any text into one valid, non-hidden folder name (never empty).

    Forbidden and control characters become ``_``; leading and trailing dots
    and white space go (no ``..``, no hidden folder, no Windows trailing-dot
    trap); the result is cut to :data:`MAX_FOLDER_CHARS` characters and
    :data:`MAX_FOLDER_BYTES` UTF-8 bytes; reserved device names get a ``_``
    prefix.
    """
    text = unicodedata.normalize("NFC", name)
    text = "".join("_" if _is_unsafe(ch) else ch for ch in text)
    text = _EDGE_JUNK.sub("", text)
    text = _EDGE_JUNK.sub("", _truncate(text, MAX_FOLDER_CHARS, MAX_FOLDER_BYTES))
    if not text:
        return FALLBACK_NAME
    if is_reserved(text):
        text = _EDGE_JUNK.sub("", _truncate("_" + text, MAX_FOLDER_CHARS, MAX_FOLDER_BYTES))
    return text


def is_reserved(name: str) -> bool:
    """Whether Windows treats ``name`` as a device (``aux``, ``COM1.jpg``, ``nul .txt``)."""
    stem = name.split(".", 1)[0].rstrip(" ")
    return stem.upper() in RESERVED_NAMES


def name_keys(name: str) -> frozenset[str]:
    """Comparison keys: two names sharing a key may be the same entry on some file system.

    Deliberately generous (compatibility normalisation plus several case
    mappings), so that names distinct here are distinct everywhere.
    """
    text = unicodedata.normalize("NFKC", name)
    return frozenset({text.casefold(), text.upper().casefold(), text.lower().casefold()})


def numbered_name(name: str, number: int, *, is_folder: bool = False) -> str:
    """``name`` with a `` (number)`` suffix before the extension (files) or at the end.

    The stem is shortened when needed to stay within :data:`MAX_NAME_BYTES`.
    """
    if number < 2:
        return name
    stem, ext = (name, "") if is_folder else os.path.splitext(name)
    suffix = f" ({number}){ext}"
    budget = MAX_NAME_BYTES - len(suffix.encode("utf-8", "surrogatepass"))
    stem = _truncate(stem, len(stem), max(budget, 1))
    return f"{stem}{suffix}"


class NameSpace:
    """The names taken in one folder, compared with :func:`name_keys`."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self._keys: set[str] = set()
        for name in taken:
            self.take(name)

    def is_free(self, name: str) -> bool:
        return self._keys.isdisjoint(name_keys(name))

    def take(self, name: str) -> None:
        self._keys.update(name_keys(name))

    def claim(self, name: str, *, is_folder: bool = False,
              accept: Callable[[str], bool] | None = None) -> str:
        """The first free name of ``name``, ``name (2)``, ... (also passing ``accept``), now taken."""
        number = 1
        while True:
            candidate = numbered_name(name, number, is_folder=is_folder)
            if self.is_free(candidate) and (accept is None or accept(candidate)):
                self.take(candidate)
                return candidate
            number += 1


def allocate_folders(names: Iterable[tuple[int, str]], reserved: Iterable[str] = ()) -> dict[int, str]:
    """Distinct sanitised folder names for ``(key, raw name)`` pairs, in the given order.

    ``reserved`` folder names (``Unsorted``, ``Together``) are never handed
    out; a person whose name clashes with one gets a numbered folder.
    """
    space = NameSpace(reserved)
    return {key: space.claim(sanitize_folder_name(raw), is_folder=True) for key, raw in names}


def _is_unsafe(ch: str) -> bool:
    return ch in FORBIDDEN_CHARS or unicodedata.category(ch) in _UNSAFE_CATEGORIES


def _truncate(text: str, max_chars: int, max_bytes: int) -> str:
    text = text[:max_chars]
    while len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        text = text[:-1]
    return text
