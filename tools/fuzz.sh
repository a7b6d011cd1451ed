#!/usr/bin/env bash
# Builds the libFuzzer targets (clang; tests/fuzz is a project of its own, built against the release
# build installed into build/fuzz-prefix, so the library is not compiled again) and runs each for
# SECONDS (default 60), the two parsers' side by side, starting from the committed seed corpus in
# tests/fuzz/corpus and, for archives, the findings kept in tests/fuzz/findings (copied, so the run
# does not change them).
#
# fuzz_archive loads each mutated TorchScript file in an isolated child, as `flopscope analyze` does.
# A child that dies of a signal, times out or runs out of memory is isolation doing its job, not a
# failure of this script: such inputs are listed at the end and left in $FLOPSCOPE_FUZZ_KEEP (default:
# a temporary directory, removed). To keep one as a finding, minimize it (tests/fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/ccache-env.sh
seconds=${1:-60}
tools/install_deps.sh
tools/install_deps.sh clang libclang-rt-14-dev libzip-dev
tools/build.sh
cmake --install build --prefix build/fuzz-prefix >/dev/null
cmake -S tests/fuzz -B build-fuzz -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_PREFIX_PATH="$PWD/build/fuzz-prefix" >/dev/null
cmake --build build-fuzz -j "$(nproc)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export FLOPSCOPE_FUZZ_KEEP=${FLOPSCOPE_FUZZ_KEEP:-$work/kept}
mkdir -p "$FLOPSCOPE_FUZZ_KEEP"
# One target for $seconds from its seeds and findings: its stats, or its log's end when it failed.
fuzz_target() {
  local target=$1
  mkdir -p "$work/$target"
  cp tests/fuzz/corpus/$target/* "$work/$target/"
  [ -d tests/fuzz/findings/$target ] && cp tests/fuzz/findings/$target/* "$work/$target/"
  echo "fuzzing $target for ${seconds}s"
  build-fuzz/fuzz_$target -max_total_time="$seconds" -print_final_stats=1 "$work/$target" >"$work/$target.log" 2>&1 ||
    { tail -n 40 "$work/$target.log"; return 1; }
  grep -E '^(stat::(number_of_executed_units|average_exec_per_sec|new_units_added)|fuzz_archive: (child lost|[0-9]))' "$work/$target.log" |
    sed -E 's/flopscope-fuzz-[0-9]+/flopscope-fuzz-PID/; s/ \(peak memory [0-9]+ MiB\)//' | sort | uniq -c
}
# The three readers' fuzzers run side by side; the archive fuzzer alone after them, as its children
# need the other core. The formulas reader shares containers with the uninstrumented library, whose
# code AddressSanitizer's container annotations cannot follow.
fuzz_target input_spec >"$work/input_spec.out" 2>&1 & spec=$!
fuzz_target manifest >"$work/manifest.out" 2>&1 & manifest=$!
ASAN_OPTIONS=detect_container_overflow=0 fuzz_target formulas >"$work/formulas.out" 2>&1 & formulas=$!
ok=true
for job in spec manifest formulas; do
  pid=${!job}
  wait "$pid" || ok=false
done
cat "$work/input_spec.out" "$work/manifest.out" "$work/formulas.out"
$ok
fuzz_target archive
