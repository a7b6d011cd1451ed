// Running a program from a test: its exit code (128 + signal when killed) and what it printed.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace flopscope::testing {

struct Result {
  int code = -1;
  std::string out, err;
};

inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// `command` through the shell; its stdout and stderr go through files in `scratch`.
inline Result run_command(const std::string& command, const std::filesystem::path& scratch) {
  const std::string out = (scratch / "stdout").string(), err = (scratch / "stderr").string();
  const int status = std::system((command + " >" + out + " 2>" + err).c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), slurp(out), slurp(err)};
}

}  // namespace flopscope::testing
