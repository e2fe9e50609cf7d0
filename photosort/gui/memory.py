"""The window's memory: give back what background computations freed, and keep the collector short.

Two things made the window big and jerky on a 400k-face catalog:

* **Freed memory stayed with the process.** Each background computation (the
  Review's lists, covers, the map) runs on a thread, and glibc gives busy
  threads malloc arenas of their own; what a computation frees there is kept
  for reuse, and the next computation on another thread starts a new high
  water mark. Three rounds of Review + covers + map left 438, 514, 726 MB
  resident (peaks 925 → 1,211 MB); with :func:`release` after each round,
  152, 192, 199 MB (peak ~1 GB, which streaming the Review's rows then cut).
  :func:`release` is ``malloc_trim(0)``: glibc only, a no-op elsewhere
  (Windows' heap returns memory by itself).
* **Gen-2 collections walked everything.** Python's full collections traverse
  every tracked object; the start-up objects (modules, Qt wrappers, theme)
  never become garbage. :func:`settle` moves them to the permanent
  generation once the window is built (``gc.freeze``), and collects the
  young generation less often, so a frame that happens to trigger a
  collection pays for the objects of the last few pages only.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys

GEN0_THRESHOLD = 20_000  # allocations between young collections (Python's default: 700 / 2,000)

_libc = None
if sys.platform.startswith("linux"):
    try:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        _libc.malloc_trim  # noqa: B018 — musl has none: stay a no-op there
    except (OSError, AttributeError):
        _libc = None


def release() -> bool:
    """Return the heap's free pages to the system (after a big background computation);
    ``True`` when the C library can do that."""
    if _libc is None:
        return False
    _libc.malloc_trim(0)
    return True


def settle() -> None:
    """Once the window is built: freeze what exists now out of the collector's way and
    collect the young generation less often (see the module docstring)."""
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(max(GEN0_THRESHOLD, gc.get_threshold()[0]), gen1, gen2)
