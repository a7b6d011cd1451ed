#include "flopscope/counting/formula_coverage.h"

#include <exception>

#include "flopscope/counting/op_formulas.h"
#include "flopscope/counting/op_traffic.h"

namespace flopscope {
namespace {

class FormulaCoverage final : public OpCoverage {
 public:
  Verdict count(const std::string& op, const std::vector<ValueInfo>* inputs) const override {
    Verdict verdict;
    const OpFormulaEntry* formula = find_op_formula(op);
    if (formula == nullptr) {
      verdict.uncovered_reason = "no formula; --formulas FILE can give one";
      return verdict;
    }
    if (inputs == nullptr) {
      verdict.uncovered_reason = "its recorded inputs do not fit its schema";
      return verdict;
    }
    try {
      verdict.does_work = formula->function(*inputs).flops() != 0;
      verdict.counted = true;
    } catch (const std::exception& e) {
      verdict.uncovered_reason = std::string("its formula rejected the inputs (") + e.what() + ")";
    }
    return verdict;
  }

  bool moves_memory(const OpRecord& op) const override { return op_traffic(op).bytes != 0; }
};

}  // namespace

const OpCoverage& formula_coverage() {
  static const FormulaCoverage coverage;
  return coverage;
}

}  // namespace flopscope
