"""Sending exact duplicates found while organizing to the trash, on the user's confirmed request.

In move mode a photo whose bytes already sit at its destination is left in
place and listed in ``plan.duplicates`` / ``summary.duplicates``. Only when
the user asks (and has confirmed) does :func:`trash_duplicates` send those
sources to the system trash with send2trash: nothing is ever deleted outright.
The catalog keeps the photo's faces and names by following it to the
identical file, unless that file is a catalog photo of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from photosort.core.plan_types import Skipped
from photosort.services.fileops import describe_error, same_content
from photosort.store.db import Database


@dataclass
class TrashSummary:
    """Sources sent to the trash, and the ones kept with the reason."""

    trashed: list[str] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)


def trash_duplicates(db: Database, duplicates: Iterable[Skipped]) -> TrashSummary:
    """Trash each duplicate source that is still byte-identical to its twin. Call only after confirmation."""
    from send2trash import send2trash

    summary = TrashSummary()
    for dup in duplicates:
        if dup.other is None or not same_content(dup.path, dup.other):
            summary.kept.append((str(dup.path), "no longer identical to the file at the destination"))
            continue
        try:
            send2trash(str(dup.path))
        except OSError as exc:
            summary.kept.append((str(dup.path), describe_error(exc)))
            continue
        with db.transaction() as c:
            if c.execute("SELECT 1 FROM photos WHERE path_key = photosort_path_key(?)",
                         (str(dup.other),)).fetchone():
                c.execute("DELETE FROM photos WHERE id = ? AND path_key = photosort_path_key(?)",
                          (dup.photo_id, str(dup.path)))
            else:
                c.execute("UPDATE photos SET path = ? WHERE id = ? AND path_key = photosort_path_key(?)",
                          (str(dup.other), dup.photo_id, str(dup.path)))
        summary.trashed.append(str(dup.path))
    return summary
