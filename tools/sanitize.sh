#!/usr/bin/env bash
# The unit tests built and run under AddressSanitizer + UndefinedBehaviorSanitizer (CMake preset
# "sanitize"; LibTorch itself is not instrumented). Run by CI after tools/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
cmake --preset sanitize >/dev/null
cmake --build --preset sanitize -j "$(nproc)"
ctest --preset sanitize -j "$(nproc)"
