#!/usr/bin/env bash
# One command: build, make the real-weight checkpoints (once, in a scratch directory: 1.6 and 9.5 GiB,
# about 2 minutes), run the benchmarks and write this LibTorch's sections of docs/perf.md. About 30
# minutes on 2 cores; with --only-real-weights only the real-weight dry runs (about 3 minutes). The
# LibTorch 2.6 sections: tools/in-debian13.sh tools/bench/run.sh (builds into build-debian13/).
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/install_deps.sh
tools/install_exporter_deps.sh  # make_checkpoint.py runs PyTorch
tools/build.sh
scratch=${FLOPSCOPE_SCRATCH:-/tmp/flopscope-bench}
mkdir -p "$scratch"
real=()
for name in ViT-L-14 ViT-bigG-14; do
  [ -f "$scratch/$name-real.pt" ] || /usr/bin/python3 tools/bench/make_checkpoint.py "$name" "$scratch/$name-real.pt"
  real+=("$scratch/$name-real.pt")
done
"${FLOPSCOPE_BUILD_DIR:-build}"/tools/bench/flopscope_bench --output docs/perf.md --real-weights "$(IFS=,; echo "${real[*]}")" "$@"
