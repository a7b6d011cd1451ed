#!/usr/bin/env bash
# One command on a fresh Debian 12 machine: install, build, run the whole default test suite.
# Against LibTorch 2.6 in a Debian 13 root: tools/in-debian13.sh tools/test.sh (builds into build-debian13/).
# Slow tests (full-size runs of the largest models) carry the ctest label "slow": run them with
#   ctest --test-dir build -L slow
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
tools/build.sh
ctest --test-dir "${FLOPSCOPE_BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" -LE slow
