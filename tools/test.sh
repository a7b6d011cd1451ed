#!/usr/bin/env bash
# One command on a fresh Debian 12 machine: install, build, run the whole default test suite.
# Slow tests (the largest full-size models) carry the ctest label "slow": run them with
#   ctest --test-dir build -L slow
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
tools/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" -LE slow
