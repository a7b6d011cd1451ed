#include "chart_axis.h"

#include <algorithm>
#include <cmath>

namespace flopscope::chart {
namespace {

// The 1-2-5 value at or above (up = true) or at or below `v` > 0.
double round_125(double v, bool up) {
  const double decade = std::pow(10.0, std::floor(std::log10(v)));
  const double steps[] = {1, 2, 5, 10};
  if (up) {
    for (const double s : steps) {
      if (s * decade >= v * (1 - 1e-12)) return s * decade;
    }
  }
  for (int i = 3; i >= 0; --i) {
    if (steps[i] * decade <= v * (1 + 1e-12)) return steps[i] * decade;
  }
  return decade;
}

}  // namespace

double Axis::fraction(double v) const {
  if (log) return (std::log(v) - std::log(lo)) / (std::log(hi) - std::log(lo));
  return (v - lo) / (hi - lo);
}

Axis linear_axis(double max) {
  Axis axis;
  if (!(max > 0)) max = 1;
  double step = round_125(max / 5, true);  // at most 5 steps above zero
  axis.hi = std::ceil(max / step - 1e-9) * step;
  for (double t = 0; t <= axis.hi * (1 + 1e-9); t += step) axis.ticks.push_back(t);
  return axis;
}

Axis log_axis(double min, double max) {
  Axis axis;
  axis.log = true;
  axis.lo = round_125(min, false);
  axis.hi = round_125(max, true);
  if (axis.hi <= axis.lo) axis.hi = round_125(axis.lo * 1.5, true);
  const bool decades_only = std::log10(axis.hi / axis.lo) > 3;
  for (double decade = std::pow(10.0, std::floor(std::log10(axis.lo))); decade <= axis.hi * 1.000001; decade *= 10) {
    for (const double s : {1.0, 2.0, 5.0}) {
      const double t = s * decade;
      if ((decades_only && s != 1.0) || t < axis.lo * 0.999999 || t > axis.hi * 1.000001) continue;
      axis.ticks.push_back(t);
    }
  }
  return axis;
}

bool all_powers_of_two(const std::vector<int64_t>& values) {
  return !values.empty() && std::all_of(values.begin(), values.end(), [](int64_t v) { return v > 0 && (v & (v - 1)) == 0; });
}

Axis log2_axis(const std::vector<int64_t>& values) {
  Axis axis;
  axis.log = true;
  axis.lo = static_cast<double>(*std::min_element(values.begin(), values.end()));
  axis.hi = static_cast<double>(*std::max_element(values.begin(), values.end()));
  if (axis.hi <= axis.lo) axis.hi = axis.lo * 2;
  for (const int64_t v : values) axis.ticks.push_back(static_cast<double>(v));
  return axis;
}

}  // namespace flopscope::chart
