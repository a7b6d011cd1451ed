// The op formula registry: every family's formulas in one table, looked up by op name. Each formula
// reads its inputs in the op's schema order (native_functions.yaml).
#include "flopscope/counting/op_formulas.h"

#include <stdexcept>

#include "flopscope/counting/user_formulas.h"
#include "formula_kit.h"

namespace flopscope {
namespace formulas {

const ValueInfo& arg(const Inputs& in, size_t i) {
  if (i >= in.size()) throw std::invalid_argument("missing argument " + std::to_string(i));
  return in[i];
}

const ValueInfo& tensor_arg(const Inputs& in, size_t i) {
  const ValueInfo& v = arg(in, i);
  if (!v.is_tensor()) throw std::invalid_argument("argument " + std::to_string(i) + " is not a tensor");
  return v;
}

bool is_complex(const ValueInfo& tensor) { return tensor.dtype.rfind("Complex", 0) == 0; }

bool present(const Inputs& in, size_t i) { return i < in.size() && in[i].is_tensor(); }

bool flag(const Inputs& in, size_t i) {
  return i < in.size() && (in[i].kind == ValueInfo::Kind::Bool || in[i].kind == ValueInfo::Kind::Int) && in[i].int_value != 0;
}

double number(const Inputs& in, size_t i, double fallback) {
  if (i >= in.size()) return fallback;
  if (in[i].kind == ValueInfo::Kind::Double) return in[i].double_value;
  if (in[i].kind == ValueInfo::Kind::Int) return static_cast<double>(in[i].int_value);
  return fallback;
}

std::vector<int64_t> int_list(const ValueInfo& v, size_t rank) {
  if (v.kind == ValueInfo::Kind::Int) return std::vector<int64_t>(rank, v.int_value);
  if (v.kind != ValueInfo::Kind::IntList) throw std::invalid_argument("expected an int list");
  if (v.shape.size() == 1) return std::vector<int64_t>(rank, v.shape[0]);
  if (v.shape.size() != rank) throw std::invalid_argument("int list of the wrong length");
  return v.shape;
}

int64_t broadcast_numel(const Inputs& in) {
  std::vector<int64_t> out;
  for (const auto& v : in) {
    if (!v.is_tensor()) continue;
    if (v.shape.size() > out.size()) out.insert(out.begin(), v.shape.size() - out.size(), 1);
    const size_t offset = out.size() - v.shape.size();
    for (size_t i = 0; i < v.shape.size(); ++i) {
      int64_t& o = out[offset + i];
      const int64_t d = v.shape[i];
      if (o == 1) o = d;
      else if (d != 1 && d != o) throw std::invalid_argument("shapes do not broadcast");
    }
  }
  int64_t n = 1;
  for (const int64_t d : out) n *= d;
  return n;
}

Counts product(Counts c, const ValueInfo& a, const ValueInfo& b) {
  return a.is_parameter || b.is_parameter ? c : as_activation_product(c);
}

CostRegistry<OpFormula>& op_formula_registry() {
  static CostRegistry<OpFormula> table("op formulas");
  return table;
}

const char* const kFormulaFamilies[9] = {kMatrixFormulas,       kConvolutionFormulas, kAttentionFormulas,
                                         kElementwiseFormulas,  kDataMovementFormulas, kBackwardFormulas,
                                         kDetectionFormulas,    kQuantizedFormulas,    kSpectralFormulas};

}  // namespace formulas

const OpFormulaEntry* find_builtin_op_formula(const std::string& op) {
  const auto& table = formulas::op_formula_registry();
  const OpFormulaEntry* entry = table.find(op);
  // An in-place variant (relu_, hardswish_, dropout_) does its base op's work, unless listed itself.
  if (entry == nullptr && op.size() > 1 && op.back() == '_' && op[op.size() - 2] != '_') {
    entry = table.find(op.substr(0, op.size() - 1));
  }
  return entry;
}

const OpFormulaEntry* find_op_formula(const std::string& op) {
  const OpFormulaEntry* builtin = find_builtin_op_formula(op);
  return builtin != nullptr ? builtin : find_user_formula(op);
}

std::vector<const OpFormulaEntry*> all_op_formulas() { return formulas::op_formula_registry().all(); }

}  // namespace flopscope
