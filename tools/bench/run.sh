#!/usr/bin/env bash
# One command: build, make the big real-weight checkpoint (once, in a scratch directory), run the
# benchmarks and write this LibTorch's section of docs/perf.md. About 25 minutes on 2 cores. The
# LibTorch 2.6 section: tools/in-debian13.sh tools/bench/run.sh (builds into build-debian13/).
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/install_deps.sh
tools/install_exporter_deps.sh  # make_checkpoint.py runs PyTorch
tools/build.sh
scratch=${FLOPSCOPE_SCRATCH:-/tmp/flopscope-bench}
mkdir -p "$scratch"
[ -f "$scratch/ViT-g-14-real.pt" ] || /usr/bin/python3 tools/bench/make_checkpoint.py "$scratch/ViT-g-14-real.pt"
"${FLOPSCOPE_BUILD_DIR:-build}"/tools/bench/flopscope_bench --output docs/perf.md --big "$scratch/ViT-g-14-real.pt" "$@"
