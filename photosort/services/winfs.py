"""Windows' durable, never-replacing rename: ``MoveFileExW`` with ``MOVEFILE_WRITE_THROUGH``.

``os.rename`` on Windows already refuses to replace a file, but returns before
the new name is on disk. ``MOVEFILE_WRITE_THROUGH`` makes the call return only
once the rename has been flushed — Windows' counterpart of fsyncing both
folders on POSIX (a folder cannot be fsynced there). Without
``MOVEFILE_REPLACE_EXISTING`` an existing destination fails with
``FileExistsError``; without ``MOVEFILE_COPY_ALLOWED`` another volume fails with
``EXDEV``, so the caller takes its verified-copy path.
"""

from __future__ import annotations

import errno
import os

MOVEFILE_WRITE_THROUGH = 0x8
ERROR_NOT_SAME_DEVICE = 17
_EXISTS = {80, 183}  # ERROR_FILE_EXISTS, ERROR_ALREADY_EXISTS


def move_file_write_through(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
    """Rename ``src`` to ``dst`` on one volume, durably, never replacing ``dst`` (Windows only)."""
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    move = kernel32.MoveFileExW
    move.argtypes = (wintypes.LPCWSTR, wintypes.LPCWSTR, wintypes.DWORD)
    move.restype = wintypes.BOOL
    if move(os.fspath(src), os.fspath(dst), MOVEFILE_WRITE_THROUGH):
        return
    code = ctypes.get_last_error()
    if code == ERROR_NOT_SAME_DEVICE:
        raise OSError(errno.EXDEV, "not on the same volume", os.fspath(src))
    if code in _EXISTS:
        raise FileExistsError(errno.EEXIST, "destination already exists", os.fspath(dst))
    raise ctypes.WinError(code)
