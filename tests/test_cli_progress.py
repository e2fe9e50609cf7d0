"""The CLI's progress bar (tqdm) on service progress events."""

from __future__ import annotations

import io

from photosort.cli.progress_bar import ProgressBar
from photosort.services.progress import ProgressEvent


def test_one_bar_per_stage_each_finished_on_its_own_line():
    out = io.StringIO()  # a pipe, not a terminal: plain ASCII
    bar = ProgressBar(out)
    for done in range(0, 50, 7):
        bar(ProgressEvent("discover", done, 0))  # no total yet: a count
    for done in range(13):
        bar(ProgressEvent("analyze", done, 12, faces=2 * done))
    bar(ProgressEvent("analyze", 12, 12, faces=24))  # a repeated final event draws nothing
    bar(ProgressEvent("cluster", 1, 1))
    bar.close()
    lines = [chunk.split("\r")[-1] for chunk in out.getvalue().split("\n")[:-1]]
    assert [line.split(":")[0].strip() for line in lines] == ["discover", "analyze", "cluster"]
    assert "49file" in lines[0].replace(" ", "")
    assert "12/12" in lines[1] and "24 faces" in lines[1] and "100%" in lines[1]
    assert "photo/s" in lines[1] or "s/photo" in lines[1]
    assert "1/1" in lines[2]
    assert out.getvalue().isascii()
