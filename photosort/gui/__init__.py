"""The desktop app (PySide6): welcome screen, People view, person pages, photo viewer, map.

Importing the package first guards against PySide6 6.12's reference-count
bug on Python 3.11 (see :mod:`photosort.gui.qtcompat`).
"""

from photosort.gui import qtcompat  # noqa: F401  (the guard runs on import)
