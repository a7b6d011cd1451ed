// Internal to src/counting/: reading an op's recorded arguments in schema order, and the table each
// family of op formulas (formulas_*.cpp) registers into. Adding a formula is a function and one
// RegisterOpFormula object after it, in the file of its family.
#pragma once

#include <string>
#include <vector>

#include "flopscope/counting/op_formulas.h"

namespace flopscope::formulas {

using Inputs = std::vector<ValueInfo>;

// Argument `i`; throws std::invalid_argument when missing (the recorder then reports the op uncovered).
const ValueInfo& arg(const Inputs& in, size_t i);
// Argument `i`, which must be a tensor.
const ValueInfo& tensor_arg(const Inputs& in, size_t i);
// Argument `i` exists and is a tensor (not None).
bool present(const Inputs& in, size_t i);
// An int or bool argument read as a truth value; false when absent or None.
bool flag(const Inputs& in, size_t i);
// A float or int argument; `fallback` when absent or None.
double number(const Inputs& in, size_t i, double fallback);
// An int or int-list argument as `rank` values (a single value repeats).
std::vector<int64_t> int_list(const ValueInfo& v, size_t rank);
// A tensor of complex numbers (ComplexFloat, ComplexDouble, ComplexHalf).
bool is_complex(const ValueInfo& tensor);
// Output size of an elementwise op: numpy broadcast of the shapes of every tensor argument.
int64_t broadcast_numel(const Inputs& in);
// Matrix work whose operands `a` and `b` are both activations counts as activation x activation.
Counts product(Counts c, const ValueInfo& a, const ValueInfo& b);

// The op formula table; each formula is registered right after its function with a RegisterOpFormula
// object.
CostRegistry<OpFormula>& op_formula_registry();
using RegisterOpFormula = CostRegistration<OpFormula, op_formula_registry>;

// The families of formulas, one per formulas_*.cpp, which defines its name. op_formulas.cpp lists
// them all (kFormulaFamilies): a program linked against the static library then keeps every family's
// object file, and with it the registrations nothing else refers to.
extern const char kMatrixFormulas[];
extern const char kConvolutionFormulas[];
extern const char kAttentionFormulas[];
extern const char kElementwiseFormulas[];
extern const char kDataMovementFormulas[];
extern const char kBackwardFormulas[];
extern const char kDetectionFormulas[];
extern const char kQuantizedFormulas[];
extern const char kSpectralFormulas[];
extern const char* const kFormulaFamilies[9];

}  // namespace flopscope::formulas
