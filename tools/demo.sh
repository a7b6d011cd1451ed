#!/usr/bin/env bash
# One command on a fresh Debian 12 machine: install, build, analyze a bundled model.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
tools/build.sh
model=${1:-torchscript_models/openclip/ViT-B-16.pt}
[ -f "$model" ] || model=torchscript_models/test/mixed.pt
build/flopscope analyze "$model" --depth 3 --crosscheck
