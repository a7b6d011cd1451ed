// User formulas — the cost of ops flopscope has no formula for (a user's custom operator), read from a
// JSON file (`--formulas FILE`) instead of compiled in:
//
//   { "mylib::fused_linear_gelu": { "macs": "x.numel / x.size_1 * w.size0",
//                                   "elementwise_flops": "5 * x.numel / x.size_1 * w.size0",
//                                   "description": "x @ w.T, then GELU" } }
//
// Expressions (muparser: + - * / ^, parentheses, min(), max(), ...) read the op's arguments by their
// schema names: a tensor `x` as x.numel, x.rank, x.defined (0 for None), x.size0, x.size1, ... from the
// first dimension and x.size_1, x.size_2, ... from the last; a number `k` as k; a list `l` (of ints
// or tensors) as l.len, l.item0, ..., l.item_1, ...; a tensor list's elements also as l.numel. A
// result is rounded to a whole number and must not be negative. The multiply-adds are weight x
// activation products when some tensor argument is a parameter, else activation x activation.
// docs/formulas-file.md is the user's guide.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "flopscope/counting/op_formulas.h"
#include "flopscope/runtime/operator_libraries.h"

namespace flopscope {

struct UserFormula {
  std::string op;                 // "mylib::fused_linear_gelu": every overload of the op
  std::string macs;               // an expression; empty: 0
  std::string elementwise_flops;  // an expression; empty: 0
  std::string description;
  std::string origin;             // the file it came from
};

// Reads and checks formulas files: JSON, each entry's keys, each expression's syntax and the form of
// each name in it. Throws Error(Usage) naming every bad entry of a file, a line each.
std::vector<UserFormula> read_user_formulas(const std::vector<std::string>& paths);

// Makes `formulas` the ones find_op_formula() finds for ops without a built-in formula, replacing any
// set before. An op with a built-in formula is refused (Error(Usage)): its count is part of the
// conventions every report states.
void use_user_formulas(const std::vector<UserFormula>& formulas);
// "user formulas from FILE: op, op", a line per file, for the notes of a run that used them.
std::string user_formulas_note();
// The entry find_op_formula() gives for `op`, or nullptr.
const OpFormulaEntry* find_user_formula(const std::string& op);

// Binds each formula in use to its op's arguments (registered_op_arguments(), once the operator
// libraries are loaded). An op that is not registered is left unbound: it cannot run. Throws
// Error(Usage) naming a formula that reads an argument the op does not have, or reads it as what it
// is not (x.numel of a number).
void bind_user_formulas();

}  // namespace flopscope
