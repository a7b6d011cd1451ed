#include "flopscope/core/dtype.h"

#include <vector>

namespace flopscope {
namespace {

struct DTypeRow {
  const char* name;
  int64_t bytes;
  bool floating;
  std::optional<DType> dtype;  // nullopt: recorded under LibTorch's name, never asked for by a user
};

const std::vector<DTypeRow>& dtype_table() {
  static const std::vector<DTypeRow> rows = {
      {"float32", 4, true, DType::Float32},  {"float16", 2, true, DType::Float16}, {"bfloat16", 2, true, DType::BFloat16},
      {"float64", 8, true, DType::Float64},  {"int64", 8, false, DType::Int64},    {"int32", 4, false, DType::Int32},
      {"int16", 2, false, DType::Int16},     {"int8", 1, false, DType::Int8},      {"uint8", 1, false, DType::UInt8},
      {"bool", 1, false, DType::Bool},
      {"ComplexHalf", 4, false, std::nullopt},     {"ComplexFloat", 8, false, std::nullopt},
      {"ComplexDouble", 16, false, std::nullopt},  {"QInt8", 1, false, std::nullopt},
      {"QUInt8", 1, false, std::nullopt},          {"QInt32", 4, false, std::nullopt},
      {"Float8_e4m3fn", 1, false, std::nullopt},   {"Float8_e5m2", 1, false, std::nullopt},
      {"Float8_e4m3fnuz", 1, false, std::nullopt}, {"Float8_e5m2fnuz", 1, false, std::nullopt},
  };
  return rows;
}

const DTypeRow* find_row(const std::string& name) {
  for (const DTypeRow& row : dtype_table()) {
    if (row.name == name) return &row;
  }
  return nullptr;
}

const DTypeRow& row_of(DType dtype) {
  for (const DTypeRow& row : dtype_table()) {
    if (row.dtype == dtype) return row;
  }
  return dtype_table().front();  // every enumerator has a row
}

}  // namespace

std::string dtype_name(DType dtype) { return row_of(dtype).name; }

std::optional<DType> parse_dtype(const std::string& name) {
  // PyTorch's own names (torch.float, torch.half, torch.long, ...) and the usual short ones.
  static const std::vector<std::pair<const char*, DType>> aliases = {
      {"float", DType::Float32}, {"fp32", DType::Float32}, {"half", DType::Float16},  {"fp16", DType::Float16},
      {"bf16", DType::BFloat16}, {"double", DType::Float64}, {"long", DType::Int64}, {"int", DType::Int32},
      {"short", DType::Int16},
  };
  for (const auto& [alias, dtype] : aliases) {
    if (name == alias) return dtype;
  }
  const DTypeRow* row = find_row(name);
  return row != nullptr ? row->dtype : std::nullopt;
}

std::string dtype_names() {
  std::string names;
  for (const DTypeRow& row : dtype_table()) {
    if (row.dtype) names += (names.empty() ? "" : ", ") + std::string(row.name);
  }
  return names;
}

bool is_floating(DType dtype) { return row_of(dtype).floating; }

int64_t dtype_bytes(const std::string& name) {
  const DTypeRow* row = find_row(name);
  return row != nullptr ? row->bytes : 0;
}

bool is_floating_dtype(const std::string& name) {
  const DTypeRow* row = find_row(name);
  return row != nullptr && row->floating;
}

}  // namespace flopscope
