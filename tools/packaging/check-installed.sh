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
# Each output is kept whole before it is searched (grep -q would close the pipe on a writing flopscope).
expect() {
  local output=$1 text=$2
  grep -qF -- "$text" <<<"$output" || { echo "check-deb: expected \"$text\" in the output" >&2; exit 1; }
}
expect "$(flopscope hardware)" "from /usr/share/flopscope/hardware/h100-sxm.json"
expect "$(flopscope analyze torchscript_models/test/mixed.pt --crosscheck --strict)" "544,896"
expect "$(flopscope analyze torchscript_models/openclip/ViT-B-16.pt --dry-run --format json)" '"flops": 41225670624'
flopscope analyze torchscript_models/test/mixed.pt --format html -o /tmp/report.html
expect "$(cat /tmp/report.html)" "544,896"
for file in /usr/share/man/man1/flopscope.1.gz /usr/share/bash-completion/completions/flopscope \
            /usr/share/doc/flopscope/README.md /usr/lib/cmake/flopscope/flopscopeConfig.cmake /usr/include/flopscope/runtime/model.h; do
  [ -f "$file" ] || { echo "check-deb: $file is missing" >&2; exit 1; }
done
echo "check-deb: flopscope analyzed bundled models in a fresh Debian root"
