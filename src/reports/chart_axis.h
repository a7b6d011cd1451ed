// Chart axes: where a value falls on a linear or logarithmic axis, and round tick values to label it
// with (1-2-5 steps); labels come from round_number and round_seconds (number_format.h). Used by the
// sweep chart; the roofline chart keeps its decades.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flopscope::chart {

struct Axis {
  bool log = false;
  double lo = 0, hi = 1;       // the ends of the axis (lo > 0 on a log axis)
  std::vector<double> ticks;   // values to mark and label, lo <= tick <= hi
  double fraction(double v) const;  // 0 at lo, 1 at hi
};

// From 0 to the first 1-2-5 multiple at or above `max`, in 1-2-5 steps, 3 to 6 ticks.
Axis linear_axis(double max);
// Logarithmic, ends at 1-2-5 values around [min, max] (both > 0), ticks at 1, 2 and 5 times powers
// of ten, or at powers of ten alone when the range spans more than three decades.
Axis log_axis(double min, double max);
// Logarithmic in base 2 for values that are all powers of two: a tick at each value.
Axis log2_axis(const std::vector<int64_t>& values);
bool all_powers_of_two(const std::vector<int64_t>& values);

}  // namespace flopscope::chart
