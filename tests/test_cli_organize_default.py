"""One organize default (copy) for the CLI and the GUI; no moves without a terminal or --yes."""

from __future__ import annotations

import subprocess
import sys

from organize_support import Library
from photosort.cli.main import build_parser, main
from photosort.core.planning import DEFAULT_MODE
from photosort.gui.preferences import Preferences


def _library(tmp_path):
    lib = Library(tmp_path / "c.sqlite3", tmp_path / "lib")
    ann = lib.person("Ann")
    lib.photo("a.jpg", [(ann, 80.0)], content=b"jpeg bytes")
    lib.close()
    return str(tmp_path / "c.sqlite3"), tmp_path / "lib" / "a.jpg", tmp_path / "Sorted"


def test_the_cli_and_the_gui_share_one_default_copy():
    assert DEFAULT_MODE == "copy"
    assert Preferences().organize_mode == DEFAULT_MODE
    assert build_parser().parse_args(["organize", "out"]).mode is None  # → DEFAULT_MODE


def test_without_a_terminal_organize_copies_by_default(tmp_path):
    db, src, dest = _library(tmp_path)
    assert main(["--db", db, "organize", str(dest)]) == 0
    assert (dest / "Ann" / "a.jpg").read_bytes() == b"jpeg bytes" and src.exists()


def test_without_a_terminal_organize_refuses_to_move_unless_yes(tmp_path):
    db, src, dest = _library(tmp_path)
    run = subprocess.run([sys.executable, "-m", "photosort.cli.main", "--db", db, "organize",
                          str(dest), "--move"], stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 1
    assert "without a terminal" in run.stderr and "--yes" in run.stderr
    assert src.exists() and not (dest / "Ann" / "a.jpg").exists()
    assert main(["--db", db, "organize", str(dest), "--move", "--yes"]) == 0
    assert not src.exists() and (dest / "Ann" / "a.jpg").read_bytes() == b"jpeg bytes"


def test_organize_with_tags_keeps_the_mode_that_was_previewed(tmp_path):
    """--write-tags plans again after writing the sidecars: with the same mode (copy), not move."""
    db, src, dest = _library(tmp_path)
    main(["--db", db, "organize", str(dest), "--write-tags"])
    assert src.exists() and (dest / "Ann" / "a.jpg").read_bytes() == b"jpeg bytes"
