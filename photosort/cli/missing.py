"""``photosort forget-missing`` and the retry/missing parts of ``photosort status``."""

from __future__ import annotations

import argparse
import sys

from photosort.cli.main import CliError


def retry_note(transient: bool) -> str:
    """How a failed photo will be retried, for the error lists."""
    return ("temporary: retried on the next scan" if transient
            else "permanent: retried when the file changes")


def print_problems(db) -> None:
    """The photos that could not be read (and whether they are retried) and the missing ones."""
    from photosort.store.catalog import PhotoStore

    rows = db.query("SELECT path, error, error_kind FROM photos WHERE status = 'error'"
                    " AND missing_since IS NULL ORDER BY path")
    if rows:
        print(f"{len(rows)} photos could not be read:")
    for row in rows:
        print(f"  {row['path']}: {row['error']}  [{retry_note(row['error_kind'] == 'transient')}]")
    missing = PhotoStore(db).missing()
    if missing:
        print(f"{len(missing)} photos are missing (not found when their folder was last scanned; "
              "they keep their faces and names, `photosort forget-missing` removes them):")
    for photo in missing:
        print(f"  missing {photo.path}")


def forget(db, args: argparse.Namespace) -> int:
    """Remove the missing photos after showing what goes; asks, or needs ``--yes``."""
    from photosort.cli.organize import ask
    from photosort.services.missing import forget_missing, missing_summary

    found = missing_summary(db)
    if not found.photos:
        print("no missing photos")
        return 0
    print(found.describe())
    if not args.yes:
        if sys.stdin is None or not sys.stdin.isatty():
            raise CliError("not forgetting anything without a terminal to ask; add --yes")
        if not ask(f"Forget these {found.photos} photos?"):
            print("nothing was changed")
            return 0
    print(f"forgot {forget_missing(db, found.ids)} missing photos")
    return 0
