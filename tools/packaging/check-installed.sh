#!/usr/bin/env bash
# Inside a fresh Debian root (tools/check-deb.sh): installs the .deb with apt, its dependencies coming
# from the mirror, then uses flopscope as a user would. Any failure stops with a non-zero exit.
set -euo pipefail
deb=$1
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
start=$SECONDS
apt-get install -y -qq --no-install-recommends "./$deb" >/dev/null
echo "check-deb: apt installed $deb with its dependencies in $((SECONDS - start)) s"
echo "check-deb: $(command -v flopscope): $(flopscope --version)"
flopscope hardware | grep -q h100-sxm
flopscope analyze torchscript_models/test/mixed.pt --crosscheck --strict | grep -q "544,896"
flopscope analyze torchscript_models/openclip/ViT-B-16.pt --dry-run --format json | grep -q '"flops": 41225670624'
flopscope analyze torchscript_models/test/mixed.pt --format html -o /tmp/report.html && grep -q "544,896" /tmp/report.html
for file in /usr/share/man/man1/flopscope.1 /usr/share/bash-completion/completions/flopscope \
            /usr/share/doc/flopscope/README.md /usr/lib/cmake/flopscope/flopscopeConfig.cmake /usr/include/flopscope/runtime/model.h; do
  [ -f "$file" ] || { echo "check-deb: $file is missing" >&2; exit 1; }
done
echo "check-deb: flopscope analyzed bundled models in a fresh Debian root"
