// LibTorch's scalar types and flopscope's DType (core/dtype.h), matched in one table.
#pragma once

#include <c10/core/ScalarType.h>

#include <string>

#include "flopscope/core/dtype.h"

namespace flopscope {

// The DType's name ("bfloat16"), or LibTorch's own name for a type outside the enum ("QInt8").
std::string dtype_text(c10::ScalarType type);
c10::ScalarType scalar_type(DType dtype);

}  // namespace flopscope
