// InputSpec — how a user describes one argument of the analyzed method: a tensor
// "1x3x224x224:float32[:fill]", or a list, tuple, None or scalar holding such specs.
//
// Grammar:  SPEC    = TENSOR | '[' [SPEC {',' SPEC}] ']' | '(' [SPEC {',' SPEC}] ')' | 'none'
//                     | 'int:' INTEGER | 'float:' NUMBER | 'bool:' ('true' | 'false')
//           TENSOR  = SHAPE [ ':' DTYPE [ ':' FILL ] ]
//   SHAPE   dims joined by 'x', each an integer >= 0 ("1x77", "1x8x0x64" for an empty KV cache); a
//           scalar tensor is written "scalar".
//   DTYPE   float32 (the default) | float16 | bfloat16 | float64 | int64 | int32 | int16 | int8 | uint8 | bool,
//           or PyTorch's names: float, half, double, long, int, short (core/dtype.h)
//   FILL    randn (default for floats) | zeros (default for ints and bool) | ones | randint:LOW:HIGH
// A list is a List[T] argument (torchvision detection models take List[Tensor] images), a tuple a
// Tuple[...], `none` an Optional left empty. Parsing never touches LibTorch, so it is cheap to test and
// to fuzz.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "flopscope/core/dtype.h"

namespace flopscope {

enum class Fill { Randn, Zeros, Ones, RandInt };

struct InputSpec {
  enum class Kind { Tensor, List, Tuple, None, Int, Float, Bool };
  Kind kind = Kind::Tensor;
  // Kind::Tensor
  std::vector<int64_t> shape;
  DType dtype = DType::Float32;
  Fill fill = Fill::Randn;
  int64_t randint_low = 0;   // inclusive, for Fill::RandInt
  int64_t randint_high = 0;  // exclusive, for Fill::RandInt
  // Kind::List and Kind::Tuple
  std::vector<InputSpec> elements;
  // Kind::Int and Kind::Bool (0 or 1); Kind::Float
  int64_t integer = 0;
  double real = 0;

  bool is_tensor() const { return kind == Kind::Tensor; }
  friend bool operator==(const InputSpec& a, const InputSpec& b);
  friend bool operator!=(const InputSpec& a, const InputSpec& b) { return !(a == b); }
};

// Throws flopscope::Error(ExitCode::Usage) naming what is wrong with `text` and where.
InputSpec parse_input_spec(const std::string& text);

// The canonical text of a spec; parse_input_spec(to_string(s)) == s.
std::string to_string(const InputSpec& spec);

// Bytes of every tensor in the spec. Throws Usage if a count overflows int64.
int64_t input_bytes(const InputSpec& spec);

// --batch N: a batch is N samples. Replaces dim 0 of every tensor argument and of every tensor in a
// tuple; a list of tensors (torchvision's List[Tensor] of images) becomes N elements long, repeating
// the elements written in order. Scalars and `none` stay. Throws Usage for N < 1.
void apply_batch(std::vector<InputSpec>& specs, int64_t batch);

// The batch the specs describe, as apply_batch sets it: dim 0 of the first tensor argument or tuple
// tensor, or the length of the first list; 1 when there is none.
int64_t batch_size(const std::vector<InputSpec>& specs);

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
// dim, the input is not a tensor, or N < 1.
void apply_sized_dims(std::vector<InputSpec>& specs, const SizedDims& sized);

// Number of elements, or throws Usage if the product overflows int64.
int64_t checked_numel(const std::vector<int64_t>& shape);

}  // namespace flopscope
