# Sourced by the build scripts: compile through ccache (Debian's package, which tools/install_deps.sh
# installs) when it is there. CMake reads CMAKE_CXX_COMPILER_LAUNCHER when it configures a build
# directory. CCACHE_BASEDIR makes paths under the project relative, so a clone at another path reuses
# the objects an earlier clone compiled; the sloppiness lets ccache cache units that use CMake's
# precompiled headers. Cold, ccache only adds its bookkeeping (docs/ci.md).
if command -v ccache >/dev/null 2>&1; then
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache
  CCACHE_BASEDIR=$(pwd -P)
  export CCACHE_BASEDIR
  export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
  # Debug builds (the sanitizer's -g1) too: ccache would otherwise key them on the working directory.
  export CCACHE_NOHASHDIR=1
fi
