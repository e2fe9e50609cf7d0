"""Pure planning of an organize run: which photo goes to which folder, and why.

:func:`plan_moves` reads a :class:`CatalogSnapshot` and asks a
:class:`FolderProbe` what already exists at the destination; it never
touches a file. The resulting :class:`OrganizePlan` is what the dry run
prints, what the preview dialog shows and what the executor carries out.

Layout: ``DEST/<person folder>/<original file name>``; photos with several
named people follow the group policy (a copy per person, one ``Together``
folder, or the person with the largest face); photos without named people
stay put or go to ``Unsorted``. Nothing is overwritten: a taken name gets a
number, and a byte-identical file already there is recognised (in move mode
the source is then reported as a duplicate and left in place).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from photosort.core.naming import NameSpace, allocate_folders
from photosort.core.paths import path_key
from photosort.core.plan_types import (
    Conflict, OrganizePlan, PlannedOp, Skipped,
    SKIP_IN_PLACE, SKIP_MISSING, SKIP_NO_FACES, SKIP_NO_PEOPLE, SKIP_NOT_ANALYZED,
    SKIP_PRESENT, SKIP_UNREADABLE,
)

Mode = Literal["move", "copy"]
GroupPolicy = Literal["copy", "together", "largest"]
UnsortedPolicy = Literal["leave", "move"]
MODES = ("move", "copy")
DEFAULT_MODE: Mode = "copy"
"""Organize copies unless asked to move, in the CLI and the GUI alike: the library stays
exactly as it was (other programs' references, sync clients and backups see no change),
so a wrong grouping costs nothing but disk space. README, "Organize"."""
GROUP_POLICIES = ("copy", "together", "largest")
UNSORTED_POLICIES = ("leave", "move")
UNSORTED_FOLDER = "Unsorted"
TOGETHER_FOLDER = "Together"


@dataclass(frozen=True)
class PersonEntry:
    """A person as the planner needs it."""

    id: int
    name: str | None
    hidden: bool

    @property
    def named(self) -> bool:
        return self.name is not None and not self.hidden


@dataclass(frozen=True)
class PhotoEntry:
    """A catalog photo: its path, analysis status, face count and people.

    ``people`` holds ``(person_id, area of that person's largest face)``.
    """

    id: int
    path: str
    status: str
    face_count: int
    people: tuple[tuple[int, float], ...] = ()


@dataclass(frozen=True)
class CatalogSnapshot:
    """Everything the planner reads from the catalog, captured at one moment."""

    photos: tuple[PhotoEntry, ...]
    people: Mapping[int, PersonEntry]


class FolderProbe(Protocol):
    """Read-only questions about the destination file system."""

    def entries(self, folder: Path) -> dict[str, int | None]:
        """Names in ``folder`` mapped to file sizes (``None`` for non-files); ``{}`` if absent."""

    def size(self, path: Path) -> int | None:
        """The size of the regular file at ``path``, or ``None`` if there is none."""

    def same_content(self, a: Path, b: Path) -> bool:
        """Whether two files hold the same bytes."""


def norm_path(path: Path | str) -> str:
    """A path key that compares equal for the same location (:func:`photosort.core.paths.path_key`)."""
    return path_key(os.path.abspath(path))


def plan_moves(snapshot: CatalogSnapshot, dest: Path, probe: FolderProbe, *, mode: Mode = "move",
               group_photos: GroupPolicy = "copy", unsorted: UnsortedPolicy = "leave") -> OrganizePlan:
    """Plan organizing every catalog photo into ``dest``; reads files only through ``probe``."""
    if mode not in MODES or group_photos not in GROUP_POLICIES or unsorted not in UNSORTED_POLICIES:
        raise ValueError(f"unknown policy: mode={mode!r} group_photos={group_photos!r} "
                         f"unsorted={unsorted!r}")
    planner = _Planner(snapshot, Path(os.path.abspath(dest)), probe, mode, group_photos, unsorted)
    for photo in sorted(snapshot.photos, key=lambda p: p.path):
        planner.add(photo)
    return planner.plan


class _Folder:
    """Names taken in one destination folder: on disk, in the catalog and planned."""

    def __init__(self, on_disk: dict[str, int | None], catalog_names: list[str]) -> None:
        self.space = NameSpace([*on_disk, *catalog_names])
        self.on_disk = on_disk
        self.planned: dict[str, Path] = {}


class _Planner:
    """Builds one :class:`OrganizePlan`, photo by photo."""

    def __init__(self, snapshot: CatalogSnapshot, dest: Path, probe: FolderProbe, mode: Mode,
                 group_photos: GroupPolicy, unsorted: UnsortedPolicy) -> None:
        self.snapshot = snapshot
        self.dest = dest
        self.probe = probe
        self.mode = mode
        self.group_photos = group_photos
        self.unsorted = unsorted
        self.folders_state: dict[str, _Folder] = {}
        self.catalog_names: dict[str, list[str]] = {}
        for photo in snapshot.photos:
            parent, name = os.path.split(photo.path)
            self.catalog_names.setdefault(norm_path(parent), []).append(name)
        self.plan = OrganizePlan(dest=dest, mode=mode, group_photos=group_photos, unsorted=unsorted)
        self.plan.folders = self._allocate_person_folders()

    def _allocate_person_folders(self) -> dict[int, str]:
        reserved = [name for name, size in self.probe.entries(self.dest).items() if size is not None]
        if self.unsorted == "move":
            reserved.append(UNSORTED_FOLDER)
        if self.group_photos == "together":
            reserved.append(TOGETHER_FOLDER)
        named = sorted((p for p in self.snapshot.people.values() if p.named), key=lambda p: p.id)
        folders = allocate_folders(((p.id, p.name or "") for p in named), reserved)
        for person in named:
            if folders[person.id] != person.name:
                self.plan.conflicts.append(Conflict("folder", person.name or "", folders[person.id],
                                                    self.dest))
        return folders

    def add(self, photo: PhotoEntry) -> None:
        src = Path(photo.path)
        targets, skip_reason = self._targets(photo)
        if skip_reason is not None:
            self.plan.skipped.append(Skipped(photo.id, src, skip_reason))
            return
        size = self.probe.size(src)
        if size is None:
            self.plan.skipped.append(Skipped(photo.id, src, SKIP_MISSING))
            return
        here = norm_path(src.parent)
        in_place = [i for i, (folder, _) in enumerate(targets) if norm_path(self.dest / folder) == here]
        if self.mode == "copy":
            for i, (folder, reason) in enumerate(targets):
                if i in in_place:
                    self.plan.skipped.append(Skipped(photo.id, src, SKIP_IN_PLACE))
                else:
                    self._place(photo, src, size, folder, reason, "copy")
            return
        primary = in_place[0] if in_place else 0
        for i, (folder, reason) in enumerate(targets):
            if i != primary:
                self._place(photo, src, size, folder, reason, "copy")
        if in_place:
            self.plan.skipped.append(Skipped(photo.id, src, SKIP_IN_PLACE))
        else:
            folder, reason = targets[primary]
            self._place(photo, src, size, folder, reason, "move")

    def _targets(self, photo: PhotoEntry) -> tuple[list[tuple[str, str]], str | None]:
        """``[(folder, reason)]`` for the photo, or a reason to leave it alone."""
        if photo.status == "pending":
            return [], SKIP_NOT_ANALYZED
        if photo.status == "error":
            return [], SKIP_UNREADABLE
        people = self.snapshot.people
        named = sorted(((area, pid) for pid, area in photo.people
                        if pid in people and people[pid].named), key=lambda t: (-t[0], t[1]))
        ids = list(dict.fromkeys(pid for _, pid in named))
        if not ids:
            reason = SKIP_NO_FACES if photo.face_count == 0 else SKIP_NO_PEOPLE
            if self.unsorted == "leave":
                return [], reason
            return [(UNSORTED_FOLDER, f"unsorted: {reason}")], None
        names = [people[pid].name or "" for pid in ids]
        if len(ids) == 1 or self.group_photos == "copy":
            return [(self.plan.folders[pid], name) for pid, name in zip(ids, names, strict=True)], None
        if self.group_photos == "together":
            return [(TOGETHER_FOLDER, "together: " + ", ".join(names))], None
        return [(self.plan.folders[ids[0]], f"largest face: {names[0]}")], None

    def _place(self, photo: PhotoEntry, src: Path, size: int, folder_name: str, reason: str,
               kind: Mode) -> None:
        folder = self.dest / folder_name
        state = self._folder(folder)
        twin = self._identical(state, folder, src, size)
        if twin is not None:
            entry = Skipped(photo.id, src, SKIP_PRESENT, twin)
            (self.plan.duplicates if kind == "move" else self.plan.skipped).append(entry)
            return
        name = state.space.claim(src.name)
        if name != src.name:
            self.plan.conflicts.append(Conflict("file", src.name, name, folder))
        state.planned[name] = src
        self.plan.ops.append(PlannedOp(src, folder / name, kind, reason, photo.id))

    def _folder(self, folder: Path) -> _Folder:
        key = norm_path(folder)
        if key not in self.folders_state:
            self.folders_state[key] = _Folder(self.probe.entries(folder),
                                              self.catalog_names.get(key, []))
        return self.folders_state[key]

    def _identical(self, state: _Folder, folder: Path, src: Path, size: int) -> Path | None:
        """A file in ``folder`` (present or planned) named like ``src`` with the same bytes."""
        family = _family_pattern(src.name)
        for name, other_size in state.on_disk.items():
            if other_size == size and family.fullmatch(name) and self.probe.same_content(src, folder / name):
                return folder / name
        for name, other_src in state.planned.items():
            if (family.fullmatch(name) and self.probe.size(other_src) == size
                    and self.probe.same_content(src, other_src)):
                return folder / name
        return None


def _family_pattern(name: str) -> re.Pattern[str]:
    """Matches ``name`` and its numbered variants (``IMG (2).jpg``), ignoring case."""
    stem, ext = os.path.splitext(name)
    return re.compile(rf"{re.escape(stem)}(?: \(\d+\))?{re.escape(ext)}", re.IGNORECASE | re.DOTALL)
