#include "flopscope/core/error.h"

namespace flopscope {

std::string first_line(const std::string& text) {
  // LibTorch's messages can start with a newline ("\nUnknown builtin op: ..."): skip blank lines.
  std::string::size_type start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    const auto first = line.find_first_not_of(" \t\r");
    if (first != std::string::npos) {
      const auto last = line.find_last_not_of(" \t\r");
      return line.substr(first, last - first + 1);
    }
    start = end + 1;
  }
  return "";
}

std::string error_cause(const std::string& text) {
  if (text.find("The following operation failed in the TorchScript interpreter") == std::string::npos) {
    return first_line(text);
  }
  std::string cause;
  std::string::size_type start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    const auto colon = line.find("Error: ");
    if (colon != std::string::npos && line.find(' ') > colon) cause = line;
    start = end + 1;
  }
  return cause.empty() ? first_line(text) : first_line(cause);
}

}  // namespace flopscope
