"""The face-thumbnail disk cache: one JPEG per face crop, pruned to a byte budget.

A file is named after what it shows — the photo's content hash and the face
box — not after the face's id, so a re-analysis that gives a face a new id
(same photo, same box) finds its thumbnail again instead of orphaning it.
Reading a file touches its mtime, so pruning removes the least recently used
files first (atime is often off). The cache folder carries a ``VERSION``
file: files written under another naming scheme can never be found again,
so a version change moves the folder aside and deletes it in the background.

The budget (:data:`DISK_BYTES`, 512 MiB) holds ≈ 40,000 faces at ~13 KB each —
every face a user scrolls through in a session of a large library — while
400,000 faces would otherwise take ~5 GB next to the catalog.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from pathlib import Path

DISK_BYTES = 512 * 1024 * 1024
PRUNE_TO = 0.8  # prune down to this share of the budget, so pruning is rare
VERSION = "2"  # 1: files named after face id + hash + box (orphaned by re-analysis)


def face_key(content_hash: str | None, path: str, box: tuple[float, float, float, float]) -> str:
    """The name of a face's thumbnail: its photo's content (or path if unhashed) and box."""
    x1, y1, x2, y2 = box
    source = content_hash or f"path:{path}"
    raw = f"{source}:{x1:.0f},{y1:.0f},{x2:.0f},{y2:.0f}"
    return hashlib.sha1(raw.encode()).hexdigest()[:24]


class DiskCache:
    """Thumbnail files under ``folder``, at most ``budget`` bytes (least recently used go)."""

    def __init__(self, folder: str | os.PathLike[str], budget: int = DISK_BYTES) -> None:
        self.folder = Path(folder)
        self.budget = budget
        self._lock = threading.Lock()
        self._written = 0  # bytes written since the last prune (or the start)
        self._total: int | None = None  # bytes on disk as of the last prune

    def file_for(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.jpg"

    def read(self, key: str) -> bytes | None:
        """The file's bytes (and it becomes the most recently used), or ``None``."""
        path = self.file_for(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        try:
            os.utime(path)
        except OSError:
            pass  # a read-only cache only loses its LRU order
        return data

    def write(self, key: str, data: bytes) -> None:
        path = self.file_for(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError:
            return  # a read-only cache only costs speed
        with self._lock:
            self._written += len(data)
            due = self._total is None or self._total + self._written > self.budget
        if due:
            self.prune()

    def prune(self) -> int:
        """Delete least recently used files until the folder is within budget; bytes freed."""
        with self._lock:
            self._written = 0
        files = []
        for sub in _scandir(self.folder):
            if sub.is_dir(follow_symlinks=False):
                for entry in _scandir(Path(sub.path)):
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    files.append((st.st_mtime_ns, st.st_size, entry.path))
        total = sum(size for _, size, _ in files)
        freed = 0
        if total > self.budget:
            files.sort()
            goal = total - int(self.budget * PRUNE_TO)
            for _, size, path in files:
                if freed >= goal:
                    break
                try:
                    os.remove(path)
                    freed += size
                except OSError:
                    pass
        with self._lock:
            self._total = total - freed
        return freed

    def check_version(self) -> Path | None:
        """Move the folder aside if its files were named under another scheme (they can never
        be found again); returns the moved folder, for :meth:`start_maintenance` to delete."""
        marker = self.folder / "VERSION"
        try:
            if marker.read_text().strip() == VERSION:
                return None
        except OSError:
            pass
        old = None
        if self.folder.is_dir() and any(_scandir(self.folder)):
            old = self.folder.with_name(f"{self.folder.name}.old-{os.getpid()}")
            try:
                os.replace(self.folder, old)
            except OSError:
                old = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            marker.write_text(VERSION + "\n")
        except OSError:
            pass
        return old

    def start_maintenance(self) -> threading.Thread:
        """The version check now; deleting old files and a first prune in the background."""
        old = self.check_version()

        def run() -> None:
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
            self.prune()

        thread = threading.Thread(target=run, name="thumbnail-prune", daemon=True)
        thread.start()
        return thread


def _scandir(folder: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as it:
            return list(it)
    except OSError:
        return []
