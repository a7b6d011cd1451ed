#include "flopscope/core/value_info.h"

#include <map>
#include <stdexcept>

namespace flopscope {

int64_t ValueInfo::numel() const {
  int64_t n = 1;
  for (const int64_t d : shape) n *= d;
  return n;
}

int64_t ValueInfo::dim(int64_t index) const {
  const auto rank = static_cast<int64_t>(shape.size());
  const int64_t i = index < 0 ? index + rank : index;
  if (i < 0 || i >= rank) throw std::out_of_range("dimension " + std::to_string(index) + " of a rank-" + std::to_string(rank) + " tensor");
  return shape[static_cast<size_t>(i)];
}

namespace {
std::string join_dims(const std::vector<int64_t>& dims, const char* sep) {
  std::string text;
  for (size_t i = 0; i < dims.size(); ++i) text += (i ? sep : "") + std::to_string(dims[i]);
  return text;
}
std::string join_elements(const ValueInfo& value, std::string (*fn)(const ValueInfo&)) {
  std::string text;
  for (size_t i = 0; i < value.elements.size(); ++i) text += (i ? ", " : "") + fn(value.elements[i]);
  return text;
}
}  // namespace

std::string describe(const ValueInfo& value) {
  using Kind = ValueInfo::Kind;
  switch (value.kind) {
    case Kind::Tensor: return "[" + join_dims(value.shape, ", ") + "] " + value.dtype;
    case Kind::None: return "None";
    case Kind::Int: return std::to_string(value.int_value);
    case Kind::Double: return std::to_string(value.double_value);
    case Kind::Bool: return value.int_value ? "True" : "False";
    case Kind::String: return "str";
    case Kind::IntList: return "[" + join_dims(value.shape, ", ") + "]";
    case Kind::Tuple: return "(" + join_elements(value, describe) + ")";
    case Kind::List: return "[" + join_elements(value, describe) + "]";
    case Kind::Dict: return "{" + join_elements(value, describe) + "}";
    case Kind::Object: case Kind::Other: return value.text;
  }
  return "?";
}

std::string shape_text(const ValueInfo& value) {
  using Kind = ValueInfo::Kind;
  switch (value.kind) {
    case Kind::Tensor: return value.shape.empty() ? "scalar" : join_dims(value.shape, "x");
    case Kind::Tuple: case Kind::List: return "(" + join_elements(value, shape_text) + ")";
    case Kind::None: return "None";
    default: return "-";
  }
}

}  // namespace flopscope
