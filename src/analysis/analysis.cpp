#include "flopscope/analysis/analysis.h"

#include <map>

#include "flopscope/counting/backward_rules.h"
#include "flopscope/counting/module_rules.h"
#include "flopscope/counting/op_formulas.h"
#include "flopscope/counting/op_traffic.h"
#include "flopscope/counting/type_names.h"

namespace flopscope {

std::string to_string(CheckStatus status) {
  switch (status) {
    case CheckStatus::NoRule: return "no-rule";
    case CheckStatus::Match: return "match";
    case CheckStatus::Mismatch: return "mismatch";
    case CheckStatus::RuleFailed: return "rule-failed";
  }
  return "?";
}

Counts op_counts(const OpRecord& op) {
  if (!op.has_formula) return {};
  const OpFormulaEntry* entry = find_op_formula(op.op);
  return entry == nullptr ? Counts{} : entry->function(op.inputs);
}

namespace {

std::string shapes_of(const std::vector<ValueInfo>& values) {
  std::string text;
  for (const auto& v : values) {
    if (!v.is_tensor()) continue;
    text += (text.empty() ? "" : ", ") + shape_text(v);
  }
  return text;
}

// The distinct parameters of each module's subtree, priced as one read each.
std::vector<Traffic> subtree_parameter_traffic(const Model& model) {
  const auto& modules = model.modules();
  std::vector<Traffic> traffic(modules.size());
  // Children come after their parents, so a reverse walk finishes each child before its parent.
  for (size_t i = modules.size(); i-- > 0;) {
    for (const TensorEntry& p : modules[i].parameters) {
      if (!p.duplicate) traffic[i] += tensor_traffic(p.numel, p.dtype, true);
    }
    if (modules[i].parent >= 0) traffic[static_cast<size_t>(modules[i].parent)] += traffic[i];
  }
  return traffic;
}

// Training: a product layer's backward against its rule (backward_rules.h).
void check_backward(const BackwardRule& rule, const ModuleInfo& module, const CallRecord& call, const TrainingRecord& training,
                    CallCounts& counts, Analysis& result) {
  const TensorEntry* weight = module.parameter("weight");
  const std::string weight_name = module.name.empty() ? "weight" : module.name + ".weight";
  const bool weight_trainable = weight != nullptr && is_floating_dtype(weight->dtype) && training.frozen_parameters.count(weight_name) == 0;
  const bool input_needs_grad = !call.inputs.empty() && call.inputs[0].is_tensor() && call.inputs[0].requires_grad;
  counts.backward_rule = rule(counts.rule, input_needs_grad, weight_trainable);
  const bool same = counts.backward_rule.matmul_flops == counts.backward.matmul_flops;
  counts.backward_status = same ? CheckStatus::Match : CheckStatus::Mismatch;
  result.backward_rule_calls += 1;
  (same ? result.backward_matched_calls : result.backward_mismatched_calls) += 1;
}

// Rows of a call's input `index` (its elements over its last dim); 0 when it is not a tensor.
int64_t rows_of(const CallRecord& call, size_t index) {
  if (index >= call.inputs.size() || !call.inputs[index].is_tensor() || call.inputs[index].shape.empty()) return 0;
  const int64_t width = call.inputs[index].dim(-1);
  return width > 0 ? call.inputs[index].numel() / width : 0;
}

// A call's terms of 6 x params x tokens: the weights of its products and the rows each processed. A
// Linear's weight sees its input's rows; MultiheadAttention's packed projection sees the query, key
// and value rows a third each, its out_proj (a parameter it uses without calling it) the query's.
void note_product_tokens(const Model& model, const ModuleInfo& module, const CallRecord& call,
                         std::map<int64_t, int64_t>& weights_by_tokens) {
  const auto add = [&](int64_t rows, int64_t weights) {
    if (rows > 0 && weights > 0) weights_by_tokens[rows] += weights;
  };
  if (module.type == type_names::kLinear || module.type == type_names::kNonDynamicallyQuantizableLinear) {
    if (const TensorEntry* weight = module.parameter("weight")) add(rows_of(call, 0), weight->numel);
  } else if (module.type == type_names::kMultiheadAttention) {
    const TensorEntry* packed = module.parameter("in_proj_weight");
    if (packed == nullptr) return;  // separate q/k/v projections (kdim != embed_dim): not counted here
    for (size_t input = 0; input < 3; ++input) add(rows_of(call, input), packed->numel / 3);
    for (const int child : module.children) {
      const ModuleInfo& out = model.modules()[static_cast<size_t>(child)];
      if (out.local_name() != "out_proj") continue;
      if (const TensorEntry* weight = out.parameter("weight")) add(rows_of(call, 0), weight->numel);
    }
  }
}

// The rule of the ruled type whose class name the leaf's class name holds, the longest such name
// ("LayerNorm" in "LayerNorm" or "LayerNormFp32"); nullptr when there is none.
const ModuleRuleEntry* base_rule_by_name(const ModuleInfo& module) {
  const std::string own = module.class_name();
  const ModuleRuleEntry* best = nullptr;
  for (const ModuleRuleEntry* entry : all_module_rules()) {
    const std::string base = last_component(entry->name);
    if (own.find(base) == std::string::npos) continue;
    if (best == nullptr || base.size() > last_component(best->name).size()) best = entry;
  }
  return best;
}

// The base rule's count of a leaf call of a class without a rule, where it equals what its ops count.
std::optional<Counts> counted_as_base(const ModuleRuleEntry& base, const Model& model, const ModuleInfo& module,
                                      const CallRecord& call, const Recording& recording, const Counts& op_level) {
  try {
    const Counts counts = base.function({model, module, call, &recording});
    if (counts == op_level) return counts;
  } catch (const std::exception&) {  // the rule's assumptions do not hold for this class: its ops count it
  }
  return std::nullopt;
}

// The entry of `list` for `key`, made by `make` the first time (entries in order of first use).
template <typename Entry, typename Make>
Entry& entry_for(std::map<std::string, size_t>& index, std::vector<Entry>& list, const std::string& key, Make make) {
  const auto [found, added] = index.emplace(key, list.size());
  if (added) list.push_back(make());
  return list[found->second];
}

}  // namespace

Analysis analyze(const Model& model, const Recording& recording) {
  const auto& modules = model.modules();
  const std::vector<Traffic> parameter_traffic = subtree_parameter_traffic(model);
  Analysis result;
  result.calls.resize(recording.calls.size());
  result.modules.resize(modules.size());
  std::map<std::string, size_t> uncovered_index;  // op name -> entry
  std::map<std::string, size_t> unruled_index;
  std::map<std::string, size_t> subclass_index;
  std::map<std::string, const ModuleRuleEntry*> base_rules;  // type -> base_rule_by_name, found once a type
  std::map<int64_t, int64_t> product_tokens;  // training: see TrainingCounts::product_weights_by_tokens

  // Children come after their parents in Recording::calls, so a reverse walk sees children first.
  for (size_t i = recording.calls.size(); i-- > 0;) {
    const CallRecord& call = recording.calls[i];
    const ModuleInfo& module = modules[static_cast<size_t>(call.module)];
    CallCounts& counts = result.calls[i];
    bool all_ops_covered = true;
    for (const auto& op : call.ops) {
      const Counts op_count = op_counts(op);
      counts.own_ops += op_count;
      if (op.data_dependent) counts.data_dependent += op_count;
      counts.traffic += op_traffic(op);
      all_ops_covered = all_ops_covered && op.has_formula;
    }
    Counts children_total;
    counts.op_level = counts.own_ops;
    counts.data_dependent_code = call.data_dependent;
    for (const auto& op : call.backward_ops) counts.backward += op_counts(op);
    for (const int child : call.children) {
      children_total += result.calls[static_cast<size_t>(child)].total;
      counts.op_level += result.calls[static_cast<size_t>(child)].op_level;
      counts.data_dependent += result.calls[static_cast<size_t>(child)].data_dependent;
      counts.data_dependent_code = counts.data_dependent_code || result.calls[static_cast<size_t>(child)].data_dependent_code;
      counts.traffic += result.calls[static_cast<size_t>(child)].traffic;
      counts.backward += result.calls[static_cast<size_t>(child)].backward;
    }
    counts.boundary = boundary_traffic(call.inputs, call.outputs) + parameter_traffic[static_cast<size_t>(call.module)];
    counts.total = children_total + counts.own_ops;

    // Rules describe forward(); helper methods a forward calls on self (Conv's _conv_forward,
    // ConvTranspose's _output_padding) are counted from their ops like any other code.
    const ModuleRuleEntry* rule = call.is_forward() ? find_module_rule(module.type) : nullptr;
    if (rule != nullptr) {
      bool applied = false;  // the forward rule counted the call (a backward rule may still fail)
      try {
        counts.rule = rule->function({model, module, call, &recording});
        applied = true;
        result.rule_calls += 1;
        counts.total = counts.rule;
        const bool same = counts.rule.matmul_flops == counts.op_level.matmul_flops;
        counts.status = same ? CheckStatus::Match : CheckStatus::Mismatch;
        (same ? result.matched_calls : result.mismatched_calls) += 1;
        const BackwardRuleEntry* backward = recording.training ? find_backward_rule(module.type) : nullptr;
        if (backward != nullptr) check_backward(backward->function, module, call, *recording.training, counts, result);
        if (recording.training) note_product_tokens(model, module, call, product_tokens);
      } catch (const std::exception& e) {
        if (!applied && dynamic_cast<const MissingAttribute*>(&e) != nullptr) {
          counts.rule_error = std::string(e.what()) + " (torch.jit.trace keeps only tensors and submodules)";
        } else {
          counts.status = CheckStatus::RuleFailed;
          counts.rule_error = e.what();
          result.rule_calls += applied ? 0 : 1;
          result.failed_rule_calls += 1;
        }
      }
    } else if (call.children.empty() && call.is_forward()) {
      const auto [known, first_call] = base_rules.emplace(module.type, nullptr);
      if (first_call) known->second = base_rule_by_name(module);
      const ModuleRuleEntry* base = known->second;
      const std::optional<Counts> as_base =
          base != nullptr ? counted_as_base(*base, model, module, call, recording, counts.op_level) : std::nullopt;
      if (as_base) {
        counts.rule = *as_base;
        counts.total = *as_base;
        counts.status = CheckStatus::Match;
        result.rule_calls += 1;
        result.matched_calls += 1;
        entry_for(subclass_index, result.modules_by_base_rule, module.type, [&] {
          return SubclassModule{module.type, base->name, 0, module.name};
        }).calls += 1;
      } else {
        UnruledModule& entry = entry_for(unruled_index, result.modules_without_rule, module.type, [&] {
          return UnruledModule{module.type, 0, module.name, true};
        });
        entry.calls += 1;
        entry.fully_counted = entry.fully_counted && all_ops_covered;
      }
    }
    // A method calling another method on `self` (forward -> self.encode_image) is one use of the
    // module: only the outermost call adds to the module's totals.
    if (is_nested_self_call(recording, i)) continue;
    ModuleCounts& per_module = result.modules[static_cast<size_t>(call.module)];
    per_module.calls += 1;
    per_module.total += counts.total;
    per_module.op_level += counts.op_level;
    per_module.traffic += counts.traffic;
    per_module.boundary += counts.boundary;
    per_module.seconds += call.seconds;
    per_module.backward += counts.backward;
    per_module.data_dependent += counts.data_dependent;
    per_module.data_dependent_calls += counts.data_dependent_code ? 1 : 0;
  }
  // Each uncovered op once, with where it first ran and how often.
  const auto note_uncovered = [&](const std::vector<OpRecord>& ops, const std::string& where) {
    for (const auto& op : ops) {
      if (op.has_formula) continue;
      const auto found = uncovered_index.find(op.op);
      if (found != uncovered_index.end()) {
        result.uncovered_ops[found->second].count += 1;
        continue;
      }
      uncovered_index[op.op] = result.uncovered_ops.size();
      result.uncovered_ops.push_back({op.op, where, 1, shapes_of(op.inputs), op.uncovered_reason});
    }
  };
  for (const CallRecord& call : recording.calls) note_uncovered(call.ops, modules[static_cast<size_t>(call.module)].name);
  for (const CallRecord& call : recording.calls) {
    note_uncovered(call.backward_ops, modules[static_cast<size_t>(call.module)].name + " (backward)");
  }
  if (!result.calls.empty()) {
    result.total = result.calls[0].total;
    result.op_level_total = result.calls[0].op_level;
    result.data_dependent_total = result.calls[0].data_dependent;
    result.data_dependent_code = result.calls[0].data_dependent_code;
    result.traffic = result.calls[0].traffic;
  }
  if (recording.training) {
    TrainingCounts training;
    for (const auto& op : recording.training->loss_ops) training.loss += op_counts(op);
    for (const auto& op : recording.training->loss_backward_ops) training.loss_backward += op_counts(op);
    note_uncovered(recording.training->loss_ops, "loss");
    note_uncovered(recording.training->loss_backward_ops, "loss (backward)");
    training.forward = result.total + training.loss;
    training.backward = training.loss_backward + (result.calls.empty() ? Counts{} : result.calls[0].backward);
    training.product_weights_by_tokens = std::move(product_tokens);
    result.training = training;
  }
  return result;
}

}  // namespace flopscope

