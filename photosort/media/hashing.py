"""A fast content fingerprint, used to recognise photos that were moved or renamed.

One digest for the whole app: the scan stores it as a photo's ``content_hash``
and organize (``services.fileops``) verifies its copies with it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from photosort.media.errors import file_error

DIGEST_SIZE = 16  # 128-bit BLAKE2b: 32 hex characters, ample for telling files apart


def new_digest() -> "hashlib._Hash":
    """An empty BLAKE2b-128 hash object, for data hashed while it streams past."""
    return hashlib.blake2b(digest_size=DIGEST_SIZE)


def file_digest(path: Path | str) -> str:
    """Hex BLAKE2b-128 of the file's bytes (``hashlib.file_digest``); ``OSError`` as raised."""
    with open(path, "rb", buffering=0) as f:
        return hashlib.file_digest(f, new_digest).hexdigest()


def content_hash(path: Path | str) -> str:
    """:func:`file_digest`, for photos being catalogued.

    Raises ``ImageError`` (kind MISSING, PERMISSION or IO) if the file cannot be read.
    """
    try:
        return file_digest(path)
    except OSError as exc:
        raise file_error(Path(path), exc) from exc
