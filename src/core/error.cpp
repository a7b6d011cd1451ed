#include "flopscope/core/error.h"

namespace flopscope {

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  const auto last = line.find_last_not_of(" \t\r");
  return last == std::string::npos ? std::string() : line.substr(0, last + 1);
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