namespace flopscope {

TowerTotals tower_totals(const Model& model, const Recording& recording, const Analysis& analysis, const Tower& tower) {
  TowerTotals totals;
  const auto& modules = model.modules();
  std::vector<bool> in_tower(modules.size(), false);
  for (const auto& name : tower.modules) {
    const int index = model.find_module(name);
    if (index < 0) continue;
    in_tower[static_cast<size_t>(index)] = true;
    totals.params += modules[static_cast<size_t>(index)].subtree_params;
  }
  // Whole subtrees: a listed container that is never called itself (a ModuleList) still owns its
  // children's calls. Parents precede children in Model::modules().
  for (size_t i = 1; i < modules.size(); ++i) {
    if (in_tower[static_cast<size_t>(modules[i].parent)]) in_tower[i] = true;
  }
  for (const auto& name : tower.root_parameters) {
    const TensorEntry* p = model.modules().front().parameter(name);
    if (p != nullptr && !p->duplicate) totals.params += p->numel;
  }
  // A call belongs to the tower if its module is listed or it is the root running root_method; only
  // the outermost such calls are added, so nothing is counted twice.
  std::vector<bool> belongs(recording.calls.size(), false);
  for (size_t i = 0; i < recording.calls.size(); ++i) {
    const CallRecord& call = recording.calls[i];
    const bool selected = in_tower[static_cast<size_t>(call.module)] ||
                          (call.module == 0 && !tower.root_method.empty() && call.method == tower.root_method);
    const bool inside = call.parent >= 0 && belongs[static_cast<size_t>(call.parent)];
    belongs[i] = selected || inside;
    if (selected && !inside) {
      totals.counts += analysis.calls[i].total;
      totals.traffic += analysis.calls[i].traffic;
    }
  }
  return totals;
}

std::vector<CountedTower> count_towers(const Model& model, const Recording& recording, const Analysis& analysis,
                                       const std::vector<Tower>& towers) {
  std::vector<CountedTower> counted;
  for (const Tower& tower : towers) counted.push_back({tower.name, tower.modules, tower_totals(model, recording, analysis, tower)});
  return counted;
}

}  // namespace flopscope

