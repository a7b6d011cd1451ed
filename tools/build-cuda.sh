#!/usr/bin/env bash
# Builds flopscope against Debian 13's CUDA LibTorch (libtorch-cuda-dev 2.6 from contrib, with NVIDIA's
# CUDA libraries from non-free) into build-cuda/, in a Debian 13 root of its own (libtorch-cuda-dev
# replaces libtorch-dev). Several GB of packages: not part of CI. Needs root, like tools/in-debian13.sh.
#   tools/build-cuda.sh               # make the root (once), install, configure, build
#   tools/build-cuda.sh --test        # then also run the test suite (CUDA tests need a visible GPU)
#
# cuDNN: libtorch-cuda depends on Debian's nvidia-cudnn, an installer that downloads cuDNN from NVIDIA
# once its license is accepted. This script declines by default, which installs no cuDNN: flopscope
# compiles and links, but LibTorch's CUDA library cannot be loaded until cuDNN is present. On the GPU
# machine, accept NVIDIA's license yourself (FLOPSCOPE_ACCEPT_CUDNN_LICENSE=yes, needs access to
# developer.download.nvidia.com) or install cuDNN 9 another way.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--inside" ]; then
  shift
  answer="I Decline"
  [ "${FLOPSCOPE_ACCEPT_CUDNN_LICENSE:-}" = "yes" ] && answer="I Agree"
  apt-get install -y -qq debconf-utils >/dev/null
  echo "nvidia-cudnn nvidia-cudnn/question select $answer" | debconf-set-selections
  # nvidia-cuda-toolkit: Debian's Caffe2 CMake config finds CUDA through nvcc and enables the CUDA language.
  tools/install_deps.sh build-essential cmake libtorch-cuda-dev nvidia-cuda-toolkit libcli11-dev nlohmann-json3-dev \
    libgtest-dev libgmock-dev libbenchmark-dev libopenblas0-openmp libseccomp-dev libmuparser-dev pkg-config
  # PRE_TEST: the test binary is listed when ctest runs, not when it is linked (it cannot start without cuDNN).
  tools/build.sh -DFLOPSCOPE_BUILD_BENCH=OFF -DCMAKE_SHARED_LINKER_FLAGS=-Wl,--allow-shlib-undefined \
    -DCMAKE_EXE_LINKER_FLAGS=-Wl,--allow-shlib-undefined -DCMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE=PRE_TEST
  if ! ldconfig -p | grep -q libcudnn.so.9; then
    echo "build-cuda/ is built; it cannot run here: cuDNN 9 (libcudnn.so.9) is not installed (see this script's header)" >&2
    exit 0
  fi
  build-cuda/flopscope --version
  if [ "${1:-}" = "--test" ]; then ctest --test-dir build-cuda --output-on-failure -j "$(nproc)" -LE slow; fi
  exit 0
fi
export FLOPSCOPE_DEBIAN13_ROOT=${FLOPSCOPE_DEBIAN13_ROOT:-/var/cache/flopscope/debian13-cuda}
export FLOPSCOPE_DEBIAN13_COMPONENTS="main contrib non-free non-free-firmware"
export FLOPSCOPE_BUILD_DIR=build-cuda
exec tools/in-debian13.sh tools/build-cuda.sh --inside "$@"
