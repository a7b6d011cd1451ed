#!/usr/bin/env bash
# Installs everything flopscope needs from Debian 12's apt (nothing is downloaded from elsewhere).
# libopenblas0-openmp replaces the reference BLAS that Debian's torch links by default (~30x faster).
# chromium: the tests open the HTML report in a headless browser; help2man writes the man page, man-db checks it;
# ccache keeps compiled units for the next build (tools/ccache-env.sh).
# With arguments, installs those packages instead (tools/fuzz.sh asks for clang and libFuzzer).
set -euo pipefail
packages=(build-essential cmake libtorch-dev libcli11-dev nlohmann-json3-dev libgtest-dev libgmock-dev
          libbenchmark-dev libopenblas0-openmp libseccomp-dev libmuparser-dev libvalijson-dev pkg-config chromium help2man man-db ccache)
[ $# -gt 0 ] && packages=("$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
