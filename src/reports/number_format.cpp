#include "flopscope/reports/number_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace flopscope {

std::string with_separators(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<size_t>(i), ",");
  return n < 0 ? "-" + digits : digits;
}

namespace {

// Divides `value` by 1000 while it is >= 1000 and a larger of `count` units remains; the unit's index.
int scale_by_thousands(double& value, int count) {
  int unit = 0;
  while (unit + 1 < count && std::abs(value) >= 1000.0) {
    value /= 1000.0;
    ++unit;
  }
  return unit;
}

// Multiplies `seconds` by 1000 until it is >= 1 (or nanoseconds); the unit it is then in.
const char* scale_seconds(double& seconds) {
  const char* unit = "s";
  for (const char* smaller : {"ms", "us", "ns"}) {
    if (std::abs(seconds) >= 1.0 || seconds == 0.0) break;
    seconds *= 1000.0;
    unit = smaller;
  }
  return unit;
}

std::string three_significant(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3g", value);
  return buffer;
}

const char* const kDecimalPrefixes[] = {"", "K", "M", "G", "T", "P", "E"};

std::string scaled(double value, const char* const* units, int count, const char* suffix) {
  const int unit = scale_by_thousands(value, count);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, unit == 0 ? "%.0f %s%s" : "%.2f %s%s", value, units[unit], suffix);
  return buffer;
}

}  // namespace

std::string human_flops(int64_t flops) { return scaled(static_cast<double>(flops), kDecimalPrefixes, 7, "FLOPs"); }

std::string human_count(int64_t n) {
  static const char* const units[] = {"", "K", "M", "G", "T"};
  std::string text = scaled(static_cast<double>(n), units, 5, "");
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::string count_cell(int64_t n, bool si) {
  if (!si) return with_separators(n);
  return n < 0 ? "-" + human_count(-n) : human_count(n);
}

std::string human_bytes(int64_t bytes) {
  static const char* const units[] = {"", "K", "M", "G", "T", "P"};
  return scaled(static_cast<double>(bytes), units, 6, "B");
}

std::string mebibytes(int64_t bytes) { return std::to_string((bytes + (1 << 19)) >> 20) + " MiB"; }

std::string human_seconds(double seconds) {
  const char* unit = scale_seconds(seconds);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, std::abs(seconds) >= 100 ? "%.0f %s" : std::abs(seconds) >= 10 ? "%.1f %s" : "%.2f %s",
                seconds, unit);
  return buffer;
}

std::string human_rate(double per_second, const std::string& unit) { return scaled(per_second, kDecimalPrefixes, 7, unit.c_str()); }

std::string round_number(double value, const std::string& unit) {
  const int prefix = scale_by_thousands(value, 7);
  return three_significant(value) + " " + kDecimalPrefixes[prefix] + unit;
}

std::string round_seconds(double seconds) {
  const char* unit = scale_seconds(seconds);
  return three_significant(seconds) + " " + unit;
}

std::string significant(double value, int digits) {
  const int magnitude = value == 0.0 ? 0 : static_cast<int>(std::floor(std::log10(std::abs(value))));
  return fixed(value, std::max(0, digits - 1 - magnitude));
}

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

}  // namespace flopscope
