"""The single error type raised for photos that cannot be read or decoded."""

from __future__ import annotations

import enum
from pathlib import Path


class ErrorKind(enum.StrEnum):
    """Why a photo could not be read, for callers that react differently per cause.

    ``MISSING`` usually means the file was moved or deleted since it was found,
    so a catalog should forget it rather than mark it broken.
    """

    MISSING = "missing"
    PERMISSION = "permission"
    IO = "io"
    EMPTY = "empty"
    TRUNCATED = "truncated"
    CORRUPT = "corrupt"
    UNSUPPORTED = "unsupported"
    TOO_LARGE = "too_large"


class ImageError(Exception):
    """A photo that cannot be read: ``path`` plus a short, human-readable ``reason``.

    ``str(error)`` is ``"<path>: <reason>"``; ``reason`` alone is what a catalog
    stores and a GUI shows next to the file name.
    """

    def __init__(self, path: Path | str, reason: str, kind: ErrorKind = ErrorKind.CORRUPT) -> None:
        super().__init__(path, reason)
        self.path = Path(path)
        self.reason = reason
        self.kind = kind

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"

    def __reduce__(self):  # keep kind when pickled across processes
        return (type(self), (self.path, self.reason, self.kind))


def file_error(path: Path, exc: OSError) -> ImageError:
    """The ``ImageError`` for an operating-system error while reading ``path``."""
    if isinstance(exc, FileNotFoundError):
        return ImageError(path, "file not found (moved or deleted?)", ErrorKind.MISSING)
    if isinstance(exc, PermissionError):
        return ImageError(path, "permission denied", ErrorKind.PERMISSION)
    if isinstance(exc, IsADirectoryError):
        return ImageError(path, "not a file (it is a folder)", ErrorKind.UNSUPPORTED)
    return ImageError(path, f"cannot read file ({exc.strerror or exc})", ErrorKind.IO)
