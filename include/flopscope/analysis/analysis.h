// Analysis — turns a Recording into counts: per call, per module, per model.
//
// A call's total is its module rule's count when its type has a rule; otherwise it is the sum of its
// children's totals plus the ops its own code ran (e.g. OpenCLIP's `x @ self.proj`). Independently,
// every call also gets the op-level count of everything that ran inside it, which is what the
// cross-check compares the rule against. Pure function of (Model, Recording): no LibTorch.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "flopscope/core/counts.h"
#include "flopscope/core/traffic.h"
#include "flopscope/runtime/model.h"
#include "flopscope/runtime/recorder.h"

namespace flopscope {

enum class CheckStatus {
  NoRule,    // counted from ops: nothing to compare
  Match,     // rule and op-level matrix FLOPs agree exactly
  Mismatch,  // they differ
  RuleFailed // the rule rejected the call's shapes; the op-level count was used
};
std::string to_string(CheckStatus status);

struct CallCounts {
  Counts total;      // what reports add up
  Counts rule;       // the module rule's count (CheckStatus::Match or Mismatch)
  Counts op_level;   // every counted op inside the call, children included
  Counts own_ops;    // counted ops in the call's own code, outside child calls
  Counts data_dependent;  // the part of op_level whose shapes the input's values decided (OpRecord)
  bool data_dependent_code = false;  // it or a call inside it ran such an op (CallRecord::data_dependent)
  CheckStatus status = CheckStatus::NoRule;
  std::string rule_error;  // RuleFailed: why; NoRule: why a rule of its type did not apply (MissingAttribute)
  Traffic traffic;   // every op inside the call reads its arguments and writes its results (unfused)
  Traffic boundary;  // the call's inputs and output and its subtree's parameters, once (one fused kernel)
  Counts backward;   // training: the backward ops attributed to this call and its children (op level)
  // Training, product layers (backward_rules.h): the backward rule and how the ops that ran compare
  // with it in matmul FLOPs.
  Counts backward_rule;
  CheckStatus backward_status = CheckStatus::NoRule;
};

struct ModuleCounts {
  int calls = 0;
  Counts total;     // summed over calls
  Counts op_level;  // summed over calls
  Traffic traffic;  // summed over calls
  Traffic boundary; // summed over calls
  double seconds = 0.0;  // summed over calls (real runs)
  Counts backward;       // summed over calls (training)
  Counts data_dependent; // summed over calls: the part of op_level counted for this input only
  int data_dependent_calls = 0;  // calls with data_dependent_code
};

struct UncoveredOp {
  std::string op;
  std::string module;  // the module whose own code ran its first occurrence
  int count = 0;       // occurrences in the whole run
  std::string shapes;  // inputs of the first occurrence
  std::string reason;  // why it is uncovered ("no formula", ...), of the first occurrence
};

struct UnruledModule {
  std::string type;
  int calls = 0;
  std::string example;  // qualified name of one instance
  bool fully_counted = true;  // every op it ran has a formula
};

// A class that extends a type with a rule (OpenCLIP's LayerNorm extends nn.LayerNorm): TorchScript
// keeps only its own name, so a leaf whose class name holds a ruled type's class name is counted by
// that rule where the rule's counts equal its ops' (matmul and elementwise alike), else from its ops.
struct SubclassModule {
  std::string type;
  std::string base;     // the ruled type it was counted as: "torch.nn.modules.normalization.LayerNorm"
  int calls = 0;
  std::string example;  // qualified name of one instance
};

// A training step's totals.
struct TrainingCounts {
  Counts loss;           // forming the loss from the outputs
  Counts loss_backward;  // the loss's backward (and that of nodes no recorded call created)
  Counts backward;       // every backward op: the calls' and loss_backward
  Counts forward;        // Analysis::total + loss
  Counts step() const { return forward + backward; }
  // The rule of thumb "6 x params x tokens" (2 forward + 4 backward FLOPs per weight and token), taken
  // layer by layer over the product weights of Linear and MultiheadAttention calls: tokens -> the
  // weight elements that processed that many rows in this step.
  std::map<int64_t, int64_t> product_weights_by_tokens;
  int64_t six_params_tokens() const {
    int64_t total = 0;
    for (const auto& [tokens, weights] : product_weights_by_tokens) total += 6 * weights * tokens;
    return total;
  }
};

struct Analysis {
  std::vector<CallCounts> calls;      // parallel to Recording::calls
  std::vector<ModuleCounts> modules;  // parallel to Model::modules()
  Counts total;                       // = calls[0].total
  Counts op_level_total;              // = calls[0].op_level
  Counts data_dependent_total;        // = calls[0].data_dependent
  bool data_dependent_code = false;   // = calls[0].data_dependent_code
  Traffic traffic;                    // = calls[0].traffic
  std::vector<UncoveredOp> uncovered_ops;
  std::vector<UnruledModule> modules_without_rule;  // leaf calls (no child calls) whose type has no rule
  std::vector<SubclassModule> modules_by_base_rule;  // leaf calls counted by the rule of the type they extend
  int rule_calls = 0, matched_calls = 0, mismatched_calls = 0, failed_rule_calls = 0;
  int backward_rule_calls = 0, backward_matched_calls = 0, backward_mismatched_calls = 0;  // training
  std::optional<TrainingCounts> training;  // set for a training step's recording
};

Analysis analyze(const Model& model, const Recording& recording);

// A part of the model whose totals are reported on their own (OpenCLIP: the image and text towers).
struct Tower {
  std::string name;                          // "image"
  std::vector<std::string> modules;          // qualified names: their subtrees' parameters and calls
  std::vector<std::string> root_parameters;  // parameters owned by the root (CLIP's text_projection)
  std::string root_method;                   // calls of this root method belong too (CLIP's encode_text)
};

struct TowerTotals {
  int64_t params = 0;  // distinct parameter elements
  Counts counts;       // of the tower's outermost calls
  Traffic traffic;     // of the tower's outermost calls
};

TowerTotals tower_totals(const Model& model, const Recording& recording, const Analysis& analysis, const Tower& tower);

// A tower with its totals, counted once for every report that shows it.
struct CountedTower {
  std::string name;
  std::vector<std::string> modules;
  TowerTotals totals;
};
std::vector<CountedTower> count_towers(const Model& model, const Recording& recording, const Analysis& analysis,
                                       const std::vector<Tower>& towers);

// Counts of one recorded op (zero for uncovered ops).
Counts op_counts(const OpRecord& op);

}  // namespace flopscope

namespace flopscope {

// What other tools' conventions give for the same run, each with what it includes and leaves out.
struct Convention {
  std::string name;     // "MACs (fvcore, torchinfo, ptflops)"
  int64_t value = 0;    // in the convention's own unit (FLOPs unless the name says MACs)
  std::string meaning;  // one line: what is in, what is out
};

std::vector<Convention> conventions(const Model& model, const Recording& recording, const Analysis& analysis,
                                    const std::vector<CountedTower>& towers);

}  // namespace flopscope
