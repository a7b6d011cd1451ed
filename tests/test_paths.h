// Where this build's source tree, build tree and command-line tool are. Only tests/test_paths.cpp is
// compiled with these paths, so every other test unit compiles to the same object in a clone at
// another path (ccache reuses it: docs/ci.md).
#pragma once

#include <string>

namespace flopscope::testing {

std::string source_dir();  // the project root, no trailing slash
std::string build_dir();   // this build's directory
std::string cli_path();    // the flopscope executable of this build
std::string user_ops_path();  // tests/user_op_library.cpp, built as a shared object

}  // namespace flopscope::testing
