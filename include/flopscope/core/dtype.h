// DType — the element types flopscope names, in one table (src/core/dtype.cpp): the name every report
// and --input use ("bfloat16"), bytes per element, and whether it is floating point. LibTorch's types
// map onto it in one place (runtime/model_impl.h); precisions onto it in hardware/hardware.h. Types
// outside the table (complex, quantized, float8) keep LibTorch's names and their sizes are listed too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace flopscope {

enum class DType { Float64, Float32, Float16, BFloat16, Int64, Int32, Int16, Int8, UInt8, Bool };

std::string dtype_name(DType dtype);                         // "bfloat16"
std::optional<DType> parse_dtype(const std::string& name);  // also PyTorch's "half", "long", ...; nullopt when unknown
std::string dtype_names();                                   // "float32, float16, ..., bool": for messages
bool is_floating(DType dtype);

// By name, for the dtypes recorded from a run, which may be outside the enum ("QInt8"):
int64_t dtype_bytes(const std::string& name);  // 0 for an unknown name
bool is_floating_dtype(const std::string& name);

}  // namespace flopscope