namespace flopscope {

namespace {
// Matmul FLOPs that causal dot-product attention calls spend on masked-out (query, key) pairs:
// 2 x batch_heads x (L x S - kept pairs) x (E + Ev).
int64_t causal_skippable_matmul_flops(const Recording& recording) {
  int64_t flops = 0;
  for (const CallRecord& call : recording.calls) {
    for (const OpRecord& op : call.ops) {
      if (!op.has_formula) continue;
      const auto shape = dot_product_shape(op.op, op.inputs);
      if (!shape || shape->causal == Causal::None) continue;
      const int64_t masked = shape->query_len * shape->key_len - causal_kept_pairs(shape->query_len, shape->key_len, shape->causal);
      flops += 2 * shape->batch_heads * masked * (shape->head_dim + shape->value_dim);
    }
  }
  return flops;
}

bool is_linear_or_conv(const std::string& type) {
  for (const char* prefix : {type_names::kLinear, type_names::kNonDynamicallyQuantizableLinear, type_names::kConvPrefix}) {
    if (type.rfind(prefix, 0) == 0) return true;
  }
  return false;
}
}  // namespace

std::vector<Convention> conventions(const Model& model, const Recording& recording, const Analysis& analysis,
                                    const std::vector<CountedTower>& towers) {
  const Counts& t = analysis.total;
  Counts module_hooks;  // what a tool sees that hooks only nn.Linear and nn.ConvNd forward calls
  for (size_t i = 0; i < recording.calls.size(); ++i) {
    // Conv2d.forward calls self._conv_forward: one use of the module, counted once.
    if (is_nested_self_call(recording, i)) continue;
    if (is_linear_or_conv(model.modules()[static_cast<size_t>(recording.calls[i].module)].type)) {
      module_hooks += analysis.calls[i].total;
    }
  }
  std::vector<Convention> list = {
      {"FLOPs, all work (flopscope)", t.flops(), "matrix products and convolutions at 2 FLOPs per multiply-add, plus elementwise work"},
      {"matmul FLOPs (OpenCLIP profile table, torch FlopCounterMode)", t.matmul_flops,
       "matrix products, convolutions and attention at 2 per multiply-add; no elementwise work"},
      {"MACs (fvcore, torchinfo, ptflops print these as 'FLOPs')", t.macs, "multiply-adds: half of the matmul FLOPs"},
      {"matmul FLOPs without activation x activation products", t.matmul_flops - t.activation_flops,
       "leaves out attention QK^T and AV (and similarity matrices): what weight-based counts give"},
      {"Linear/Conv module calls only (thop-style hooks)", module_hooks.matmul_flops,
       "only nn.Linear and nn.ConvNd forwards: misses nn.MultiheadAttention whole, matmuls in a module's own code and "
       "Linear layers a fused fast path never calls (TransformerEncoderLayer in eval)"},
  };
  const int64_t skippable = causal_skippable_matmul_flops(recording);
  if (skippable > 0) {
    list.push_back({"matmul FLOPs if causal attention skipped masked positions", t.matmul_flops - skippable,
                    "causal scaled_dot_product_attention calls counted over the kept (query, key) pairs only, as "
                    "flash kernels can; every other count here includes the masked pairs"});
  }
  for (const CountedTower& tower : towers) {
    const Counts& counts = tower.totals.counts;
    list.push_back({tower.name + ": matmul FLOPs", counts.matmul_flops, "the " + tower.name + " alone, as when a tool profiles that part"});
    list.push_back({tower.name + ": matmul FLOPs without activation x activation", counts.matmul_flops - counts.activation_flops,
                    "the " + tower.name + " without attention QK^T and AV"});
  }
  return list;
}

}  // namespace flopscope
