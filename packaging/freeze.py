"""Freeze PhotoSort with PyInstaller and, optionally, run the frozen self-test.

    uv run --group packaging python packaging/freeze.py [--self-test]

Builds ``packaging/dist/PhotoSort/`` from ``packaging/photosort.spec`` (the
same spec on Windows and Linux), then prints the bundle's size and, with
``--self-test``, runs ``photosort-cli self-test`` from the bundle and prints
its wall-clock time.  The exit code is non-zero if either step fails.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

PACKAGING = Path(__file__).resolve().parent
DIST = PACKAGING / "dist"
BUNDLE = DIST / "PhotoSort"


def cli_executable(bundle: Path = BUNDLE) -> Path:
    """The console executable inside a built bundle."""
    return bundle / ("photosort-cli.exe" if sys.platform == "win32" else "photosort-cli")


def folder_size(folder: Path) -> int:
    """Total bytes of the regular files below ``folder`` (symlinks not followed)."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root, name)
            if not path.is_symlink():
                total += path.stat().st_size
    return total


def freeze(dist: Path = DIST, work: Path = PACKAGING / "build") -> None:
    """Run PyInstaller on the spec; raises CalledProcessError on failure."""
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
         "--distpath", str(dist), "--workpath", str(work),
         str(PACKAGING / "photosort.spec")],
        check=True,
    )


def self_test(bundle: Path = BUNDLE) -> tuple[int, float]:
    """Run the bundle's ``self-test``; (exit code, seconds)."""
    start = time.perf_counter()
    code = subprocess.run([str(cli_executable(bundle)), "self-test"]).returncode
    return code, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--self-test", action="store_true", help="run the frozen self-test afterwards")
    parser.add_argument("--skip-build", action="store_true", help="use the existing bundle")
    parser.add_argument("--out", type=Path, default=None,
                        help="build into OUT/dist and OUT/build (default: packaging/dist, packaging/build)")
    args = parser.parse_args(argv)
    dist, work = (args.out / "dist", args.out / "build") if args.out else (DIST, PACKAGING / "build")
    bundle = dist / BUNDLE.name

    if not args.skip_build:
        start = time.perf_counter()
        freeze(dist, work)
        print(f"freeze: {time.perf_counter() - start:.0f} s")
    size = folder_size(bundle)
    print(f"bundle: {bundle} ({size / 2**20:.0f} MiB in {sum(1 for _ in bundle.rglob('*'))} entries)")
    if not args.self_test:
        return 0
    code, seconds = self_test(bundle)
    print(f"frozen self-test: exit {code} in {seconds:.1f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
