#include "flopscope/counting/backward_rules.h"

#include <algorithm>

namespace flopscope {

const std::vector<BackwardRuleEntry>& backward_rules() {
  static const std::string products =
      "forward MACs x (1 if the input required a gradient + 1 if the weight is trainable); bias gradient "
      "(a sum) not compared";
  static const std::vector<BackwardRuleEntry> entries = [] {
    std::vector<BackwardRuleEntry> list;
    for (const char* type : {"torch.nn.modules.conv.Conv1d", "torch.nn.modules.conv.Conv2d", "torch.nn.modules.conv.Conv3d",
                             "torch.nn.modules.conv.ConvTranspose1d", "torch.nn.modules.conv.ConvTranspose2d",
                             "torch.nn.modules.conv.ConvTranspose3d", "torch.nn.modules.linear.Linear",
                             "torch.nn.modules.linear.NonDynamicallyQuantizableLinear"}) {
      list.push_back({type, products});
    }
    return list;
  }();
  return entries;
}

bool has_backward_rule(const std::string& type) {
  const auto& entries = backward_rules();
  return std::any_of(entries.begin(), entries.end(), [&](const BackwardRuleEntry& e) { return e.type == type; });
}

Counts product_backward(const Counts& forward_rule, bool input_needs_grad, bool weight_trainable) {
  return multiply_adds(forward_rule.macs * ((input_needs_grad ? 1 : 0) + (weight_trainable ? 1 : 0)));
}

}  // namespace flopscope
