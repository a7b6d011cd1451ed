#!/usr/bin/env bash
# Configures and builds flopscope (Release, -DNDEBUG) into build/ (or $FLOPSCOPE_BUILD_DIR: the Debian 13
# build uses build-debian13/). Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/ccache-env.sh
dir=${FLOPSCOPE_BUILD_DIR:-build}
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)"
