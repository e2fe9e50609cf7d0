"""The command line's one user-facing error type, in a module of its own.

``main`` (which catches it) and the commands (which raise it) both import it
from here, so it is one class even under ``python -m photosort.cli.main``,
where ``main`` runs as ``__main__`` and a second copy of it is imported.
"""

from __future__ import annotations


class CliError(Exception):
    """A user-facing failure: printed as one line, exit code 1."""
