// InputSpec — how a user describes one argument of the analyzed method: "1x3x224x224:float32[:fill]".
//
// Grammar:  SHAPE ':' DTYPE [ ':' FILL ]
//   SHAPE   dims joined by 'x', each an integer >= 0 ("1x77"); a scalar tensor is written "scalar".
//   DTYPE   float32 | float16 | bfloat16 | float64 | int64 | int32 | int16 | int8 | uint8 | bool (core/dtype.h)
//   FILL    randn (default for floats) | zeros (default for ints and bool) | ones | randint:LOW:HIGH
// Parsing never touches LibTorch, so it is cheap to test and to fuzz.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "flopscope/core/dtype.h"

namespace flopscope {

enum class Fill { Randn, Zeros, Ones, RandInt };

struct InputSpec {
  std::vector<int64_t> shape;
  DType dtype = DType::Float32;
  Fill fill = Fill::Randn;
  int64_t randint_low = 0;   // inclusive, for Fill::RandInt
  int64_t randint_high = 0;  // exclusive, for Fill::RandInt
};

// Throws flopscope::Error(ExitCode::Usage) naming what is wrong with `text`.
InputSpec parse_input_spec(const std::string& text);

// The canonical text of a spec; parse_input_spec(to_string(s)) == s.
std::string to_string(const InputSpec& spec);

// Replaces dim 0 of every spec that has at least one dim (--batch N). Throws Usage for N < 1.
void apply_batch(std::vector<InputSpec>& specs, int64_t batch);

// Some dims of one input, all set to one size N: `sweep --vary I:D[,D...]=N1,N2,...`.
struct VariedDims {
  size_t input = 0;
  std::vector<size_t> dims;  // distinct, ascending
  std::string text() const;  // "0:2,3"
};

struct SizedDims {
  VariedDims varied;
  int64_t size = 0;
};

// Parses "I:D[,D...]" ("0:2,3"). Throws Usage.
VariedDims parse_varied_dims(const std::string& text);

// Sets the varied dims of input `varied.input` to `size`. Throws Usage when there is no such input or
// dim, or N < 1.
void apply_sized_dims(std::vector<InputSpec>& specs, const SizedDims& sized);

// Number of elements, or throws Usage if the product overflows int64.
int64_t checked_numel(const std::vector<int64_t>& shape);

}  // namespace flopscope
