#include "flopscope/hardware/roofline.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "flopscope/core/error.h"

namespace flopscope {

std::string to_string(const PrecisionChoice& choice) {
  if (choice.weights == choice.compute) return to_string(choice.compute);
  return to_string(choice.compute) + " (" + to_string(choice.weights) + " weights)";
}

int64_t projected_bytes(const Traffic& traffic, const PrecisionChoice& choice) {
  return traffic.bytes_at(storage_bits(choice.compute), storage_bits(choice.weights));
}

namespace {
const Rate& peak_of(const Hardware& hardware, Precision precision) {
  const Rate* peak = hardware.peak(precision);
  if (peak == nullptr) throw std::invalid_argument(hardware.name + " has no " + to_string(precision) + " peak");
  return *peak;
}
}  // namespace

Bound roofline_bound(int64_t flops, int64_t integer_flops, int64_t bytes, const Hardware& hardware, Precision precision) {
  const double peak = peak_of(hardware, precision).value;
  const Rate* integer_peak = hardware.peak(Precision::INT8);
  Bound bound;
  bound.compute_seconds = static_cast<double>(flops - integer_flops) / peak +
                          static_cast<double>(integer_flops) / (integer_peak != nullptr ? integer_peak->value : peak);
  bound.memory_seconds = static_cast<double>(bytes) / hardware.bandwidth.value;
  return bound;
}

std::optional<Bound> projected_bound(int64_t flops, int64_t integer_flops, const Traffic& traffic, const Hardware& hardware,
                                     const PrecisionChoice& precision) {
  if (hardware.peak(precision.compute) == nullptr) return std::nullopt;
  return roofline_bound(flops, integer_flops, projected_bytes(traffic, precision), hardware, precision.compute);
}

double ridge_point(const Hardware& hardware, Precision precision) {
  return peak_of(hardware, precision).value / hardware.bandwidth.value;
}

namespace {
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

Precision precision_named(const std::string& name, const std::string& option) {
  const auto precision = parse_precision(name);
  if (!precision) throw Error(ExitCode::Usage, option + ": unknown precision '" + name + "' (fp64 fp32 tf32 bf16 fp16 fp8 int8 int4)");
  return *precision;
}
}  // namespace

HardwareQuestion parse_hardware_question(const std::string& devices, const std::string& precisions,
                                         const std::string& weight_precision, double fps) {
  HardwareQuestion question;
  if (!std::isfinite(fps) || fps < 0) throw Error(ExitCode::Usage, "--fps must be a positive number of frames per second");
  question.fps = fps;
  std::optional<Precision> weights;
  if (!weight_precision.empty()) weights = precision_named(weight_precision, "--weight-precision");
  for (const std::string& name : split_list(precisions.empty() ? "fp32" : precisions)) {
    const Precision compute = precision_named(name, "--precision");
    question.precisions.push_back({compute, weights.value_or(compute)});
  }
  for (const std::string& name : split_list(devices)) question.devices.push_back(load_hardware(name));
  return question;
}

}  // namespace flopscope
