// Internal to src/counting/: reading an op's recorded arguments in schema order, and the registry that
// each family of op formulas fills (formulas_*.cpp). Adding a formula is one `add` line in its family.
#pragma once

#include <initializer_list>
#include <map>
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
// Output size of an elementwise op: numpy broadcast of the shapes of every tensor argument.
int64_t broadcast_numel(const Inputs& in);
// Matrix work whose operands `a` and `b` are both activations counts as activation x activation.
Counts product(Counts c, const ValueInfo& a, const ValueInfo& b);

class Registry {
 public:
  // Registers `formula` for each op ("aten::mm"); `description` says what it counts and leaves out.
  void add(std::initializer_list<const char*> ops, OpFormula formula, const char* description);
  const std::map<std::string, OpFormulaEntry>& entries() const { return entries_; }

 private:
  std::map<std::string, OpFormulaEntry> entries_;
};

void add_matrix_formulas(Registry& registry);         // formulas_matrix.cpp
void add_convolution_formulas(Registry& registry);    // formulas_convolution.cpp
void add_attention_formulas(Registry& registry);      // formulas_attention.cpp
void add_elementwise_formulas(Registry& registry);    // formulas_elementwise.cpp
void add_data_movement_formulas(Registry& registry);  // formulas_data_movement.cpp
void add_backward_formulas(Registry& registry);       // formulas_backward.cpp

}  // namespace flopscope::formulas
