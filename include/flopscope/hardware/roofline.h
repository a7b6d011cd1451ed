// Roofline — the least time a workload can take on a device: max(FLOPs / peak, bytes / bandwidth).
//
// The peak is the device's dense peak at the compute precision; bytes are re-priced at the chosen
// storage precisions (Traffic::bytes_at). Everything is a projection from counts and datasheet (or
// measured) figures; nothing here runs the model.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "flopscope/core/traffic.h"
#include "flopscope/hardware/hardware.h"

namespace flopscope {

// The precision a projection assumes: compute and activations in `compute`, weights in `weights`
// (the same, unless weight-only quantization: --weight-precision int4).
struct PrecisionChoice {
  Precision compute = Precision::FP32;
  Precision weights = Precision::FP32;
};
std::string to_string(const PrecisionChoice& choice);  // "bf16", "fp16 (int4 weights)"

int64_t projected_bytes(const Traffic& traffic, const PrecisionChoice& choice);

struct Bound {
  double compute_seconds = 0.0;  // FLOPs / peak
  double memory_seconds = 0.0;   // bytes / bandwidth
  double seconds() const { return compute_seconds > memory_seconds ? compute_seconds : memory_seconds; }
  bool memory_bound() const { return memory_seconds > compute_seconds; }
};

// `integer_flops`, the part of `flops` quantized ops do in integers, take the device's int8 peak (its
// peak at `precision` where it has no int8 figure); the rest the peak at `precision`.
// Throws std::invalid_argument when the device has no peak for `precision` (callers check peak() first).
Bound roofline_bound(int64_t flops, int64_t integer_flops, int64_t bytes, const Hardware& hardware, Precision precision);

// The bound of `flops` (`integer_flops` of them in integers) moving `traffic`, with bytes re-priced at
// `precision`; nullopt when the device has no peak at that compute precision.
std::optional<Bound> projected_bound(int64_t flops, int64_t integer_flops, const Traffic& traffic, const Hardware& hardware,
                                     const PrecisionChoice& precision);

// FLOP per byte above which a workload is compute-bound on this device at this precision.
double ridge_point(const Hardware& hardware, Precision precision);

// What the user asked of hardware: devices, precisions and a frame rate (docs/hardware.md).
struct HardwareQuestion {
  std::vector<Hardware> devices;
  std::vector<PrecisionChoice> precisions;
  double fps = 0.0;  // 0: no frame-rate requirement asked
};

// From the command line's comma-separated lists: --hardware h100-sxm,rtx4090 --precision fp32,bf16
// [--weight-precision int4] [--fps 30]. No precision: fp32. Throws Error(Usage) for an unknown
// precision or a bad frame rate, Error(BadHardware) for a device that cannot be loaded.
HardwareQuestion parse_hardware_question(const std::string& devices, const std::string& precisions,
                                         const std::string& weight_precision, double fps);

}  // namespace flopscope
