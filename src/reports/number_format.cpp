#include "flopscope/reports/number_format.h"

#include <cmath>
#include <cstdio>

namespace flopscope {

std::string with_separators(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<size_t>(i), ",");
  return n < 0 ? "-" + digits : digits;
}

namespace {

std::string scaled(double value, const char* const* units, int count, const char* suffix) {
  int unit = 0;
  while (unit + 1 < count && std::abs(value) >= 1000.0) {
    value /= 1000.0;
    ++unit;
  }
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, unit == 0 ? "%.0f %s%s" : "%.2f %s%s", value, units[unit], suffix);
  return buffer;
}

}  // namespace

std::string human_flops(int64_t flops) {
  static const char* const units[] = {"", "K", "M", "G", "T", "P", "E"};
  return scaled(static_cast<double>(flops), units, 7, "FLOPs");
}

std::string human_count(int64_t n) {
  static const char* const units[] = {"", "K", "M", "G", "T"};
  std::string text = scaled(static_cast<double>(n), units, 5, "");
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

}  // namespace flopscope
