// Traffic — the bytes an op, a module call or a model moves between memory and the compute units.
//
// Kept as element counts by kind, so a run recorded in float32 can be re-priced at another precision
// (`bytes_at`): floating-point activations and floating-point parameters change size with the
// precision; integer and bool tensors (token ids, masks) keep theirs. docs/bytes.md states the model.
#pragma once

#include <cstdint>

namespace flopscope {

struct Traffic {
  int64_t bytes = 0;                // at the dtypes that ran
  int64_t activation_elements = 0;  // floating-point tensors that are not parameters
  int64_t parameter_elements = 0;   // floating-point parameters (and views of them)
  int64_t other_bytes = 0;          // integer and bool tensors, at their own size

  // Bytes if floating-point activations had `activation_bits` and parameters `weight_bits` per element.
  int64_t bytes_at(int activation_bits, int weight_bits) const {
    return (activation_elements * activation_bits + parameter_elements * weight_bits) / 8 + other_bytes;
  }

  Traffic& operator+=(const Traffic& other) {
    bytes += other.bytes;
    activation_elements += other.activation_elements;
    parameter_elements += other.parameter_elements;
    other_bytes += other.other_bytes;
    return *this;
  }
  friend Traffic operator+(Traffic a, const Traffic& b) { return a += b; }
  friend bool operator==(const Traffic& a, const Traffic& b) {
    return a.bytes == b.bytes && a.activation_elements == b.activation_elements &&
           a.parameter_elements == b.parameter_elements && a.other_bytes == b.other_bytes;
  }
};

}  // namespace flopscope
