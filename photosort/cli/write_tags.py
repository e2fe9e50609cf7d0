"""``photosort write-tags`` and organize's ``--write-tags``: names into XMP, with a report."""

from __future__ import annotations

import argparse

from photosort.cli.errors import CliError
from photosort.cli.organize import run_journaled


def main(db, args: argparse.Namespace) -> int:
    from photosort.services.tags import write_tags

    try:
        summary = run_journaled(lambda bar: write_tags(db, args.people or None,
                                                       embedded=args.embedded, progress=bar))
    except KeyError as exc:
        raise CliError(exc.args[0]) from exc
    for line in summary.describe():
        print(line)
    if summary.batch_id is not None:
        print("the photos were rewritten; undo with `photosort undo`")
    return 1 if summary.failed else 0


def write_for_plan(db, plan) -> None:
    """Sidecars for the photos an organize plan moves, written before they move (so they go along)."""
    from photosort.services.tags import write_tags

    summary = write_tags(db, photo_ids={op.photo_id for op in plan.ops})
    print(summary.describe()[-1].replace("Total:", "Tags:"))
    for path, why in summary.failed:
        print(f"  tags not written for {path}: {why}")
