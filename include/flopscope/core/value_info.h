// ValueInfo — what flopscope remembers of one runtime value: its kind, and for tensors shape and
// dtype (never the data). Containers keep their elements; small scalars keep their value, because
// op formulas read arguments such as num_heads or a conv's stride.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flopscope {

struct ValueInfo {
  enum class Kind { Tensor, None, Int, Double, Bool, String, IntList, Tuple, List, Dict, Object, Other };

  Kind kind = Kind::Other;
  std::vector<int64_t> shape;  // Tensor: sizes; IntList: the values
  std::string dtype;           // Tensor: "float32", ...
  std::string text;            // String: the value (GELU's "tanh", an einsum equation); Object/Other: the type name
  int64_t int_value = 0;       // Int, Bool
  double double_value = 0.0;   // Double
  std::vector<ValueInfo> elements;  // Tuple, List, Dict (dict: key, value, key, value, ...)
  // Tensor: a weight, i.e. a parameter, a buffer the run has not written or a constant (op arguments only).
  bool is_parameter = false;
  bool repeats_earlier_tensor = false;  // Tensor: the same tensor as an earlier argument (op arguments only)
  bool is_out_argument = false;     // Tensor: an out= buffer, written and not read (op arguments only)
  bool is_view_of_input = false;    // Tensor: shares an argument's memory and is not written (op outputs only)
  bool requires_grad = false;       // Tensor: autograd was to compute its gradient (training steps)

  bool is_tensor() const { return kind == Kind::Tensor; }
  int64_t numel() const;
  int64_t dim(int64_t index) const;  // negative index counts from the end; throws std::out_of_range
};

// "[1, 3, 224, 224] float32", "None", "([2, 5, 8] float32, None)", ...
std::string describe(const ValueInfo& value);

// "1x3x224x224", the compact form used in report tables ("-" when not a tensor).
std::string shape_text(const ValueInfo& value);

}  // namespace flopscope
