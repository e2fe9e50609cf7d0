"""The desktop app's command line: ``[PATH]``, ``--sort PATH``, ``--db FILE``.

A module of its own (no Qt), used by :mod:`photosort.gui.app` at start-up and
by the window when a second launch forwards its arguments.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class Options:
    """What the command line asks for."""

    folder: str | None = None
    sort: bool = False
    db: str | None = None


def parse_args(argv: Sequence[str]) -> Options:
    """Parse ``[PATH]``, ``--sort PATH`` and ``--db FILE``; unknown (Qt) options are ignored."""
    from photosort.system.paths import folder_from_argument

    parser = argparse.ArgumentParser(prog="photosort gui", add_help=False)
    parser.add_argument("--db")
    parser.add_argument("--sort", metavar="PATH")
    parser.add_argument("path", nargs="?")
    ns, _rest = parser.parse_known_args(list(argv))
    raw = ns.sort or ns.path
    folder = None
    if raw and raw.strip():
        folder = os.path.abspath(str(folder_from_argument(raw)))
    return Options(folder=folder, sort=bool(ns.sort), db=ns.db)


def forwarded(options: Options) -> list[str]:
    """The arguments a second launch sends to the first (absolute paths)."""
    if not options.folder:
        return []
    return ["--sort", options.folder] if options.sort else [options.folder]
