#!/usr/bin/env bash
# The unit tests built and run under AddressSanitizer + UndefinedBehaviorSanitizer (CMake preset
# "sanitize"; LibTorch itself is not instrumented). Built with clang: with LibTorch's headers it
# compiles this tree about twice as fast as gcc (docs/ci.md); gcc builds the release trees. Run by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/ccache-env.sh
tools/install_deps.sh
tools/install_deps.sh clang libclang-rt-14-dev
cmake --preset sanitize >/dev/null
cmake --build --preset sanitize -j "$(nproc)"
ctest --preset sanitize -j "$(nproc)"
