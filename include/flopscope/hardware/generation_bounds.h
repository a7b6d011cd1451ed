// Generation bounds — a generation (analysis/generation.h) on a device's roofline: time to first
// token, time per decoded token, tokens/s per sequence and at a batch of concurrent sequences, the
// batch at which decoding turns compute-bound, and what a target rate needs. Weights, activations
// and the KV cache each have their own bits (w4a16kv8). Projections from counts and datasheet
// figures; nothing here runs the model (docs/generate.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "flopscope/analysis/generation.h"
#include "flopscope/hardware/hardware.h"
#include "flopscope/hardware/roofline.h"

namespace flopscope {

struct GenerationPrecision {
  int weight_bits = 16;
  int activation_bits = 16;  // 32 (fp32 compute), 16 (fp16, or bf16 where a device has no fp16), 8 (int8 products)
  int kv_bits = 16;
  std::string name() const;  // "w16a16", "w4a16kv8"
};

// "w16a16,w8a8,w4a16", each with an optional kvN ("w4a16kv8"; the KV cache takes the activations' bits
// unless told), or a lone "kv8" that applies to every precision listed. Throws Error(Usage).
std::vector<GenerationPrecision> parse_generation_precisions(const std::string& text);

struct GenerationBound {
  std::string device;
  GenerationPrecision precision;
  Precision compute = Precision::FP16;  // the peak the floating-point work takes
  Bound prefill;                         // the time to first token
  Bound first_decode, last_decode;       // decode steps at L = P and L = P + N - 1
  double decode_seconds = 0.0;           // every decode step, each at its own bound
  double tokens_per_second = 0.0;        // one sequence: N / decode_seconds
  int64_t batch = 1;                     // concurrent sequences asked
  double batch_tokens_per_second = 0.0;  // all of them together, decode steps at L = P
  std::optional<int64_t> compute_bound_batch;  // least batch whose step at L = P is compute-bound; none: never
  // The same for the products with weights alone (no attention over the cache, no KV or activation
  // bytes): the batch that the figure "decoding is memory-bound below batch ~ridge" refers to.
  int64_t weights_compute_bound_batch = 1;
  double request_seconds() const { return prefill.seconds() + decode_seconds; }
};

// The bound of `counts` moving `bytes` once on `device` at `precision`: nullopt when the device has
// no peak for the precision's compute (a16 on a device without fp16 or bf16 figures).
std::optional<Bound> work_bound(const Counts& counts, const StepBytes& bytes, const Hardware& device, const GenerationPrecision& precision);

// For every device with a peak at a precision's compute: the bounds of `result` (run at batch 1).
// `batch` concurrent sequences share each weight read; their FLOPs, KV cache and activations add up.
std::vector<GenerationBound> bound_generation(const GenerationResult& result, const std::vector<Hardware>& devices,
                                              const std::vector<GenerationPrecision>& precisions, int64_t batch);

// What a target of `tokens_per_second` per sequence needs, at the request's mean decode step.
struct RequiredRate {
  double flops_per_second = 0.0;
  double bytes_per_second = 0.0;
};
RequiredRate required_rate(const GenerationResult& result, const GenerationPrecision& precision, double tokens_per_second);

}  // namespace flopscope
