// Backward rules — what the backward of one call of a product layer must cost in matrix products,
// independently of the backward ops that ran, for the training cross-check.
//
// A product layer (Linear, ConvNd, ConvTransposeNd) computes y = x·W. Its backward costs the forward's
// multiply-adds once for x's gradient, when x required one (the first layer's image does not), and once
// for W's, when W is trainable (not under --freeze); the bias gradient is a sum over the rows
// (elementwise work, which the cross-check leaves out as the forward one does). Other module types are
// counted from their backward ops alone. Rules are registered in src/counting/backward_rules.cpp right
// after their function, as module rules are (cost_registry.h).
#pragma once

#include <string>
#include <vector>

#include "flopscope/core/counts.h"
#include "flopscope/counting/cost_registry.h"

namespace flopscope {

// The backward's products from the forward rule's count and which gradients are needed.
using BackwardRule = Counts (*)(const Counts& forward_rule, bool input_needs_grad, bool weight_trainable);
// name: the module type, as for module rules; function: the rule; description: its formula in words.
using BackwardRuleEntry = CostRegistry<BackwardRule>::Entry;
CostRegistry<BackwardRule>& backward_rule_registry();

const BackwardRuleEntry* find_backward_rule(const std::string& type);  // nullptr: none
std::vector<const BackwardRuleEntry*> all_backward_rules();             // sorted by type

}  // namespace flopscope
