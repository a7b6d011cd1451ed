// Module rules — the cost of one call of a known module type, from its recorded input/output shapes
// and the module's own parameters and attributes.
//
// Rules are keyed by the normalized class type name ("torch.nn.modules.linear.Linear"), so any file
// scripted from torch.nn works whatever its author called things. Registering a rule is a single
// REGISTER_MODULE_RULE line in src/module_rules.cpp. A rule throws std::exception when the call
// contradicts its assumptions; the analysis then falls back to the op-level count and says so.
#pragma once

#include <string>
#include <vector>

#include "flopscope/core/counts.h"
#include "flopscope/runtime/model.h"
#include "flopscope/runtime/recorder.h"

namespace flopscope {

using ModuleRule = Counts (*)(const ModuleInfo& module, const CallRecord& call);

struct ModuleRuleEntry {
  std::string type;  // normalized class type name
  ModuleRule rule;
  std::string formula;  // the formula in words, for docs and reports
};

const ModuleRuleEntry* find_module_rule(const std::string& type);
std::vector<const ModuleRuleEntry*> all_module_rules();  // sorted by type

}  // namespace flopscope
