#!/usr/bin/env bash
# Runs COMMAND... inside a Debian 13 (trixie) root at the project root, so flopscope builds and tests
# against Debian 13's LibTorch 2.6 from the same source tree:
#   tools/in-debian13.sh tools/test.sh        # build into build-debian13/ and run the whole suite
#
# The root is made once with debootstrap (2 to 5 minutes) and cached in $FLOPSCOPE_DEBIAN13_ROOT
# (default /var/cache/flopscope/debian13), with the archive components in
# $FLOPSCOPE_DEBIAN13_COMPONENTS (default "main contrib"; tools/build-cuda.sh adds non-free). The
# project is bind-mounted at the same path inside it, in a private mount namespace, so nothing stays
# mounted after the command. Needs root (CI runs as root). Builds inside go to build-debian13/ unless
# FLOPSCOPE_BUILD_DIR says otherwise. FLOPSCOPE_DEBIAN_SUITE names another release (tools/check-deb.sh
# installs the .deb into a fresh Debian 12 root: bookworm).
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "$0: needs root (debootstrap, chroot and mounts)" >&2; exit 2; }
project=$(cd "$(dirname "$0")/.." && pwd)
root=${FLOPSCOPE_DEBIAN13_ROOT:-/var/cache/flopscope/debian13}
components=${FLOPSCOPE_DEBIAN13_COMPONENTS:-main contrib}
suite=${FLOPSCOPE_DEBIAN_SUITE:-trixie}
# The mirror apt already uses here also serves trixie.
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}

if [ ! -f "$root/.flopscope-root-ready" ]; then
  "$project/tools/install_deps.sh" debootstrap
  echo "in-debian13: making a Debian $suite root in $root (once; about 5 minutes)" >&2
  rm -rf "$root.partial"
  mkdir -p "$(dirname "$root")"
  debootstrap --variant=minbase --components="${components// /,}" --include=ca-certificates,apt-utils \
    "$suite" "$root.partial" "$mirror" >"$(dirname "$root")/debootstrap.log" 2>&1 ||
    { echo "in-debian13: debootstrap failed; see $(dirname "$root")/debootstrap.log" >&2; exit 1; }
  rm -rf "$root"
  mv "$root.partial" "$root"
  touch "$root/.flopscope-root-ready"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
mkdir -p "$root$project"

export FLOPSCOPE_BUILD_DIR=${FLOPSCOPE_BUILD_DIR:-build-debian13}
# shellcheck disable=SC2016  # expanded by the inner shell
exec unshare --mount --propagation private /bin/bash -euc '
  root=$1 project=$2; shift 2
  mount --rbind /dev "$root/dev"
  mount -t proc proc "$root/proc"
  mount --bind "$project" "$root$project"
  exec chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 CI="${CI:-}" FLOPSCOPE_BUILD_DIR="$FLOPSCOPE_BUILD_DIR" \
    /bin/bash -c "cd \"\$0\" && exec \"\$@\"" "$project" "$@"
' in-debian13 "$root" "$project" "$@"
