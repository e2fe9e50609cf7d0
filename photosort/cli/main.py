"""The ``photosort`` command line: argument parsing and dispatch.

Nothing heavy is imported here, so ``photosort --help`` starts in a blink;
each command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from photosort import __version__
from photosort.cli.errors import CliError
from photosort.core import defaults


def _add_db(parser: argparse.ArgumentParser, default) -> None:
    parser.add_argument("--db", metavar="FILE", default=default,
                        help="catalog file (default: in the user data folder, or $PHOTOSORT_HOME)")


def _analysis_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: cores)")
    p.add_argument("--min-face-size", type=int, default=defaults.MIN_FACE_SIZE,
                   help="smallest face in pixels of the working image (default %(default)s)")
    p.add_argument("--threshold", type=float, default=defaults.THRESHOLD,
                   help="face probability threshold (default %(default)s)")
    p.add_argument("--max-side", type=int, default=defaults.MAX_SIDE,
                   help="working image size for detection (default %(default)s)")
    p.add_argument("--no-mirror", dest="mirror", action="store_false",
                   help="one descriptor per face instead of averaging it with its mirror image's: "
                        "embedding twice as fast, grouping slightly less accurate")
    p.add_argument("--embedder", default=None, choices=("dlib-resnet-v1", "hse-faceres"),
                   help="face descriptor model (default: the recommended one; a change re-analyses "
                        "every photo once and keeps names and corrections)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="photosort", description="Sort a photo library by the people in it — locally.")
    parser.add_argument("--version", action="version", version=f"photosort {__version__}")
    _add_db(parser, None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def cmd(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        _add_db(p, argparse.SUPPRESS)
        return p

    p = cmd("scan", "find photos, detect and embed faces, group them into people")
    p.add_argument("paths", nargs="+", metavar="PATH")
    _analysis_options(p)
    p = cmd("people", "list the people found")
    p.add_argument("--json", action="store_true")
    p.add_argument("--hidden", action="store_true", help="include hidden people")
    p = cmd("rename", "name a person")
    p.add_argument("person", metavar="PERSON", help="id, 'Unnamed N' or current name")
    p.add_argument("name", metavar="NAME")
    p = cmd("merge", "merge people into the first one")
    p.add_argument("people", nargs="+", metavar="PERSON")
    for verb in ("hide", "unhide"):
        p = cmd(verb, f"{verb} a person")
        p.add_argument("person", metavar="PERSON")
    cmd("status", "catalog counts, photos that could not be read and missing photos")
    p = cmd("forget-missing", "remove missing photos (and their faces and names) from the catalog")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p = cmd("evaluate", "score the pipeline on DIR (one folder per person)")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--json", action="store_true")
    p.add_argument("--algorithm", default="hdbscan",
                   choices=["hdbscan", "agglomerative", "kmeans", "dbscan", "all"])
    p.add_argument("--limit", type=int, default=None, help="use only the first N people folders")
    p.add_argument("--effort", action="store_true",
                   help="count the clicks a user needs to a perfect library, with and without review")
    _analysis_options(p)
    p = cmd("organize", "move or copy photos into per-person folders")
    p.add_argument("dest", metavar="DEST")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--move", dest="mode", action="store_const", const="move")
    mode.add_argument("--copy", dest="mode", action="store_const", const="copy")
    p.add_argument("--dry-run", action="store_true", help="show the plan, touch nothing")
    p.add_argument("--group-photos", default="copy", choices=["copy", "together", "largest"])
    p.add_argument("--unsorted", default="leave", choices=["leave", "move"])
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p.add_argument("--write-tags", action="store_true",
                   help="also write names into the photos' metadata (XMP sidecars), first")
    cmd("undo", "reverse the last organize batch")
    p = cmd("write-tags", "write the names of people into XMP (sidecars; --embedded: into the photos)")
    p.add_argument("people", nargs="*", metavar="PERSON", help="only these people (default: everyone named)")
    p.add_argument("--embedded", action="store_true",
                   help="write into JPEG/TIFF/PNG/WebP files themselves (undo with `photosort undo`)")
    p = cmd("gui", "open the desktop app")
    p.add_argument("path", nargs="?", metavar="PATH")
    p = cmd("sort", "open the desktop app on a folder and start sorting it")
    p.add_argument("path", metavar="PATH")
    p = cmd("self-test", "load the models and check that detection and embedding work")
    p.add_argument("--clustering", type=int, metavar="N", default=None,
                   help="instead: cluster N synthetic faces with fast_hdbscan and report the numba cache")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:  # a double-click or a bare `photosort` opens the app
        args.command, args.path = "gui", None
    from photosort.cli import commands

    try:
        return int(commands.run(args) or 0)
    except KeyboardInterrupt:
        print("photosort: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    except CliError as exc:
        print(f"photosort: {exc}", file=sys.stderr)
        return 1
    except (FileNotFoundError, NotADirectoryError, PermissionError) as exc:
        print(f"photosort: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
