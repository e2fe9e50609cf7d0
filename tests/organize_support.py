"""Helpers for the organize, undo and journal tests: real catalogs and real files.

A :class:`Library` writes photo files (random bytes: the organizer never
decodes them) into a temporary folder and records them in a real SQLite
catalog with faces and people. The photo rows hold what a scan stores (size,
mtime, the scan's own BLAKE2b-128 ``content_hash``); the faces have boxes
but no landmarks or embeddings, which organizing never reads.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from photosort.media.hashing import content_hash
from photosort.store.db import Database

SIZES = (3_000, 9_000, 17_000)
"""File sizes: some span several 4 KiB copy chunks, so a copy can be killed half-way."""


class Library:
    """A photo folder plus its catalog."""

    def __init__(self, db_path: Path, root: Path, *, seed: int = 7) -> None:
        self.db_path = db_path
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.db = Database(db_path)
        self.rng = random.Random(seed)
        with self.db.transaction() as c:
            c.execute("INSERT INTO roots (path, added_at) VALUES (?, ?)", (str(root), time.time()))

    def person(self, name: str | None, *, hidden: bool = False) -> int:
        with self.db.transaction() as c:
            cur = c.execute("INSERT INTO people (name, hidden, created_at) VALUES (?, ?, ?)",
                            (name, int(hidden), time.time()))
            return int(cur.lastrowid)

    def photo(self, rel: str, people: list[tuple[int | None, float]] = (), *,
              content: bytes | None = None, size: int | None = None, status: str = "done",
              mtime_ns: int | None = None) -> int:
        """Write a file and catalog it; ``people`` lists ``(person id or None, face side)``.

        Without ``content``, the bytes are random (seeded: the same on every build).
        """
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            content = self.rng.randbytes(size or self.rng.choice(SIZES))
        path.write_bytes(content)
        if mtime_ns is None:
            mtime_ns = 1_600_000_000_000_000_000 + self.rng.randrange(10**15)
        os.utime(path, ns=(mtime_ns, mtime_ns))
        st = path.stat()
        with self.db.transaction() as c:
            photo_id = int(c.execute(
                "INSERT INTO photos (path, size, mtime_ns, content_hash, status) VALUES (?, ?, ?, ?, ?)",
                (str(path), st.st_size, st.st_mtime_ns, content_hash(path), status),
            ).lastrowid)
            for person_id, side in people:
                face_id = int(c.execute(
                    "INSERT INTO faces (photo_id, x1, y1, x2, y2, landmarks, score)"
                    " VALUES (?, 0, 0, ?, ?, ?, 0.99)", (photo_id, side, side, bytes(40))).lastrowid)
                if person_id is not None:
                    c.execute("INSERT INTO face_person (face_id, person_id, source, confirmed)"
                              " VALUES (?, ?, 'user', 1)", (face_id, person_id))
        return photo_id

    def path_of(self, photo_id: int) -> Path:
        return Path(self.db.query("SELECT path FROM photos WHERE id = ?", (photo_id,))[0]["path"])

    def close(self) -> None:
        self.db.close()


def tree(root: Path) -> dict[str, tuple]:
    """Every file and folder under ``root``: relative path -> (kind, content hash or None, mtime_ns)."""
    result: dict[str, tuple] = {}
    if not root.exists():
        return result
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            path = Path(folder) / name
            result[str(path.relative_to(root))] = ("dir", None, path.stat().st_mtime_ns)
        for name in files:
            path = Path(folder) / name
            digest = content_hash(path)
            result[str(path.relative_to(root))] = ("file", digest, path.stat().st_mtime_ns)
    return result


def files_by_content(*roots: Path) -> dict[str, list[Path]]:
    """Content hash -> every file holding those bytes under ``roots``."""
    found: dict[str, list[Path]] = {}
    for root in dict.fromkeys(roots):
        for folder, _, files in os.walk(root):
            for name in files:
                path = Path(folder) / name
                found.setdefault(content_hash(path), []).append(path)
    return found


def temp_leftovers(*roots: Path) -> list[Path]:
    """Any ``.photosort-tmp-*`` file under ``roots``."""
    return [Path(folder) / name for root in dict.fromkeys(roots) for folder, _, files in os.walk(root)
            for name in files if name.startswith(".photosort-tmp-")]


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Really forbid creating, renaming or deleting entries in ``folder``.

    ``chmod`` for ordinary users; root ignores permissions, so there the
    folder is made immutable (``chattr +i``). Skips only where neither works.
    """
    if os.geteuid() != 0:
        mode = folder.stat().st_mode
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(mode)
        return
    if shutil.which("chattr") is None or subprocess.run(
            ["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("running as root on a file system without chattr +i: cannot make a read-only folder")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
