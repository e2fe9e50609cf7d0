"""Render the README screenshots from the real window (a developer tool).

    xvfb-run -s "-screen 0 1400x900x24" uv run python tools/screenshots.py \\
        --db CATALOG --scan FOLDER --out docs/screenshots

``CATALOG`` is a scanned catalog with some people named; ``FOLDER`` is scanned
live for the "scan in progress" picture (the scan is stopped afterwards).
Every picture is the real window (or dialog) grabbed after its thumbnails
and photos have loaded.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

SIZE = (1280, 820)


def _pump(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def _wait(app, condition, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while not condition() and time.monotonic() < end:
        _pump(app, 0.05)
    _pump(app, 0.3)


def _thumbs_ready(window, items, px: int):
    cache = window.library.thumbnails
    return lambda: all(cache.get(i, px) is not None or cache.is_broken(i) for i in items if i)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Grab the README screenshots.")
    parser.add_argument("--db", required=True)
    parser.add_argument("--scan", help="a folder to scan for the scan-in-progress picture")
    parser.add_argument("--out", default="docs/screenshots")
    args = parser.parse_args(argv)
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    app.setApplicationName("PhotoSortScreenshots")
    from photosort.gui import theme
    from photosort.gui.main_window import MainWindow

    theme.apply_theme(app)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    window = MainWindow(args.db, out / "screenshots.log", workers=1)
    window.resize(*SIZE)
    window.show()
    _pump(app, 0.5)
    window.grab().save(str(out / "welcome.png"))

    window.show_library()
    ratio = window.devicePixelRatioF()
    covers = [r.cover for r in window.people_view.model.rows]
    _wait(app, _thumbs_ready(window, covers, round(128 * ratio)))
    window.people_view.grid.clearSelection()
    window.grab().save(str(out / "people.png"))

    window.show_review()  # the Review place: "Is this Ann?" pages, then "Same person?"
    _wait(app, _thumbs_ready(window, window.review_view.tiles.faces, round(96 * ratio)))
    window.grab().save(str(out / "review_suggestions.png"))
    window.review_view.show_section(1)
    _pump(app, 1.0)
    window.grab().save(str(out / "review_proposals.png"))

    person = max(window.library.people.list(), key=lambda p: (p.name is not None, p.face_count))
    window.open_person(person.id)
    grid = window.person_page.grid
    _wait(app, _thumbs_ready(window, grid.faces()[:60], round(112 * ratio)))
    grid.select_rows([1, 4])
    _pump(app, 0.3)
    window.grab().save(str(out / "person.png"))

    photo = window.library.db.query(
        "SELECT photo_id, COUNT(*) AS n FROM faces GROUP BY photo_id ORDER BY n DESC LIMIT 1")[0]
    window.open_photo([photo["photo_id"]], 0, None)
    _wait(app, lambda: window.photo_viewer.canvas.image is not None)
    window.grab().save(str(out / "photo_viewer.png"))

    window.show_map()
    view = window.map_view
    _wait(app, lambda: len(view.points) > 0)
    named = [i for i, p in enumerate(view.people) if p >= 0]
    view.hover = named[len(named) // 2] if named else -1
    view.update()
    _pump(app, 0.5)
    view.update()
    _pump(app, 0.5)
    window.grab().save(str(out / "map.png"))

    from photosort.gui.organize_dialog import OrganizeDialog

    dialog = OrganizeDialog(window.library, window)
    dialog.dest.setText(str(Path.home() / "Pictures" / "People"))
    dialog.show()
    dialog.replan()
    _pump(app, 0.5)
    dialog.grab().save(str(out / "organize.png"))
    dialog.reject()

    if args.scan:
        window.show_people()
        window.scans.scan([args.scan])
        events = []
        window.runner.progress.connect(events.append)
        _wait(app, lambda: any(e.stage == "analyze" and e.done >= 8 for e in events), 600)
        window.grab().save(str(out / "scan.png"))
        window.runner.stop()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
