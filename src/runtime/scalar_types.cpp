#include "runtime/scalar_types.h"

#include <utility>

namespace flopscope {
namespace {

constexpr std::pair<c10::ScalarType, DType> kScalarTypes[] = {
    {c10::kFloat, DType::Float32}, {c10::kHalf, DType::Float16}, {c10::kBFloat16, DType::BFloat16},
    {c10::kDouble, DType::Float64}, {c10::kLong, DType::Int64},  {c10::kInt, DType::Int32},
    {c10::kShort, DType::Int16},    {c10::kChar, DType::Int8},   {c10::kByte, DType::UInt8},
    {c10::kBool, DType::Bool},
};

}  // namespace

std::string dtype_text(c10::ScalarType type) {
  for (const auto& [scalar, dtype] : kScalarTypes) {
    if (scalar == type) return dtype_name(dtype);
  }
  return c10::toString(type);
}

c10::ScalarType scalar_type(DType dtype) {
  for (const auto& [scalar, known] : kScalarTypes) {
    if (known == dtype) return scalar;
  }
  return c10::kFloat;  // every DType has a row
}

}  // namespace flopscope
