// Backward rules — what the backward of one call of a product layer must cost in matrix products,
// independently of the backward ops that ran, for the training cross-check.
//
// A product layer (Linear, ConvNd, ConvTransposeNd) computes y = x·W. Its backward costs the forward's
// multiply-adds once for x's gradient, when x required one (the first layer's image does not), and once
// for W's, when W is trainable (not under --freeze); the bias gradient is a sum over the rows
// (elementwise work, which the cross-check leaves out as the forward one does). Other module types are
// counted from their backward ops alone.
#pragma once

#include <string>
#include <vector>

#include "flopscope/core/counts.h"

namespace flopscope {

struct BackwardRuleEntry {
  std::string type;     // normalized class type name, as for module rules
  std::string formula;  // in words, for `flopscope formulas`
};

const std::vector<BackwardRuleEntry>& backward_rules();
bool has_backward_rule(const std::string& type);

// The backward's products: the forward rule's multiply-adds times the gradients needed.
Counts product_backward(const Counts& forward_rule, bool input_needs_grad, bool weight_trainable);

}  // namespace flopscope
