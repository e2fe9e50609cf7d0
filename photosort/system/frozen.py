"""Settings the frozen (PyInstaller) executables make before anything is imported.

The numba cache.  fast_hdbscan (the clustering backend from 50k faces on)
is numba code compiled on first use (71-95 s) and cached (``cache=True``).
Numba looks for a writable cache folder beside the module's source, in
``NUMBA_CACHE_DIR``, or in its own per-user folder; in a frozen app the
source folder is the installation (not the user's, and the uninstaller would
leave the cache behind).  So the frozen app points ``NUMBA_CACHE_DIR`` at
PhotoSort's per-user cache folder, one subfolder per executable: numba
stamps a frozen app's cache entries with the executable itself, so the
windowed and the console executable would otherwise invalidate each
other's entries.  A ``NUMBA_CACHE_DIR`` the user set is kept.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from pathlib import Path


def numba_cache_dir(executable: str) -> Path:
    """The per-user numba cache folder of one frozen executable."""
    from platformdirs import user_cache_path

    return user_cache_path("PhotoSort", appauthor=False) / "numba" / Path(executable).stem.lower()


def configure_frozen_environment(
    environ: MutableMapping[str, str] = os.environ,
    frozen: bool | None = None,
    executable: str = sys.executable,
) -> None:
    """Set ``NUMBA_CACHE_DIR`` for a frozen executable (a no-op from source)."""
    if frozen is None:
        frozen = bool(getattr(sys, "frozen", False))
    if frozen and not environ.get("NUMBA_CACHE_DIR"):
        folder = numba_cache_dir(executable)
        folder.mkdir(parents=True, exist_ok=True)
        environ["NUMBA_CACHE_DIR"] = str(folder)
