"""A fast content fingerprint, used to recognise photos that were moved or renamed."""

from __future__ import annotations

import hashlib
from pathlib import Path

from photosort.media.errors import file_error

CHUNK_SIZE = 1 << 20  # 1 MiB
DIGEST_SIZE = 16  # 128-bit BLAKE2b: 32 hex characters, ample for telling files apart


def content_hash(path: Path | str) -> str:
    """Hex BLAKE2b-128 of the file's bytes, read in 1 MiB chunks.

    Raises ``ImageError`` (kind MISSING, PERMISSION or IO) if the file cannot be read.
    """
    digest = hashlib.blake2b(digest_size=DIGEST_SIZE)
    buffer = bytearray(CHUNK_SIZE)
    view = memoryview(buffer)
    try:
        with open(path, "rb", buffering=0) as f:
            while count := f.readinto(buffer):
                digest.update(view[:count])
    except OSError as exc:
        raise file_error(Path(path), exc) from exc
    return digest.hexdigest()
