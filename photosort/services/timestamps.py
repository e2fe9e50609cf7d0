"""Modification times at a file system's own granularity: the fast path of "unchanged?".

File systems keep times more coarsely than the nanoseconds Python reports:
FAT32 to 2 s (fusefat writes ``…001.123456789`` and reads back
``…000.000000000``), exFAT to 10 ms, SMB shares and NTFS to 100 ns, some
servers to 1 s. A time journaled from the source therefore rarely equals the
destination's exactly. :class:`Granularity` measures each destination
folder's file system once (write a scratch file, set a time with every digit
used, read it back) and compares times truncated to that step. Equal sizes
and equal times at that step mean "unchanged"; anything else is left to the
content hash, which alone decides that a file has changed.
"""

from __future__ import annotations

import os
from pathlib import Path

STEPS_NS = (1, 100, 1_000, 1_000_000, 10_000_000, 1_000_000_000, 2_000_000_000)
"""Candidate granularities: ns, 100 ns (NTFS, SMB), µs, ms, 10 ms (exFAT), 1 s, 2 s (FAT)."""
COARSEST_NS = STEPS_NS[-1]
PROBE_TIME_NS = 1_700_000_001_123_456_789  # every digit in use, an odd second (for FAT)
PROBE_NAME = ".photosort-tmp-timeprobe"


def granularity_of(written_ns: int, observed_ns: int) -> int:
    """The step that turns ``written_ns`` into ``observed_ns`` (truncating or rounding);
    the coarsest step if none does."""
    for step in STEPS_NS:
        down = written_ns // step * step
        if observed_ns in (down, down + step):
            return step
    return COARSEST_NS


def same_at(a_ns: int, b_ns: int, step_ns: int) -> bool:
    """Whether two times fall into the same step of ``step_ns``."""
    return a_ns // step_ns == b_ns // step_ns


class Granularity:
    """Measured timestamp granularity per file system (by device), for one undo run."""

    def __init__(self) -> None:
        self._steps: dict[int, int] = {}

    def step(self, path: Path) -> int:
        """The granularity of the file system holding ``path`` (a file)."""
        try:
            device = os.stat(path.parent).st_dev
        except OSError:
            return COARSEST_NS
        if device not in self._steps:
            self._steps[device] = _probe(path.parent)
        return self._steps[device]

    def same_time(self, path: Path, observed_ns: int, journaled_ns: int) -> bool:
        return same_at(observed_ns, journaled_ns, self.step(path))


def _probe(folder: Path) -> int:
    """Write a scratch file in ``folder``, give it :data:`PROBE_TIME_NS`, read the time back."""
    probe = folder / f"{PROBE_NAME}-{os.getpid()}"
    try:
        with open(probe, "xb"):
            pass
        try:
            os.utime(probe, ns=(PROBE_TIME_NS, PROBE_TIME_NS))
            observed = os.stat(probe).st_mtime_ns
        finally:
            os.unlink(probe)
    except OSError:
        return COARSEST_NS  # read-only or odd: assume FAT's 2 s, the coarsest there is
    return granularity_of(PROBE_TIME_NS, observed)
