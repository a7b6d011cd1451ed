#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, preset "fuzz") and runs each for SECONDS (default 60), starting
# from the committed seed corpus in tests/fuzz/corpus (copied, so the run does not change it).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
tools/install_deps.sh clang libclang-rt-14-dev nlohmann-json3-dev cmake
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for target in input_spec manifest; do
  mkdir -p "$work/$target"
  cp tests/fuzz/corpus/$target/* "$work/$target/"
  echo "fuzzing $target for ${seconds}s"
  build-fuzz/tests/fuzz/fuzz_$target -max_total_time="$seconds" -print_final_stats=1 "$work/$target" 2>&1 | tail -n 4
done
