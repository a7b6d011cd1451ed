#!/usr/bin/env bash
# One command: build, make the big real-weight checkpoint (once, in a scratch directory), run the
# benchmarks and write docs/perf.md. Takes about 10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/install_deps.sh
tools/build.sh
scratch=${FLOPSCOPE_SCRATCH:-/tmp/flopscope-bench}
mkdir -p "$scratch"
[ -f "$scratch/ViT-g-14-real.pt" ] || /usr/bin/python3 tools/bench/make_checkpoint.py "$scratch/ViT-g-14-real.pt"
build/tools/bench/flopscope_bench --output docs/perf.md --big "$scratch/ViT-g-14-real.pt" "$@"
