"""Render the README screenshots from the real window (a developer tool).

    xvfb-run -s "-screen 0 1400x900x24" uv run python tools/screenshots.py \\
        --db CATALOG --scan FOLDER --out docs/screenshots --blur

``CATALOG`` is a scanned catalog with some people named; ``FOLDER`` is scanned
live for the "scan in progress" picture (the scan is stopped afterwards).
Every picture is the real window (or dialog) grabbed after its thumbnails
and photos have loaded.

``--blur`` pixelates every face thumbnail and photo the window renders (the
README's pictures: the shared test photos are not ours to publish). It
wraps the two places pixels come from — ``ThumbnailCache.get`` and
``PhotoCanvas.set_image`` — in this tool only; the app never blurs.
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


def pixelated(image, blocks: int):
    """``image`` (a QImage) as a mosaic ``blocks`` cells across its longer side."""
    from PySide6.QtCore import Qt

    if image is None or image.isNull():
        return image
    w, h = image.width(), image.height()
    side = max(w, h)
    small = image.scaled(max(1, round(w * blocks / side)), max(1, round(h * blocks / side)),
                         Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
    return small.scaled(w, h, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.FastTransformation)


FACE_BLOCKS = 7     # a face thumbnail becomes 7 × 7 cells
PHOTO_BLOCKS = 28   # a whole photo 28 cells across (a face in it: a few cells)


def blur_everything() -> None:
    """From now on every face thumbnail and photo this process shows is pixelated."""
    from photosort.gui.photo_canvas import PhotoCanvas
    from photosort.gui.thumbnails import ThumbnailCache

    get, set_image, memo = ThumbnailCache.get, PhotoCanvas.set_image, {}

    def blurred_get(self, item, px):
        image = get(self, item, px)
        if image is None:
            return None
        key = image.cacheKey()
        if key not in memo:
            memo[key] = pixelated(image, FACE_BLOCKS)
        return memo[key]

    ThumbnailCache.get = blurred_get
    PhotoCanvas.set_image = lambda self, image, size: set_image(self, pixelated(image, PHOTO_BLOCKS), size)


def _hover(widget) -> None:
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QEnterEvent
    from PySide6.QtWidgets import QApplication

    centre = QPointF(widget.width() / 2, widget.height() / 2)
    QApplication.sendEvent(widget, QEnterEvent(centre, centre, widget.mapToGlobal(centre)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Grab the README screenshots.")
    parser.add_argument("--db", required=True)
    parser.add_argument("--scan", help="a folder to scan for the scan-in-progress picture")
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--blur", action="store_true",
                        help="pixelate every face and photo shown (pictures of photos that are not ours)")
    args = parser.parse_args(argv)
    if args.blur:
        blur_everything()
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
    model = window.people_view.model
    covers = [r.cover for r in model.rows_of(range(model.rowCount()))]
    _wait(app, _thumbs_ready(window, covers, round(128 * ratio)))
    window.people_view.grid.clearSelection()
    window.show_people()  # its "12 suggestions · 3 proposals" button counts off the GUI thread
    _wait(app, lambda: "suggestion" in window.people_view.review_button.text(), 60)
    window.grab().save(str(out / "people.png"))

    review = window.review_view
    window.show_review()  # the Review place: "Is this Ann?" pages, then "Same person?"
    _wait(app, lambda: not review.busy and review.tiles.faces, 60)
    _wait(app, _thumbs_ready(window, review.tiles.faces, round(96 * ratio)))
    window.grab().save(str(out / "review_suggestions.png"))
    review.show_section(1)
    _wait(app, lambda: not review.busy and review.proposal_list, 60)
    _wait(app, _thumbs_ready(window, [review.left.item, review.right.item], round(200 * ratio)))
    _hover(review.left)  # "more of this person" beside the left face
    _wait(app, _thumbs_ready(window, review.popup.faces, round(review.popup.SIZE * ratio)))
    screen = window.screen().grabWindow(0)  # the popup is a window of its own
    frame = window.frameGeometry()
    screen.copy(frame.x(), frame.y(), frame.width(), frame.height()).save(str(out / "review_proposals.png"))
    review.popup.hide()

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
