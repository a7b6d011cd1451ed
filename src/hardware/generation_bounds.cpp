#include "flopscope/hardware/generation_bounds.h"

#include <cmath>
#include <regex>

#include "flopscope/core/error.h"

namespace flopscope {

std::string GenerationPrecision::name() const {
  return "w" + std::to_string(weight_bits) + "a" + std::to_string(activation_bits) +
         (kv_bits == activation_bits ? "" : "kv" + std::to_string(kv_bits));
}

std::vector<GenerationPrecision> parse_generation_precisions(const std::string& text) {
  static const std::regex kItem(R"(w(32|16|8|4)a(32|16|8)(?:kv(32|16|8|4))?|kv(32|16|8|4))");
  std::vector<GenerationPrecision> precisions;
  std::optional<int> every_kv;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    std::smatch match;
    if (!std::regex_match(item, match, kItem)) {
      throw Error(ExitCode::Usage, "--precision takes wNaM[kvK] items (weights 32/16/8/4 bits, activations 32/16/8, KV cache 32/16/8/4) "
                                   "or a lone kvK, e.g. w16a16,w8a8,w4a16,kv8; got '" + item + "'");
    }
    if (match[4].matched) {
      every_kv = std::stoi(match[4]);
    } else {
      GenerationPrecision precision;
      precision.weight_bits = std::stoi(match[1]);
      precision.activation_bits = std::stoi(match[2]);
      precision.kv_bits = match[3].matched ? std::stoi(match[3]) : precision.activation_bits;
      precisions.push_back(precision);
    }
    start = comma + 1;
  }
  if (precisions.empty()) precisions.push_back({});
  if (every_kv) {
    for (GenerationPrecision& precision : precisions) precision.kv_bits = *every_kv;
  }
  return precisions;
}

namespace {

// The floating-point peak: fp32 for a32, else fp16 (bf16 where the device has no fp16 figure).
std::optional<Precision> compute_precision(const Hardware& device, const GenerationPrecision& precision) {
  if (precision.activation_bits == 32) return device.peak(Precision::FP32) ? std::optional(Precision::FP32) : std::nullopt;
  for (const Precision half : {Precision::FP16, Precision::BF16}) {
    if (device.peak(half) != nullptr) return half;
  }
  return std::nullopt;
}

// A step's bound for `copies` concurrent copies of the measured run: weights once, the rest x copies.
Bound step_bound(const Counts& counts, const StepBytes& bytes, int64_t copies, const Hardware& device,
                 const GenerationPrecision& precision, Precision compute) {
  StepBytes shared = bytes;
  shared.kv_read_elements = shared.kv_written_elements = shared.activation_elements = shared.other_bytes = 0;
  const int64_t weights = shared.bytes_at(precision.weight_bits, precision.activation_bits, precision.kv_bits);
  const int64_t per_copy =
      bytes.bytes_at(precision.weight_bits, precision.activation_bits, precision.kv_bits) - weights;
  // a8: the matrix products run on the int8 units; quantized ops in the file do anyway.
  const int64_t integer = precision.activation_bits == 8 ? counts.matmul_flops : counts.integer_flops;
  return roofline_bound(counts.flops() * copies, integer * copies, weights + per_copy * copies, device, compute);
}

}  // namespace

std::optional<Bound> work_bound(const Counts& counts, const StepBytes& bytes, const Hardware& device, const GenerationPrecision& precision) {
  const std::optional<Precision> compute = compute_precision(device, precision);
  if (!compute) return std::nullopt;
  return step_bound(counts, bytes, 1, device, precision, *compute);
}

std::vector<GenerationBound> bound_generation(const GenerationResult& result, const std::vector<Hardware>& devices,
                                              const std::vector<GenerationPrecision>& precisions, int64_t batch) {
  std::vector<GenerationBound> bounds;
  const int64_t first = result.prompt, last = result.prompt + result.new_tokens - 1;
  for (const Hardware& device : devices) {
    for (const GenerationPrecision& precision : precisions) {
      const std::optional<Precision> compute = compute_precision(device, precision);
      if (!compute) continue;
      GenerationBound bound;
      bound.device = device.name;
      bound.precision = precision;
      bound.compute = *compute;
      bound.prefill = step_bound(result.prefill().counts, result.prefill().bytes, 1, device, precision, *compute);
      const auto decode = [&](int64_t context, int64_t copies) {
        return step_bound(result.decode_counts(context), result.decode_bytes(context), copies, device, precision, *compute);
      };
      bound.first_decode = decode(first, 1);
      bound.last_decode = decode(last, 1);
      for (int64_t context = first; context <= last; ++context) bound.decode_seconds += decode(context, 1).seconds();
      bound.tokens_per_second = static_cast<double>(result.batch * result.new_tokens) / bound.decode_seconds;
      bound.batch = batch;
      bound.batch_tokens_per_second = static_cast<double>(result.batch * batch) / decode(first, batch).seconds();
      // Compute time grows with the batch; memory time only in its per-copy part: they cross once.
      const Bound& one = bound.first_decode;
      const Bound two = decode(first, 2);
      const double compute_per_copy = one.compute_seconds;
      const double memory_per_copy = two.memory_seconds - one.memory_seconds;
      const double memory_shared = one.memory_seconds - memory_per_copy;
      if (compute_per_copy > memory_per_copy) {
        auto copies = static_cast<int64_t>(std::ceil(memory_shared / (compute_per_copy - memory_per_copy)));
        copies = std::max<int64_t>(copies, 1);
        while (decode(first, copies).memory_bound()) ++copies;  // rounding
        bound.compute_bound_batch = copies * result.batch;
      }
      Counts weight_products = result.decode_counts(first);
      weight_products.matmul_flops -= weight_products.activation_flops;
      weight_products.elementwise_flops = weight_products.activation_flops = 0;
      StepBytes weights_only;
      weights_only.weight_elements = result.decode_bytes(first).weight_elements;
      const auto weights_bound = [&](int64_t copies) { return step_bound(weight_products, weights_only, copies, device, precision, *compute); };
      const Bound single = weights_bound(1);
      bound.weights_compute_bound_batch = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(single.memory_seconds / single.compute_seconds)));
      while (weights_bound(bound.weights_compute_bound_batch).memory_bound()) ++bound.weights_compute_bound_batch;  // rounding
      bound.weights_compute_bound_batch *= result.batch;
      bounds.push_back(bound);
    }
  }
  return bounds;
}

RequiredRate required_rate(const GenerationResult& result, const GenerationPrecision& precision, double tokens_per_second) {
  const double steps = static_cast<double>(result.new_tokens);
  const double per_step_flops = static_cast<double>(result.decode_total().flops()) / steps;
  const double per_step_bytes =
      static_cast<double>(result.decode_bytes_total().bytes_at(precision.weight_bits, precision.activation_bits, precision.kv_bits)) / steps;
  const double steps_per_second = tokens_per_second / static_cast<double>(result.batch);
  return {per_step_flops * steps_per_second, per_step_bytes * steps_per_second};
}

}  // namespace flopscope
