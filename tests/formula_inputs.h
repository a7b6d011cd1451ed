// Shared by the formula tests: recorded op arguments built by hand, and running one op's formula.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "flopscope/counting/op_formulas.h"

namespace flopscope::testing {

inline ValueInfo tensor(std::vector<int64_t> shape) {
  ValueInfo v;
  v.kind = ValueInfo::Kind::Tensor;
  v.shape = std::move(shape);
  v.dtype = "float32";
  return v;
}
inline ValueInfo none() {
  ValueInfo v;
  v.kind = ValueInfo::Kind::None;
  return v;
}
inline ValueInfo integer(int64_t value) {
  ValueInfo v;
  v.kind = ValueInfo::Kind::Int;
  v.int_value = value;
  return v;
}
inline ValueInfo real(double value) {
  ValueInfo v;
  v.kind = ValueInfo::Kind::Double;
  v.double_value = value;
  return v;
}
inline ValueInfo ints(std::vector<int64_t> values) {
  ValueInfo v;
  v.kind = ValueInfo::Kind::IntList;
  v.shape = std::move(values);
  return v;
}
inline ValueInfo reals(const std::vector<double>& values) {
  ValueInfo v;
  v.kind = ValueInfo::Kind::List;
  for (const double d : values) v.elements.push_back(real(d));
  return v;
}
inline ValueInfo boolean(bool value) {
  ValueInfo v = integer(value);
  v.kind = ValueInfo::Kind::Bool;
  return v;
}
inline ValueInfo text(const std::string& value) {
  ValueInfo v;
  v.kind = ValueInfo::Kind::String;
  v.text = value;
  return v;
}

inline Counts run(const std::string& op, const std::vector<ValueInfo>& inputs) {
  const OpFormulaEntry* entry = find_op_formula(op);
  if (entry == nullptr) throw std::runtime_error("no formula for " + op);
  return entry->function(inputs);
}

}  // namespace flopscope::testing
