"""``photosort organize`` and ``photosort undo``: preview, confirm, run, report."""

from __future__ import annotations

import argparse
import sys

from photosort.cli.errors import CliError
from photosort.cli.progress_bar import ProgressBar


def ask(question: str) -> bool:
    """A yes/no question on the terminal; ``False`` without one."""
    if sys.stdin is None or not sys.stdin.isatty():
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def run_journaled(call):
    """``call(progress)`` under a progress bar; another organize or undo running is a CliError."""
    from photosort.store.journal import JournalBusy

    bar = ProgressBar()
    try:
        return call(bar)
    except JournalBusy as exc:
        raise CliError(f"another organize or undo is running on this catalog ({exc})") from exc
    finally:
        bar.close()


def organize(db, args: argparse.Namespace) -> int:
    from photosort.core.planning import DEFAULT_MODE
    from photosort.services.duplicates import trash_duplicates
    from photosort.services.organize import execute_plan, plan_organize

    mode = args.mode or DEFAULT_MODE
    plan = plan_organize(db, args.dest, mode=mode, group_photos=args.group_photos,
                         unsorted=args.unsorted)
    for line in plan.describe():
        print(line)
    if args.dry_run or not plan.ops:
        return 0
    interactive = sys.stdin is not None and sys.stdin.isatty()
    moves = sum(op.kind == "move" for op in plan.ops)
    if moves and not interactive and not args.yes:
        raise CliError(f"not moving {moves} photos without a terminal to confirm; "
                       "add --yes to move them, or use --copy")
    if interactive and not args.yes and not ask(f"Carry out these {len(plan.ops)} operations?"):
        print("nothing was changed")
        return 0
    if getattr(args, "write_tags", False):
        from photosort.cli.write_tags import write_for_plan

        write_for_plan(db, plan)
        plan = plan_organize(db, args.dest, mode=mode, group_photos=args.group_photos,
                             unsorted=args.unsorted)  # again: the new sidecars move along
    summary = run_journaled(lambda bar: execute_plan(db, plan, progress=bar))
    counts = summary.counts
    print(", ".join(f"{n} {what}" for what, n in counts.items() if n) or "nothing to do")
    for op, reason in summary.failed:
        print(f"  failed {op.src}: {reason}")
    duplicates = list(plan.duplicates) + list(summary.duplicates)
    if duplicates and plan.mode == "move":
        print(f"{len(duplicates)} photos already have an identical copy at their destination "
              "and were left in place")
        if interactive and ask("Move those duplicates to the recycle bin?"):
            trashed = trash_duplicates(db, duplicates)
            print(f"{len(trashed.trashed)} sent to the recycle bin, {len(trashed.kept)} kept")
    print("undo with `photosort undo`")
    return 1 if summary.failed else 0


def undo(db, args: argparse.Namespace) -> int:
    from photosort.services.undo import undo_last

    summary = run_journaled(lambda bar: undo_last(db, progress=bar))
    for line in summary.describe():
        print(line)
    return 1 if summary.failed else 0
