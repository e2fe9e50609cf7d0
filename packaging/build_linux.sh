#!/usr/bin/env bash
# Linux parity check: freeze PhotoSort with the same spec as on Windows, then
# run the frozen self-test and report the bundle's size and the self-test's
# wall-clock time. Not run in CI (it takes 10-20 minutes on 2 cores).
#
#   bash packaging/build_linux.sh            # build, then self-test
#   bash packaging/build_linux.sh --skip-build
#
# The bundle lands in packaging/dist/PhotoSort/ (git-ignored). PyPI's Linux
# torch is the CUDA build: the spec leaves out the nvidia/triton packages, so
# only the CUDA libraries torch links against come along and the bundle runs
# on the CPU (see packaging/bundle_contents.py).
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
uv run --group packaging python packaging/freeze.py --self-test "$@"
