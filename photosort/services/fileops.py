"""Safe file primitives for organize and undo: never overwrite, verify copies, clean up.

A move on one volume is an atomic no-replace rename (a hard link then an
unlink of the source on POSIX, where ``rename`` would silently overwrite).
Across volumes, and for every copy, the bytes go to a temporary file in the
destination folder named ``.photosort-tmp-<operation id>-<name>``; it is
fsynced, its size and hash verified, its timestamps set from the source and
only then renamed into place (a move deletes the source last). A crash
therefore leaves at most a recognisable temporary file, never a partial
photo under a real name.

Durability: the caller commits the journal's pending row (``synchronous=FULL``)
before calling here; each file written is fsynced before it gets its real
name, and each folder whose entries changed is fsynced before the method
returns (so the journal's ``done`` row never describes a rename a power cut
could still undo). On Windows, where a folder cannot be fsynced, renames go
through ``MoveFileExW(MOVEFILE_WRITE_THROUGH)`` (:mod:`photosort.services.winfs`).

:class:`FileOps` calls :meth:`FileOps.checkpoint` at each step: the
fault-injection tests pass a ``hook`` that kills the process there.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

from photosort.media.hashing import file_digest, new_digest

OUTPUT_MARKER = ".photosort-output"
"""Equal to :data:`photosort.media.discover.OUTPUT_MARKER` (a test checks it); defined
here too because importing :mod:`photosort.media` loads Pillow and numpy, which the
file operations (and their fault-injection subprocesses) do not need."""
TMP_PREFIX = ".photosort-tmp-"
MARKER_TEXT = ("This folder was created by PhotoSort to hold organized photos.\n"
               "PhotoSort scans skip folders that contain this file.\n")
_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK,
                  getattr(errno, "ENOSYS", errno.EPERM), errno.EINVAL}
_LOCK_WINERRORS = {32, 33}  # ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION
_LINK_OPTIONS = {"follow_symlinks": False} if os.link in os.supports_follow_symlinks else {}


class VerifyError(OSError):
    """A copy did not match its source (or the source changed while copying)."""


def temp_path(op_id: int, dst: Path) -> Path:
    """The temporary file for operation ``op_id`` writing ``dst`` (same folder, name ≤ 255 bytes)."""
    prefix = f"{TMP_PREFIX}{op_id}-"
    name = dst.name
    while len((prefix + name).encode("utf-8", "surrogateescape")) > 255:
        name = name[1:]
    return dst.parent / (prefix + name)


def describe_error(exc: OSError) -> str:
    """A short, user-facing reason for a failed file operation."""
    code = exc.errno
    if getattr(exc, "winerror", None) in _LOCK_WINERRORS:
        reason = "file is in use by another program"
    elif isinstance(exc, VerifyError):
        reason = exc.strerror or str(exc)
    elif isinstance(exc, FileNotFoundError):
        reason = "not found"
    elif code in (errno.EACCES, errno.EPERM):
        reason = "permission denied"
    elif code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        reason = "disk full"
    elif code == errno.EROFS:
        reason = "read-only destination"
    elif code == errno.EFBIG:
        reason = "file too large for the destination"
    elif code == errno.ENAMETOOLONG:
        reason = "name too long"
    elif isinstance(exc, FileExistsError):
        reason = "destination already exists"
    else:
        reason = exc.strerror or str(exc)
    return f"{reason}: {exc.filename}" if exc.filename else reason


def same_content(a: Path, b: Path, chunk_size: int = 1 << 20) -> bool:
    """Whether two regular files hold the same bytes (``False`` if either is unreadable)."""
    try:
        if os.path.getsize(a) != os.path.getsize(b):
            return False
        with open(a, "rb") as fa, open(b, "rb") as fb:
            while True:
                ca, cb = fa.read(chunk_size), fb.read(chunk_size)
                if ca != cb:
                    return False
                if not ca:
                    return True
    except OSError:
        return False


def rename_noreplace(src: Path, dst: Path, between: Callable[[str], None] | None = None) -> None:
    """Rename ``src`` to ``dst`` on one volume, failing with ``FileExistsError`` if ``dst`` exists.

    ``between`` is called (with ``"linked"``) while both names exist, for the fault tests.
    """
    if os.name == "nt":
        from photosort.services.winfs import move_file_write_through

        move_file_write_through(src, dst)  # never replaces; returns once the rename is on disk
        return
    try:
        os.link(src, dst, **_LINK_OPTIONS)  # a symbolic link is moved, not its target
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
        if os.path.lexists(dst):  # no hard links here (FAT, some shares): check, then rename
            raise FileExistsError(errno.EEXIST, "destination already exists", str(dst)) from exc
        os.rename(src, dst)
        _fsync_folders(src, dst)
        return
    if between is not None:
        between("linked")
    try:
        os.unlink(src)
    except OSError:
        os.unlink(dst)
        raise
    _fsync_folders(src, dst)


def _fsync_folders(src: Path, dst: Path) -> None:
    # The rename is durable only once both folders are: the destination's (the new
    # name) and the source's (the old name gone), else a power cut may bring back both
    # names or neither after the journal said "done".
    fsync_dir(Path(dst).parent)
    if Path(src).parent != Path(dst).parent:
        fsync_dir(Path(src).parent)


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; a no-op where folders cannot be opened)."""
    if os.name == "nt":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class FileOps:
    """The file operations of organize and undo, with a checkpoint hook for fault tests.

    ``force_cross_device`` makes every move take the copy-verify-delete path,
    as if source and destination were on different volumes.
    """

    def __init__(self, *, hook: Callable[[str], None] | None = None,
                 force_cross_device: bool = False, chunk_size: int = 1 << 20) -> None:
        self.hook = hook
        self.force_cross_device = force_cross_device
        self.chunk_size = chunk_size

    def checkpoint(self, step: str) -> None:
        """A journal step was reached: ``pending``, ``linked``, ``moved``, ``copy-partial``,
        ``temp-written``, ``placed``, ``source-removed``, ``applied`` or ``done``."""
        if self.hook is not None:
            self.hook(step)

    def move(self, src: Path, dst: Path, op_id: int) -> None:
        """Move a file without ever overwriting; across volumes via a verified copy."""
        try:
            if self.force_cross_device:
                raise OSError(errno.EXDEV, "cross-device move (forced)", str(src))
            rename_noreplace(src, dst, self.checkpoint)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
        else:
            self.checkpoint("moved")
            return
        self.copy(src, dst, op_id)  # returns with the copy and its name durable
        try:
            os.unlink(src)
        except OSError:
            os.unlink(dst)  # keep exactly one file: the verified copy goes again
            raise
        fsync_dir(src.parent)  # the source's removal durable before the journal says "done"
        self.checkpoint("source-removed")

    def copy(self, src: Path, dst: Path, op_id: int) -> None:
        """Copy via a verified temporary file, keeping the source's timestamps."""
        tmp = temp_path(op_id, dst)
        try:
            before = os.stat(src)
            digest = self._write_temp(src, tmp, before.st_size)
            after = os.stat(src)
            if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
                raise VerifyError(errno.EIO, "source changed while copying", str(src))
            if os.stat(tmp).st_size != before.st_size or file_digest(tmp) != digest:
                raise VerifyError(errno.EIO, "copy does not match the source", str(src))
            try:
                shutil.copystat(src, tmp)
            except OSError:
                os.utime(tmp, ns=(before.st_atime_ns, before.st_mtime_ns))
            self.checkpoint("temp-written")
            rename_noreplace(tmp, dst)  # fsyncs the folder: the real name is durable
        except BaseException:
            remove_temp(tmp)
            raise
        self.checkpoint("placed")

    def _write_temp(self, src: Path, tmp: Path, size: int) -> str:
        digest = new_digest()
        written = 0
        with open(src, "rb") as fin, open(tmp, "xb") as fout:
            while chunk := fin.read(self.chunk_size):
                fout.write(chunk)
                digest.update(chunk)
                written += len(chunk)
                if written == len(chunk) and written < size:
                    fout.flush()
                    self.checkpoint("copy-partial")
            fout.flush()
            # The bytes must be on disk before the temporary file is renamed to its real
            # name: otherwise a power cut could leave a real name on an empty or partial file.
            os.fsync(fout.fileno())
        return digest.hexdigest()

    def make_dir(self, folder: Path) -> None:
        os.mkdir(folder)
        fsync_dir(folder.parent)  # the new folder survives a power cut: files are renamed into it

    def write_marker(self, dest: Path) -> None:
        with open(dest / OUTPUT_MARKER, "x", encoding="utf-8") as handle:
            handle.write(MARKER_TEXT)
            handle.flush()
            os.fsync(handle.fileno())  # the marker's text, so scans keep skipping the output
        fsync_dir(dest)  # and its name, before the journal records it as written

    def remove_file(self, path: Path) -> None:
        os.unlink(path)
        fsync_dir(path.parent)  # the removal durable before the journal records it

    def remove_dir(self, folder: Path) -> None:
        os.rmdir(folder)
        fsync_dir(folder.parent)  # the removal durable before the journal records it


def remove_temp(tmp: Path) -> bool:
    """Delete a temporary file of ours if it exists; whether one was removed."""
    try:
        os.unlink(tmp)
    except OSError:
        return False
    return True


class DiskProbe:
    """Answers the planner's questions from the real file system."""

    def entries(self, folder: Path) -> dict[str, int | None]:
        try:
            with os.scandir(folder) as it:
                return {e.name: _entry_size(e) for e in it}
        except OSError:
            return {}

    def size(self, path: Path) -> int | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        return st.st_size if stat.S_ISREG(st.st_mode) else None

    def same_content(self, a: Path, b: Path) -> bool:
        return same_content(a, b)


def _entry_size(entry: os.DirEntry[str]) -> int | None:
    try:
        return entry.stat().st_size if entry.is_file() else None
    except OSError:
        return None
