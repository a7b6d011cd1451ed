#include "flopscope/error.h"

namespace flopscope {

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  const auto last = line.find_last_not_of(" \t\r");
  return last == std::string::npos ? std::string() : line.substr(0, last + 1);
}

}  // namespace flopscope
