#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, preset "fuzz") and runs each for SECONDS (default 60), starting
# from the committed seed corpus in tests/fuzz/corpus and, for archives, the findings kept in
# tests/fuzz/findings (copied, so the run does not change them).
#
# fuzz_archive loads each mutated TorchScript file in an isolated child, as `flopscope analyze` does.
# A child that dies of a signal, times out or runs out of memory is isolation doing its job, not a
# failure of this script: such inputs are listed at the end and left in $FLOPSCOPE_FUZZ_KEEP (default:
# a temporary directory, removed). To keep one as a finding, minimize it (tests/fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
tools/install_deps.sh
tools/install_deps.sh clang libclang-rt-14-dev libzip-dev
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export FLOPSCOPE_FUZZ_KEEP=${FLOPSCOPE_FUZZ_KEEP:-$work/kept}
mkdir -p "$FLOPSCOPE_FUZZ_KEEP"
for target in input_spec manifest archive; do
  mkdir -p "$work/$target"
  cp tests/fuzz/corpus/$target/* "$work/$target/"
  [ -d tests/fuzz/findings/$target ] && cp tests/fuzz/findings/$target/* "$work/$target/"
  echo "fuzzing $target for ${seconds}s"
  build-fuzz/tests/fuzz/fuzz_$target -max_total_time="$seconds" -print_final_stats=1 "$work/$target" >"$work/$target.log" 2>&1 ||
    { tail -n 40 "$work/$target.log"; exit 1; }
  grep -E '^(stat::(number_of_executed_units|average_exec_per_sec|new_units_added)|fuzz_archive: (child lost|[0-9]))' "$work/$target.log" |
    sed -E 's/flopscope-fuzz-[0-9]+/flopscope-fuzz-PID/; s/ \(peak memory [0-9]+ MiB\)//' | sort | uniq -c
done
