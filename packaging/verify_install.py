"""Check a real installation on Windows (used by the Windows CI job).

    python packaging/verify_install.py installed "%LOCALAPPDATA%\\Programs\\PhotoSort"
    python packaging/verify_install.py removed   "%LOCALAPPDATA%\\Programs\\PhotoSort" --wait 120

``installed``: both executables, the model files and the Explorer verbs, in
exactly the layout of :mod:`photosort.system.explorer`, pointing at this
folder's ``PhotoSort.exe``.  ``removed``: the executables and the verbs are
gone (the uninstaller finishes in a background copy of itself, hence
``--wait``).  Exit code 0 when the expectation holds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from photosort.system.explorer import GUI_EXE_NAME, explorer_verbs_installed, verb_keys  # noqa: E402

REQUIRED_FILES = (
    GUI_EXE_NAME,
    "photosort-cli.exe",
    "_internal/models/dlib_face_recognition_resnet_model_v1.dat",
    "_internal/facenet_pytorch/data/pnet.pt",
    "_internal/facenet_pytorch/data/rnet.pt",
    "_internal/facenet_pytorch/data/onet.pt",
    "_internal/resources/selftest_face.jpg",
)


def problems_when_installed(app: Path) -> list[str]:
    """What is missing or wrong in an installation at ``app``."""
    found = [f"missing {name}" for name in REQUIRED_FILES if not (app / name).is_file()]
    if not explorer_verbs_installed(exe_path=str(app / GUI_EXE_NAME)):
        found.append(f"Explorer verbs missing or not pointing at {app / GUI_EXE_NAME}: {verb_keys()}")
    return found


def problems_when_removed(app: Path) -> list[str]:
    """What an uninstall left behind."""
    found = [f"left behind {name}" for name in (GUI_EXE_NAME, "photosort-cli.exe") if (app / name).exists()]
    if explorer_verbs_installed():
        found.append("Explorer verbs still registered")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("expect", choices=["installed", "removed"])
    parser.add_argument("app", type=Path, help="the installation folder")
    parser.add_argument("--wait", type=float, default=0, help="seconds to keep re-checking")
    args = parser.parse_args(argv)
    check = problems_when_installed if args.expect == "installed" else problems_when_removed
    deadline = time.monotonic() + args.wait
    while (problems := check(args.app)) and time.monotonic() < deadline:
        time.sleep(1)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{args.app}: {'OK' if not problems else 'FAILED'} ({args.expect})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
