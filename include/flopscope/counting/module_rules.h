// Module rules — the cost of one call of a known module type, from its recorded input/output shapes
// and the module's own parameters and attributes.
//
// Rules are keyed by the normalized class type name ("torch.nn.modules.linear.Linear", constants in
// type_names.h), so any file scripted from torch.nn works whatever its author called things. A rule
// is a function in src/counting/module_rules.cpp registered right after it with a RegisterModuleRule
// object (cost_registry.h). A rule throws std::exception when the call contradicts its assumptions;
// the analysis then falls back to the op-level count and says so.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "flopscope/core/counts.h"
#include "flopscope/counting/cost_registry.h"
#include "flopscope/runtime/model.h"
#include "flopscope/runtime/recorder.h"

namespace flopscope {

// Thrown by a rule when the file keeps no attribute the rule needs (torch.jit.trace keeps a module's
// tensors and submodules, not its other attributes): the call is counted from its ops, as a module
// without a rule is, and the report says why.
struct MissingAttribute : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// What a rule sees of one call: the module, the call's recorded inputs and outputs, and the model
// and recording around it, so a layer rule can read its children's parameters and attributes (the
// fused TransformerEncoderLayer path never calls its self_attn or linear1).
struct RuleContext {
  const Model& model;
  const ModuleInfo& module;
  const CallRecord& call;
  const Recording* recording = nullptr;  // null when a rule is applied to a made-up call

  const ModuleInfo* find_child(const std::string& local) const;  // nullptr when absent
  const ModuleInfo& child(const std::string& local) const;       // throws std::invalid_argument
  // Ops the module's own code ran in this call and in methods it called on itself (_ff_block).
  std::vector<const OpRecord*> own_ops() const;
};

using ModuleRule = Counts (*)(const RuleContext& context);

// name: the normalized class type name; function: the rule; description: its formula in words.
using ModuleRuleEntry = CostRegistry<ModuleRule>::Entry;
CostRegistry<ModuleRule>& module_rule_registry();

const ModuleRuleEntry* find_module_rule(const std::string& type);
std::vector<const ModuleRuleEntry*> all_module_rules();  // sorted by type

}  // namespace flopscope
