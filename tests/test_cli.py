"""The ``photosort`` command line: start-up cost, the contract names, errors, a real scan."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys


from photosort.cli.main import main


def _run(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "photosort", *args], capture_output=True,
                          text=True, timeout=600, env=env)


def test_help_does_not_import_torch():
    code = ("import sys; from photosort.cli.main import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('torch', 'facenet_pytorch', 'PySide6', 'hdbscan', 'sklearn')"
            " if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr
    assert "scan" in out.stdout and "evaluate" in out.stdout


def test_errors_are_one_line_with_nonzero_exit(tmp_path):
    db = str(tmp_path / "c.sqlite3")
    missing = _run("--db", db, "scan", str(tmp_path / "nope"))
    assert missing.returncode == 1
    assert missing.stderr.strip().count("\n") == 0 and "not a folder" in missing.stderr
    nobody = _run("rename", "42", "Ann", "--db", db)  # --db also after the subcommand
    assert nobody.returncode == 1 and "no person '42'" in nobody.stderr
    bad = _run("--db", db, "frobnicate")
    assert bad.returncode == 2


def test_errors_stay_one_line_when_run_as_the_main_module(tmp_path):
    """``python -m photosort.cli.main`` loads ``main`` twice; the error class must still match."""
    out = subprocess.run([sys.executable, "-m", "photosort.cli.main", "--db",
                          str(tmp_path / "c.sqlite3"), "rename", "42", "Ann"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1, out.stderr
    assert out.stderr.strip() == "photosort: no person '42'; see `photosort people`"


def test_scan_people_rename_merge_hide_from_the_command_line(tmp_path, data_dir, capsys):
    lib = tmp_path / "lib"
    for person in ("biden", "kit_harington"):
        shutil.copytree(data_dir / "face_recognition_examples" / person, lib / person)
    db = str(tmp_path / "c.sqlite3")
    assert main(["--db", db, "scan", str(lib), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "5 photos: 5 new" in out
    assert main(["people", "--json", "--db", db]) == 0
    people = json.loads(capsys.readouterr().out)
    assert sorted(p["photos"] for p in people) == [2, 3]
    biden, kit = sorted(people, key=lambda p: p["photos"])
    assert main(["--db", db, "rename", str(kit["id"]), "Kit Harington"]) == 0
    assert main(["--db", db, "rename", f"Unnamed {biden['id']}", "Joe Biden"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "people"]) == 0
    table = capsys.readouterr().out
    assert "Kit Harington" in table and "Joe Biden" in table
    assert main(["--db", db, "merge", "Joe Biden", "kit harington"]) == 0
    assert main(["--db", db, "hide", "Joe Biden"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "people", "--json", "--hidden"]) == 0
    (merged,) = json.loads(capsys.readouterr().out)
    assert (merged["name"], merged["photos"], merged["hidden"]) == ("Joe Biden", 5, True)
    # a second scan of the same folder is incremental and keeps the names
    assert main(["--db", db, "scan", str(lib)]) == 0
    assert "5 unchanged" in capsys.readouterr().out
    assert main(["--db", db, "people", "--json", "--hidden"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["name"] == "Joe Biden"


def test_evaluate_json_on_a_small_labelled_folder(data_dir, capsys):
    assert main(["evaluate", str(data_dir / "face_recognition_examples"), "--json",
                 "--workers", "1", "--algorithm", "all"]) == 0
    reports = json.loads(capsys.readouterr().out)
    assert [r["algorithm"] for r in reports] == ["hdbscan", "agglomerative", "kmeans", "dbscan"]
    product = reports[0]
    for key in ("pairwise_f", "bcubed_f", "precision", "recall", "ari", "nmi", "n_images",
                "n_faces", "n_missed", "n_clusters", "seconds"):
        assert key in product
    assert product["n_images"] == 19
    assert product["n_faces"] > product["n_images"]  # group photos add unlabelled faces
    assert product["n_missed"] <= 1
    assert product["precision"] >= 0.9 and product["bcubed_f"] >= 0.75


def test_organize_dry_run_then_move_then_undo_from_the_command_line(tmp_path, capsys):
    from organize_support import Library

    lib = Library(tmp_path / "c.sqlite3", tmp_path / "lib")
    ann = lib.person("Ann")
    lib.photo("a.jpg", [(ann, 80.0)], content=b"jpeg bytes")
    lib.close()
    db, dest, src = str(tmp_path / "c.sqlite3"), tmp_path / "Sorted", tmp_path / "lib" / "a.jpg"
    assert main(["--db", db, "organize", str(dest), "--dry-run"]) == 0
    assert str(dest / "Ann" / "a.jpg") in capsys.readouterr().out
    assert src.exists() and not dest.exists()
    assert main(["--db", db, "organize", str(dest), "--move", "--yes"]) == 0
    assert (dest / "Ann" / "a.jpg").read_bytes() == b"jpeg bytes" and not src.exists()
    assert main(["--db", db, "undo"]) == 0
    assert src.read_bytes() == b"jpeg bytes" and not (dest / "Ann" / "a.jpg").exists()
    assert main(["--db", db, "undo"]) == 0
    assert "Nothing to undo." in capsys.readouterr().out


def test_analysis_options_reach_the_settings():
    from photosort.cli.commands import _settings
    from photosort.cli.main import build_parser

    default = _settings(build_parser().parse_args(["scan", "pics"]))
    assert default.mirror and default.model_id.endswith("+mirror")
    fast = _settings(build_parser().parse_args(
        ["evaluate", "dir", "--no-mirror", "--max-side", "800", "--min-face-size", "30"]))
    assert not fast.mirror and fast.model_id == "dlib-resnet-v1@1"
    assert (fast.max_side, fast.min_face_size) == (800, 30)
    assert fast.fingerprint != default.fingerprint


def test_cli_gui_and_analysis_share_one_set_of_default_settings():
    from photosort.cli.main import build_parser
    from photosort.gui.preferences import Preferences
    from photosort.services.analyze import AnalyzeSettings

    args = build_parser().parse_args(["scan", "x"])
    cli = (args.min_face_size, args.threshold, args.max_side)
    analysis = AnalyzeSettings()
    assert cli == (analysis.min_face_size, analysis.threshold, analysis.max_side)
    assert Preferences().analyze_settings() == analysis
