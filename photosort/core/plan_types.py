"""The organize plan: planned operations, skipped photos, renames, and how they read.

Both the dry run (:meth:`OrganizePlan.describe`) and the report after a real
run render through :func:`render_lines`, so the two can be compared line by
line: when nothing changed in between, they are equal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

SKIP_IN_PLACE = "already in place"
SKIP_PRESENT = "identical file already there"
SKIP_NO_PEOPLE = "only unnamed or hidden people"
SKIP_NO_FACES = "no faces"
SKIP_NOT_ANALYZED = "not analyzed yet"
SKIP_UNREADABLE = "could not be analyzed"
SKIP_MISSING = "file missing"


@dataclass(frozen=True)
class PlannedOp:
    """Move or copy one photo file ``src`` to ``dst``; ``reason`` names the person(s)."""

    src: Path
    dst: Path
    kind: str  # move | copy
    reason: str
    photo_id: int

    def describe(self) -> str:
        return f"{self.kind}  {self.src} -> {self.dst}  [{self.reason}]"


@dataclass(frozen=True)
class Skipped:
    """A photo (or one of its destinations) left alone, and why.

    ``other`` is the byte-identical file already at the destination, if any.
    """

    photo_id: int
    path: Path
    reason: str
    other: Path | None = None

    def describe(self, label: str = "skip") -> str:
        detail = f"{self.reason}: {self.other}" if self.other is not None else self.reason
        return f"{label}  {self.path}  [{detail}]"


@dataclass(frozen=True)
class Conflict:
    """A name that was taken: a file or person folder gets a numbered name instead."""

    what: str  # file | folder
    wanted: str
    actual: str
    folder: Path

    def describe(self) -> str:
        return f"rename {self.what}  {self.wanted!r} -> {self.actual!r}  in {self.folder}"


@dataclass
class OrganizePlan:
    """What an organize run will do; built by :func:`photosort.core.planning.plan_moves`.

    ``ops`` run in order (for one photo under ``move`` the copies come before
    the move). ``duplicates`` are sources (move mode) whose bytes already sit
    at the destination: they stay where they are and may be trashed on request.
    ``folders`` maps person ids to their folder names.
    """

    dest: Path
    mode: str
    group_photos: str
    unsorted: str
    ops: list[PlannedOp] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    duplicates: list[Skipped] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    folders: dict[int, str] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "move": sum(op.kind == "move" for op in self.ops),
            "copy": sum(op.kind == "copy" for op in self.ops),
            "skipped": len(self.skipped),
            "duplicate": len(self.duplicates),
            "renamed": len(self.conflicts),
        }

    @property
    def header(self) -> str:
        return (f"Organize into {self.dest} ({self.mode}; photos with several people: "
                f"{self.group_photos}; photos without named people: {self.unsorted})")

    def describe(self) -> list[str]:
        """The dry-run report: one line per operation, skip, duplicate and rename."""
        return render_lines(self.header, self.ops, self.skipped, self.duplicates, self.conflicts)


def render_lines(header: str, ops: Iterable[PlannedOp], skipped: Iterable[Skipped],
                 duplicates: Iterable[Skipped], conflicts: Iterable[Conflict],
                 failed: Iterable[tuple[PlannedOp, str]] = (),
                 not_attempted: Iterable[PlannedOp] = ()) -> list[str]:
    """The report lines shared by the dry run and the summary of a real run."""
    ops, skipped, duplicates = list(ops), list(skipped), list(duplicates)
    conflicts, failed, not_attempted = list(conflicts), list(failed), list(not_attempted)
    lines = [header]
    lines += [op.describe() for op in ops]
    lines += [f"failed  {op.src} -> {op.dst}  [{error}]" for op, error in failed]
    lines += [f"not done  {op.src} -> {op.dst}  [cancelled]" for op in not_attempted]
    lines += [s.describe() for s in skipped]
    lines += [s.describe("duplicate") for s in duplicates]
    lines += [c.describe() for c in conflicts]
    total = (f"Total: {sum(op.kind == 'move' for op in ops)} move, "
             f"{sum(op.kind == 'copy' for op in ops)} copy, {len(skipped)} skipped, "
             f"{len(duplicates)} duplicate, {len(conflicts)} renamed")
    if failed:
        total += f", {len(failed)} failed"
    if not_attempted:
        total += f", {len(not_attempted)} not done"
    lines.append(total)
    return lines
