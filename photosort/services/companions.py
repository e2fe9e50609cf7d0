"""Companion files move as one with their photo: RAW + JPEG twins and XMP sidecars.

A camera shooting RAW+JPEG leaves ``IMG_1234.CR2`` and ``IMG_1234.JPG``;
digiKam, Lightroom and PhotoSort's own write-tags leave ``IMG_1234.CR2.xmp``
or ``IMG_1234.xmp``. :func:`keep_together` rewrites an organize plan so that

* photos of one folder sharing a stem follow one of them (the RAW if there is
  one): the others get the same destinations, whatever their own faces said,
  and are taken along even when they were skipped on their own (no faces,
  only unnamed people);
* each photo's sidecars get an operation of their own right after the
  photo's, to the photo's destination name + ``.xmp``.

Every companion operation is an ordinary planned and journaled operation,
so the preview lists it and undo puts it back.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from photosort.core.plan_types import OrganizePlan, PlannedOp, SKIP_IN_PLACE, SKIP_PRESENT, SKIP_MISSING
from photosort.media.raw import is_raw_path
from photosort.media.xmp import sidecar_paths

_STAY = {SKIP_IN_PLACE, SKIP_PRESENT, SKIP_MISSING}


def _key(path: Path) -> tuple[str, str]:
    return (os.path.normcase(str(path.parent)), path.stem.casefold())


def keep_together(plan: OrganizePlan) -> OrganizePlan:
    """``plan`` with photo twins aligned and sidecar operations added (module docstring)."""
    by_stem: dict[tuple[str, str], list[PlannedOp]] = defaultdict(list)
    for op in plan.ops:
        by_stem[_key(op.src)].append(op)
    primaries: dict[Path, list[tuple[Path, int]]] = {}
    followers: set[Path] = set()
    for key, ops in by_stem.items():
        sources = list(dict.fromkeys(op.src for op in ops))
        skipped = [s for s in plan.skipped if _key(s.path) == key and s.reason not in _STAY]
        if len(sources) + len(skipped) < 2:
            continue
        primary = next((s for s in sources if is_raw_path(s)), sources[0])
        others = {op.src: op.photo_id for op in ops if op.src != primary}
        others.update({s.path: s.photo_id for s in skipped})
        primaries[primary] = list(others.items())
        followers.update(others)
        plan.skipped = [s for s in plan.skipped if s not in skipped]
    out: list[PlannedOp] = []
    placed: set[tuple[Path, Path]] = set()
    for op in plan.ops:
        if op.src in followers:
            continue
        out.extend(_with_sidecars(op, placed))
        for src, photo_id in primaries.get(op.src, ()):
            follow = PlannedOp(src, op.dst.with_name(op.dst.stem + src.suffix), op.kind,
                               f"with {op.src.name}", photo_id)
            out.extend(_with_sidecars(follow, placed))
    plan.ops = out
    return plan


def _with_sidecars(op: PlannedOp, placed: set[tuple[Path, Path]]) -> list[PlannedOp]:
    """``op`` and an operation per sidecar of its source (each sidecar once per destination folder)."""
    out = [op]
    for sidecar in sidecar_paths(op.src):
        if sidecar.name.startswith(op.src.name):  # photo.jpg.xmp -> <new name>.jpg.xmp
            dst = op.dst.with_name(op.dst.name + sidecar.name[len(op.src.name):])
        else:  # photo.xmp -> <new stem>.xmp
            dst = op.dst.with_name(op.dst.stem + sidecar.suffix)
        if (sidecar, dst.parent) not in placed:
            placed.add((sidecar, dst.parent))
            out.append(PlannedOp(sidecar, dst, op.kind, f"sidecar of {op.src.name}", op.photo_id))
    return out
