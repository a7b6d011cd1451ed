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

std::string human_bytes(int64_t bytes) {
  static const char* const units[] = {"", "K", "M", "G", "T", "P"};
  return scaled(static_cast<double>(bytes), units, 6, "B");
}

std::string mebibytes(int64_t bytes) { return std::to_string((bytes + (1 << 19)) >> 20) + " MiB"; }

std::string human_seconds(double seconds) {
  const char* unit = "s";
  for (const char* smaller : {"ms", "us", "ns"}) {
    if (std::abs(seconds) >= 1.0 || seconds == 0.0) break;
    seconds *= 1000.0;
    unit = smaller;
  }
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, std::abs(seconds) >= 100 ? "%.0f %s" : std::abs(seconds) >= 10 ? "%.1f %s" : "%.2f %s",
                seconds, unit);
  return buffer;
}

std::string human_rate(double per_second, const std::string& unit) {
  static const char* const units[] = {"", "K", "M", "G", "T", "P", "E"};
  return scaled(per_second, units, 7, unit.c_str());
}

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

}  // namespace flopscope
