"""A guard against a reference-counting bug in PySide6 6.12 on Python 3.11.

PySide6 6.12.0 returns ``None`` from every void method (``QPainter.save``,
``QWidget.update``…) and ``True`` from ``Signal.emit`` without taking a
reference, so each call takes one reference away from the singleton. From
Python 3.12 on these singletons are immortal and nothing happens; on 3.11
the interpreter aborts ("none_dealloc: deallocating None") after some
thousands of calls — a minute of scrolling or scanning.

:func:`guard` measures the leak once on a private object and, if present,
gives ``None``, ``True`` and ``False`` a reference count so large that no
leak can bring it to zero — what Python 3.12 does for them anyway. It runs
when :mod:`photosort.gui` is imported, before any window exists.
"""

from __future__ import annotations

import ctypes
import sys

IMMORTAL = 1 << 40  # Python 3.12's immortal objects start near 2**32; any leak is far smaller


def _leaks() -> bool:
    """Whether void calls and emits take references they do not own (measured, not assumed)."""
    from PySide6.QtCore import QObject, Signal

    class Probe(QObject):
        fired = Signal()

    probe = Probe()
    none, true = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(100):
        probe.setObjectName("")
        probe.fired.emit()
    lost = max(none - sys.getrefcount(None), true - sys.getrefcount(True))
    return lost >= 90  # other threads may move the counts a little meanwhile


def guard() -> bool:
    """Make ``None``/``True``/``False`` effectively immortal if this PySide6 needs it."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if hasattr(sys, "gettotalrefcount") or not _leaks():  # debug builds lay objects out otherwise
        return False
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += IMMORTAL
    return True


GUARDED = guard()
