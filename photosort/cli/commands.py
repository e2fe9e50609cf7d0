"""Implementations of the ``photosort`` subcommands (they call the services)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from photosort.cli.errors import CliError


def run(args: argparse.Namespace) -> int:
    handler = _COMMANDS[args.command]
    return handler(args)


def _db(args: argparse.Namespace):
    from photosort.store.db import CatalogError, Database, default_db_path

    path = Path(args.db) if getattr(args, "db", None) else default_db_path()
    try:
        db = Database(path)
    except CatalogError as exc:
        raise CliError(str(exc)) from exc
    _settle_journal(db)
    return db


def _settle_journal(db) -> None:
    """A crash during organize or undo left operations pending: settle them first."""
    from photosort.services.reconcile import reconcile
    from photosort.store.journal import Journal

    if Journal(db).pending():
        for line in reconcile(db).describe():
            print(f"recovered: {line}", file=sys.stderr)


def _settings(args: argparse.Namespace):
    from photosort.services.analyze import AnalyzeSettings

    chosen = {"embedder": args.embedder} if getattr(args, "embedder", None) else {}
    return AnalyzeSettings(min_face_size=args.min_face_size, threshold=args.threshold,
                           max_side=args.max_side, mirror=args.mirror, **chosen)


def _person(db, key: str):
    from photosort.store.people import PeopleStore

    person = PeopleStore(db).find(key)
    if person is None:
        raise CliError(f"no person {key!r}; see `photosort people`")
    return person


def cmd_scan(args: argparse.Namespace) -> int:
    from photosort.cli.missing import retry_note
    from photosort.cli.progress_bar import ProgressBar
    from photosort.services.progress import CancelToken
    from photosort.services.scan import scan

    for p in args.paths:
        if not Path(p).is_dir():
            raise CliError(f"not a folder: {p}")
    db = _db(args)
    bar = ProgressBar()
    cancel = CancelToken()
    try:
        summary = scan(db, args.paths, settings=_settings(args), progress=bar, cancel=cancel,
                       workers=args.workers)
    except KeyboardInterrupt:
        cancel.cancel()
        raise
    finally:
        bar.close()
    print(f"{summary.discovered} photos: {summary.new} new, {summary.moved} moved, "
          f"{summary.changed} changed, {summary.unchanged} unchanged, {summary.returned} back; "
          f"{summary.skipped_files} other files skipped")
    if summary.missing:
        print(f"{summary.missing} photos are missing now; they keep their faces and names "
              "(see `photosort status`, `photosort forget-missing`)")
    print(f"analyzed {summary.analyzed} photos, found {summary.faces_found} faces; "
          f"{summary.people} people; {summary.seconds:.1f} s")
    for path, reason in summary.errors[:20]:
        print(f"  skipped {path}: {reason}  [{retry_note(path in summary.transient)}]")
    if len(summary.errors) > 20:
        print(f"  … and {len(summary.errors) - 20} more (see `photosort status`)")
    if summary.cancelled:
        print("scan interrupted; run it again to resume")
        return 130
    return 0


def cmd_people(args: argparse.Namespace) -> int:
    from photosort.store.people import PeopleStore

    people = PeopleStore(_db(args)).list(include_hidden=args.hidden)
    if args.json:
        print(json.dumps([{"id": p.id, "name": p.name, "display_name": p.display_name,
                           "hidden": p.hidden, "faces": p.face_count, "photos": p.photo_count}
                          for p in people], indent=2, ensure_ascii=False))
        return 0
    if not people:
        print("no people yet; run `photosort scan FOLDER`")
        return 0
    print(f"{'id':>5}  {'photos':>6}  {'faces':>5}  name")
    for p in people:
        print(f"{p.id:>5}  {p.photo_count:>6}  {p.face_count:>5}  {p.display_name}"
              + ("  (hidden)" if p.hidden else ""))
    return 0


def cmd_rename(args: argparse.Namespace) -> int:
    from photosort.services.edits import PeopleEditor

    db = _db(args)
    person = _person(db, args.person)
    if not args.name.strip():
        raise CliError("the new name is empty")
    PeopleEditor(db).rename(person.id, args.name)
    print(f"{person.display_name} is now {args.name.strip()}")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    from photosort.services.edits import PeopleEditor
    from photosort.store.people import PeopleStore

    if len(args.people) < 2:
        raise CliError("merge needs at least two people")
    db = _db(args)
    target, *others = [_person(db, k) for k in args.people]
    PeopleEditor(db).merge(target.id, [p.id for p in others])
    merged = PeopleStore(db).get(target.id)
    print(f"merged {len(others)} into {merged.display_name}: {merged.photo_count} photos")
    return 0


def cmd_hide(args: argparse.Namespace, hidden: bool = True) -> int:
    from photosort.services.edits import PeopleEditor

    db = _db(args)
    person = _person(db, args.person)
    PeopleEditor(db).set_hidden([person.id], hidden)
    print(f"{person.display_name} {'hidden' if hidden else 'shown'}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from photosort.cli.missing import print_problems
    from photosort.store.catalog import PhotoStore

    db = _db(args)
    counts = PhotoStore(db).counts()
    print(f"catalog {db.path}")
    print(", ".join(f"{v} {k}" for k, v in counts.items()))
    print_problems(db)
    return 0


def cmd_forget_missing(args: argparse.Namespace) -> int:
    from photosort.cli.missing import forget

    return forget(_db(args), args)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from photosort.cli.progress_bar import ProgressBar
    from photosort.services.evaluate import evaluate

    if not Path(args.dir).is_dir():
        raise CliError(f"not a folder: {args.dir}")
    bar = ProgressBar()
    try:
        reports = evaluate(Path(args.dir), algorithm=args.algorithm, settings=_settings(args),
                           workers=args.workers, limit=args.limit, progress=bar,
                           effort=args.effort)
    finally:
        bar.close()
    if args.json:
        out = [r.as_dict() for r in reports]
        print(json.dumps(out[0] if len(out) == 1 else out, indent=2))
    else:
        for r in reports:
            print(r.format())
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    try:
        from photosort.gui.app import main as gui_main
    except ImportError as exc:
        raise CliError(f"the desktop app is not available: {exc}") from exc
    argv = []
    if getattr(args, "db", None):
        argv += ["--db", args.db]
    if args.command == "sort":
        argv += ["--sort", args.path]
    elif args.path:
        argv += [args.path]
    return gui_main(argv)


def cmd_self_test(args: argparse.Namespace) -> int:
    from photosort.services.selftest import run_self_test

    if args.clustering:
        from photosort.services.selftest_numba import run_clustering_check

        return run_clustering_check(args.clustering, out=sys.stdout)
    return run_self_test(out=sys.stdout)


def cmd_organize(args: argparse.Namespace) -> int:
    from photosort.cli.organize import organize

    return organize(_db(args), args)


def cmd_undo(args: argparse.Namespace) -> int:
    from photosort.cli.organize import undo

    return undo(_db(args), args)


def cmd_write_tags(args: argparse.Namespace) -> int:
    from photosort.cli.write_tags import main

    return main(_db(args), args)


_COMMANDS = {
    "scan": cmd_scan, "people": cmd_people, "rename": cmd_rename, "merge": cmd_merge,
    "hide": cmd_hide, "unhide": lambda a: cmd_hide(a, hidden=False), "status": cmd_status,
    "evaluate": cmd_evaluate, "gui": cmd_gui, "sort": cmd_gui, "self-test": cmd_self_test,
    "organize": cmd_organize, "undo": cmd_undo, "forget-missing": cmd_forget_missing,
    "write-tags": cmd_write_tags,
}
