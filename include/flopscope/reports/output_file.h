// Writing reports: all or nothing. Content goes to a temporary file next to the target, which is
// renamed over it only once complete, so a failure never leaves a half-written report behind.
#pragma once

#include <string>

namespace flopscope {

// Throws Error(OutputFailed) naming the path and the reason.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace flopscope
