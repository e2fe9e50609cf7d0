"""Starting the desktop app: arguments, the single-instance check, then the window.

Order matters for a quick start. Arguments are parsed and the Qt application
created, then :class:`~photosort.gui.single_instance.SingleInstance` decides
whether this is the first PhotoSort of the user (for this catalog): a second
launch — say, another "Sort with PhotoSort" from Explorer — hands its folder
to the first and exits before anything heavy is imported. The window imports
the catalog code only; torch is imported by the scan job, on its own thread,
when there are photos to analyse.

``main(["PATH"])`` opens on PATH and scans it, ``main(["--sort", "PATH"])``
does the same for "Sort with PhotoSort", ``main([])`` shows the welcome
screen (and resumes a scan that a closed window interrupted); ``--db FILE``
picks another catalog.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Sequence

from photosort.gui.options import Options, forwarded, parse_args


def instance_key(db_path: Path) -> str:
    """One primary per user and catalog: another ``--db`` runs its own window."""
    from photosort.gui.single_instance import default_key

    digest = hashlib.sha256(str(db_path.absolute()).encode("utf-8")).hexdigest()[:8]
    return f"{default_key()}-{digest}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the app; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    options = parse_args(argv)
    from photosort.gui.system_libs import check_qt_system_libraries

    if not check_qt_system_libraries():
        return 1
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from photosort.gui.single_instance import SingleInstance
    from photosort.store.db import default_db_path, default_home

    db_path = Path(options.db).absolute() if options.db else default_db_path()
    if QApplication.instance() is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("PhotoSort")
    app.setOrganizationName("PhotoSort")
    _windows_taskbar_identity()
    instance = SingleInstance(key=instance_key(db_path))
    try:
        primary = instance.try_become_primary()
    except OSError as exc:  # no local socket: run on, just without the hand-over
        print(f"photosort: {exc}", file=sys.stderr)
        primary = True
    if not primary:
        return 0 if instance.send_to_primary(forwarded(options)) else 1
    try:
        return _run(app, instance, options, db_path, default_home() / "logs")
    finally:
        instance.release()


def _run(app, instance, options: Options, db_path: Path, log_dir: Path) -> int:
    from PySide6.QtWidgets import QMessageBox

    from photosort.gui import theme
    from photosort.gui.errors import ErrorReporter, setup_logging
    from photosort.store.db import CatalogError

    log_file = setup_logging(log_dir)
    theme.apply_theme(app)
    app.setWindowIcon(theme.app_icon())
    reporter = ErrorReporter(log_file, app)
    reporter.install()
    from photosort.gui.main_window import MainWindow

    try:
        window = MainWindow(db_path, log_file)
    except CatalogError as exc:
        QMessageBox.critical(None, "PhotoSort", f"The catalog cannot be opened:\n{exc}")
        return 1
    instance.message_received.connect(window.handle_arguments)
    window.show()
    window.start(forwarded(options))
    from photosort.gui import memory

    memory.settle()  # the start-up objects stay out of every later garbage collection
    try:
        return app.exec()
    finally:
        reporter.uninstall()


def _windows_taskbar_identity() -> None:
    """Group PhotoSort's windows under its own taskbar icon (not python.exe's)."""
    if sys.platform == "win32":
        import ctypes

        ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID("PhotoSort.PhotoSort")
