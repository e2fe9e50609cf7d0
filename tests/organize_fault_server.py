"""A fork server for the fault-injection tests: one organize or undo run per forked child.

Started once per test module as a fresh interpreter that imports only the
organize services (no torch, no Pillow), it reads one JSON job per line on
stdin, forks a child that runs the job and SIGKILLs itself at the
``kill_at``-th journal step, waits for it and answers one JSON line:
``{"signal": n, "exit": n}``. With ``kill_at`` 0 the child runs to the end and
writes the step names it passed to ``job["log"]``.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback

from photosort.services.fileops import FileOps
from photosort.services.organize import execute_plan, plan_organize
from photosort.services.undo import undo_last
from photosort.store.db import Database


def run(job: dict) -> None:
    steps: list[str] = []

    def hook(step: str) -> None:
        steps.append(step)
        if len(steps) == job["kill_at"]:
            os.kill(os.getpid(), signal.SIGKILL)

    fs = FileOps(hook=hook, force_cross_device=job["forced"], chunk_size=4096)
    db = Database(job["db"])
    if job["action"] == "organize":
        plan = plan_organize(db, job["dest"], mode=job["mode"], group_photos="copy", unsorted="move")
        execute_plan(db, plan, fs=fs)
    else:
        undo_last(db, fs=fs)
    with open(job["log"], "w", encoding="utf-8") as handle:
        json.dump(steps, handle)


def main() -> None:
    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                run(job)
            except BaseException:
                traceback.print_exc()
                code = 1
            sys.stderr.flush()
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        answer = {"signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0,
                  "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
