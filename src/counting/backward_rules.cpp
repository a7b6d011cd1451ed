#include "flopscope/counting/backward_rules.h"

#include "flopscope/counting/type_names.h"

namespace flopscope {

CostRegistry<BackwardRule>& backward_rule_registry() {
  static CostRegistry<BackwardRule> table("backward rules");
  return table;
}

namespace {

using RegisterBackwardRule = CostRegistration<BackwardRule, backward_rule_registry>;

// y = x·W: the forward's multiply-adds once for each gradient needed, x's and W's.
Counts product_backward(const Counts& forward_rule, bool input_needs_grad, bool weight_trainable) {
  return multiply_adds(forward_rule.macs * ((input_needs_grad ? 1 : 0) + (weight_trainable ? 1 : 0)));
}
const RegisterBackwardRule register_product_layers(
    {type_names::kConv1d, type_names::kConv2d, type_names::kConv3d, type_names::kConvTranspose1d,
     type_names::kConvTranspose2d, type_names::kConvTranspose3d, type_names::kLinear,
     type_names::kNonDynamicallyQuantizableLinear},
    product_backward,
    "forward MACs x (1 if the input required a gradient + 1 if the weight is trainable); bias gradient "
    "(a sum) not compared");

}  // namespace

const BackwardRuleEntry* find_backward_rule(const std::string& type) { return backward_rule_registry().find(type); }

std::vector<const BackwardRuleEntry*> all_backward_rules() { return backward_rule_registry().all(); }

}  // namespace flopscope
