#!/usr/bin/env bash
# The .deb as a user gets it: CPack makes build/flopscope_<version>_amd64.deb from the release build,
# and apt installs it into a fresh Debian 12 root (a copy of a debootstrap root made once and cached
# in /var/cache/flopscope/debian12), where flopscope runs on bundled models
# (tools/packaging/check-installed.sh). Needs root, like tools/in-debian13.sh. CI runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "$0: needs root (debootstrap, chroot and mounts)" >&2; exit 2; }
tools/install_deps.sh
tools/build.sh
(cd build && cpack -G DEB >/dev/null)
deb=$(ls build/flopscope_*_amd64.deb)
echo "check-deb: $deb is $(du -k "$deb" | cut -f1) KiB; Depends: $(dpkg-deb --field "$deb" Depends)"
export FLOPSCOPE_DEBIAN_SUITE=bookworm
base=/var/cache/flopscope/debian12
FLOPSCOPE_DEBIAN13_ROOT=$base tools/in-debian13.sh true
fresh=$(mktemp -d /var/tmp/flopscope-debian12.XXXXXX)
trap 'rm -rf "$fresh"' EXIT
cp -a "$base/." "$fresh/"
FLOPSCOPE_DEBIAN13_ROOT=$fresh tools/in-debian13.sh tools/packaging/check-installed.sh "$deb"
