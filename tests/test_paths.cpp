#include "test_paths.h"

namespace flopscope::testing {

std::string source_dir() { return FLOPSCOPE_SOURCE_DIR; }
std::string build_dir() { return FLOPSCOPE_BUILD_DIR; }
std::string cli_path() { return FLOPSCOPE_CLI; }
std::string user_ops_path() { return FLOPSCOPE_USER_OPS; }

}  // namespace flopscope::testing
