"""The People view of a lifetime library: tens of thousands of people, as a full regroup leaves them.

    uv run python benchmarks/scale_gui.py CATALOG --people

Run by ``scale_gui.py --people`` and by ``bench_scale.py`` (on the catalog its
full regroup left). The real window runs in a process of its own and is
measured there: the People view opening; the scroll bar dragged through the
grid in 100 jumps, each frame repainted (the worst frame, and how many cards
the paged model read); a filter typed and cleared; the sort changed; the
refresh after a rename; the process's peak RSS.
"""

from __future__ import annotations

import time
from pathlib import Path

from scale_gui import TARGETS, Row, _peak, _pump, ok, run_child


def measure_people(catalog: Path) -> list[Row]:
    """The People view on a catalog with tens of thousands of people (after a full regroup),
    in a process of its own; rows (measure, value, target, ok)."""
    m = run_child("--people-child", catalog)

    def timed(name: str, key: str) -> Row:
        return (name, f"{m[key] * 1000:.0f} ms (GUI-thread CPU {m[key + '_cpu'] * 1000:.0f})",
                "< 1 s", ok(m[key], TARGETS["open"]))

    return [
        timed(f"People view opens on {m['people']:,} people ({m['all']:,} with hidden ones)",
              "open"),
        (f"  People grid: the scroll bar dragged through it, worst of {m['jumps']} frames",
         f"{m['jump_max'] * 1000:.0f} ms (GUI-thread CPU {m['jump_cpu'] * 1000:.0f};"
         f" {m['read']:,} cards read of {m['people']:,})", "< 50 ms",
         ok(m["jump_max"], TARGETS["frame"])),
        timed(f"  filter typed (\"{m['needle']}\": {m['matches']:,} people)", "filter"),
        timed("  filter cleared (everyone again)", "filter_cleared"),
        timed("  sorted by name", "sort"),
        timed("  refresh after a rename", "refresh"),
        ("  GUI process peak RSS", f"{m['rss'] / 1024 ** 2:,.0f} MB", "< 1.5 GB",
         ok(m["rss"], TARGETS["rss"])),
    ]


def people_child(catalog: Path) -> dict:
    """Open the window on ``catalog`` and measure the People grid (its own process)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    app.setOrganizationName("PhotoSortBench")
    from bench_gui import open_people

    from photosort.gui import people_model, theme

    theme.apply_theme(app)
    read = [0]
    real = people_model.PeopleModel._read_block

    def counted(self, row: int) -> None:
        before = len(self._rows)
        real(self, row)
        read[0] += max(0, len(self._rows) - before)

    people_model.PeopleModel._read_block = counted
    m: dict = {}
    busy = time.thread_time()
    window, m["open"] = open_people(app, catalog, catalog.with_suffix(".gui.log"))
    m["open_cpu"] = time.thread_time() - busy
    view, lib = window.people_view, window.library
    _pump(app, lambda: False, 0.5)
    m["people"], m["all"] = view.model.rowCount(), sum(lib.section_counts())
    grid, bar = view.grid, view.grid.verticalScrollBar()
    walls, cpus = [], []
    m["jumps"] = 100
    for k in range(1, m["jumps"] + 1):
        start, busy = time.perf_counter(), time.thread_time()
        bar.setValue(bar.maximum() * k // m["jumps"])
        grid.viewport().repaint()
        app.processEvents()
        walls.append(time.perf_counter() - start)
        cpus.append(time.thread_time() - busy)
    m["jump_max"], m["jump_cpu"], m["read"] = max(walls), max(cpus), read[0]

    def timed(key: str, action) -> None:
        start, busy = time.perf_counter(), time.thread_time()
        action()
        grid.viewport().repaint()
        app.processEvents()
        m[key], m[key + "_cpu"] = time.perf_counter() - start, time.thread_time() - busy

    some = view.model.ids[len(view.model.ids) // 2]
    m["needle"] = f"unnamed {some}"
    timed("filter", lambda: view.search.setText(m["needle"]))
    m["matches"] = view.model.rowCount()
    timed("filter_cleared", view.search.clear)
    timed("sort", lambda: view.sort.setCurrentIndex(view.sort.findData("name")))
    timed("refresh", lambda: lib.edit(lib.editor.rename, some, "Benchmark Rename"))
    lib.undo()
    m["rss"] = _peak()
    window.close()
    return m
