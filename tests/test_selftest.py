"""``photosort self-test``: real models on the bundled public-domain photo."""

from __future__ import annotations

import io
import re

from photosort.services.selftest import SELFTEST_IMAGE, run_self_test
from photosort.system.paths import resource_path


def test_self_test_passes_and_reports_versions_and_timings():
    out = io.StringIO()
    code = run_self_test(out=out)
    report = out.getvalue()
    assert code == 0, report
    assert report.rstrip().endswith("PASS")
    for step in ("import torch", "load detector", "load embedder", "read image", "load codecs", "detect", "embed",
                 "cluster", "total"):
        assert re.search(rf"^  {step}\s+\d+ ms", report, re.MULTILINE), (step, report)
    assert re.search(r"torch \d+\.\d+", report)
    assert "3 x 128-d float32" in report
    assert re.search(r"exiv2 \d+\.\d+.*, libraw \d+\.\d+.*, libheif \d+\.\d+", report)
    labels = re.search(r"labels ((?:-?\d+ ?){6})", report).group(1).split()
    assert len(set(labels[:3])) == 1 and len(set(labels[3:])) == 1 and labels[0] != labels[3]


def test_the_self_test_photo_is_small_and_bundled():
    path = resource_path(SELFTEST_IMAGE)
    assert path.is_file()
    assert path.stat().st_size < 50_000


def test_cli_self_test_exits_non_zero_when_a_model_is_missing(tmp_path, monkeypatch, capsys):
    from photosort.cli.main import main

    monkeypatch.setenv("PHOTOSORT_DLIB_MODEL", str(tmp_path / "missing.dat"))
    assert main(["self-test"]) != 0
    report = capsys.readouterr().out
    assert "FAIL: ModelNotFoundError" in report
    assert "PASS" not in report
