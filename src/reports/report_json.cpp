#include "flopscope/analysis/memory_estimate.h"
#include "flopscope/core/conventions.h"
#include "flopscope/counting/op_traffic.h"
#include "flopscope/reports/report.h"
#include "flopscope/reports/tool_identity.h"

namespace flopscope {

nlohmann::json counts_json(const Counts& c) {
  return {{"flops", c.flops()},
          {"matmul_flops", c.matmul_flops},
          {"elementwise_flops", c.elementwise_flops},
          {"activation_matmul_flops", c.activation_flops},
          {"integer_matmul_flops", c.integer_flops},
          {"macs", c.macs}};
}

namespace {

nlohmann::json traffic_json(const Traffic& t) {
  return {{"bytes", t.bytes},
          {"activation_elements", t.activation_elements},
          {"parameter_elements", t.parameter_elements},
          {"other_bytes", t.other_bytes}};
}

nlohmann::json value_json(const ValueInfo& v) {
  using Kind = ValueInfo::Kind;
  switch (v.kind) {
    case Kind::Tensor: return {{"kind", "tensor"}, {"shape", v.shape}, {"dtype", v.dtype}};
    case Kind::None: return {{"kind", "none"}};
    case Kind::Int: return {{"kind", "int"}, {"value", v.int_value}};
    case Kind::Double: return {{"kind", "float"}, {"value", v.double_value}};
    case Kind::Bool: return {{"kind", "bool"}, {"value", v.int_value != 0}};
    case Kind::String: return {{"kind", "str"}};
    case Kind::IntList: return {{"kind", "int_list"}, {"value", v.shape}};
    case Kind::Tuple: case Kind::List: case Kind::Dict: {
      nlohmann::json elements = nlohmann::json::array();
      for (const auto& e : v.elements) elements.push_back(value_json(e));
      const char* kind = v.kind == Kind::Tuple ? "tuple" : v.kind == Kind::List ? "list" : "dict";
      return {{"kind", kind}, {"elements", elements}};
    }
    case Kind::Object: case Kind::Other: return {{"kind", "object"}, {"type", v.text}};
  }
  return nullptr;
}

nlohmann::json values_json(const std::vector<ValueInfo>& values) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& v : values) array.push_back(value_json(v));
  return array;
}

nlohmann::json tensors_json(const std::vector<TensorEntry>& tensors) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& t : tensors) {
    array.push_back({{"name", t.name}, {"shape", t.shape}, {"dtype", t.dtype}, {"numel", t.numel}, {"bytes", t.bytes},
                     {"duplicate", t.duplicate}});
  }
  return array;
}

// 6 x params x tokens over the product weights: the value and its terms, most tokens first.
nlohmann::json six_params_tokens_json(const TrainingCounts& t) {
  nlohmann::json terms = nlohmann::json::array();
  for (auto it = t.product_weights_by_tokens.rbegin(); it != t.product_weights_by_tokens.rend(); ++it) {
    terms.push_back({{"tokens", it->first}, {"params", it->second}});
  }
  return {{"flops", t.six_params_tokens()}, {"terms", terms}};
}

// A training step: its totals, and each called module's backward (its forward is under "modules").
nlohmann::json training_json(const AnalyzedRun& run) {
  const TrainingCounts& t = *run.analysis->training;
  const TrainingRecord& record = *run.recording->training;
  nlohmann::json module_backward = nlohmann::json::object();
  const auto& modules = run.model->modules();
  for (size_t i = 0; i < modules.size(); ++i) {
    if (run.analysis->modules[i].calls > 0) module_backward[modules[i].name] = counts_json(run.analysis->modules[i].backward);
  }
  return {{"loss", record.loss},
          {"trainable_params", record.trainable_params},
          {"frozen_params", record.frozen_params},
          {"forward", counts_json(t.forward)},
          {"loss_forward", counts_json(t.loss)},
          {"backward", counts_json(t.backward)},
          {"loss_backward", counts_json(t.loss_backward)},
          {"step", counts_json(t.step())},
          {"six_params_tokens", six_params_tokens_json(t)},
          {"module_backward", module_backward}};
}

nlohmann::json operator_libraries_json(const Model& model) {
  nlohmann::json libraries = nlohmann::json::array();
  for (const auto& library : model.operator_libraries()) {
    libraries.push_back({{"name", library.name}, {"path", library.path}, {"requested", library.requested}});
  }
  return libraries;
}

nlohmann::json model_json(const Model& model) {
  return {{"path", model.path()},
          {"params", model.total_params()},
          {"param_bytes", model.total_param_bytes()},
          {"buffer_bytes", model.total_buffer_bytes()},
          {"operator_libraries", operator_libraries_json(model)},
          {"constants", {{"tensors", model.code_constants().tensors},
                         {"elements", model.code_constants().elements},
                         {"bytes", model.code_constants().bytes}}}};
}

nlohmann::json memory_json(const MemoryEstimate& memory) {
  return {{"parameter_bytes", memory.parameter_bytes},
          {"activation_bytes", memory.activation_bytes},
          {"total_bytes", memory.total()},
          {"peak_at", memory.peak_at}};
}

nlohmann::json towers_json(const std::vector<CountedTower>& towers) {
  nlohmann::json array = nlohmann::json::array();
  for (const CountedTower& tower : towers) {
    nlohmann::json t = counts_json(tower.totals.counts);
    t["name"] = tower.name;
    t["modules"] = tower.modules;
    t["params"] = tower.totals.params;
    t["traffic"] = traffic_json(tower.totals.traffic);
    array.push_back(t);
  }
  return array;
}

nlohmann::json conventions_json(const std::vector<Convention>& list) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& c : list) array.push_back({{"name", c.name}, {"value", c.value}, {"meaning", c.meaning}});
  return array;
}

nlohmann::json modules_json(const Model& model, const Analysis& a) {
  nlohmann::json modules = nlohmann::json::array();
  for (size_t i = 0; i < model.modules().size(); ++i) {
    const ModuleInfo& m = model.modules()[i];
    modules.push_back({{"index", i},
                       {"name", m.name},
                       {"type", m.type},
                       {"parent", m.parent},
                       {"params", m.subtree_params},
                       {"parameters", tensors_json(m.parameters)},
                       {"buffers", tensors_json(m.buffers)},
                       {"calls", a.modules[i].calls},
                       {"counts", counts_json(a.modules[i].total)},
                       {"op_level", counts_json(a.modules[i].op_level)},
                       {"data_dependent", counts_json(a.modules[i].data_dependent)},
                       {"data_dependent_calls", a.modules[i].data_dependent_calls},
                       {"traffic", traffic_json(a.modules[i].traffic)},
                       {"boundary_traffic", traffic_json(a.modules[i].boundary)}});
  }
  return modules;
}

// The ops a call's numbers come from: listed only where no rule gave them. Inside a ruled call the op
// path can depend on the device (the fused attention kernel is CPU/CUDA only), so its ops are
// summarized by op_level instead.
nlohmann::json counted_ops_json(const CallRecord& call, const CallCounts& c) {
  nlohmann::json ops = nlohmann::json::array();
  if (c.status != CheckStatus::NoRule && c.status != CheckStatus::RuleFailed) return ops;
  for (const auto& op : call.ops) {
    nlohmann::json o = counts_json(op_counts(op));
    o["op"] = op.op;
    o["covered"] = op.has_formula;
    o["data_dependent"] = op.data_dependent;
    if (!op.has_formula) o["uncovered_reason"] = op.uncovered_reason;
    o["inputs"] = values_json(op.inputs);
    o["traffic"] = traffic_json(op_traffic(op));
    ops.push_back(o);
  }
  return ops;
}

nlohmann::json calls_json(const Model& model, const Recording& recording, const Analysis& a) {
  nlohmann::json calls = nlohmann::json::array();
  for (size_t i = 0; i < recording.calls.size(); ++i) {
    const CallRecord& call = recording.calls[i];
    const CallCounts& c = a.calls[i];
    nlohmann::json record = {{"id", i},
                             {"module", model.modules()[static_cast<size_t>(call.module)].name},
                             {"module_index", call.module},
                             {"method", call.method},
                             {"call_index", call.call_index},
                             {"parent", call.parent},
                             {"children", call.children},
                             {"inputs", values_json(call.inputs)},
                             {"outputs", values_json(call.outputs)},
                             {"counts", counts_json(c.total)},
                             {"op_level", counts_json(c.op_level)},
                             {"own_ops", counts_json(c.own_ops)},
                             {"data_dependent", c.data_dependent_code},
                             {"traffic", traffic_json(c.traffic)},
                             {"boundary_traffic", traffic_json(c.boundary)},
                             {"status", to_string(c.status)},
                             {"counted_ops", counted_ops_json(call, c)}};
    if (c.status == CheckStatus::Match || c.status == CheckStatus::Mismatch) record["rule"] = counts_json(c.rule);
    if (!c.rule_error.empty()) record["rule_error"] = c.rule_error;
    calls.push_back(record);
  }
  return calls;
}

nlohmann::json uncovered_ops_json(const Analysis& a) {
  nlohmann::json uncovered = nlohmann::json::array();
  for (const auto& op : a.uncovered_ops) {
    uncovered.push_back({{"op", op.op}, {"module", op.module}, {"count", op.count}, {"inputs", op.shapes}, {"reason", op.reason}});
  }
  return uncovered;
}

nlohmann::json modules_without_rule_json(const Analysis& a) {
  nlohmann::json unruled = nlohmann::json::array();
  for (const auto& m : a.modules_without_rule) {
    unruled.push_back({{"type", m.type}, {"calls", m.calls}, {"example", m.example}, {"fully_counted", m.fully_counted}});
  }
  return unruled;
}

nlohmann::json modules_by_base_rule_json(const Analysis& a) {
  nlohmann::json subclasses = nlohmann::json::array();
  for (const auto& m : a.modules_by_base_rule) {
    subclasses.push_back({{"type", m.type}, {"base", m.base}, {"calls", m.calls}, {"example", m.example}});
  }
  return subclasses;
}

nlohmann::json crosscheck_json(const Analysis& a) {
  nlohmann::json crosscheck = {{"rule_calls", a.rule_calls},
                               {"match", a.matched_calls},
                               {"mismatch", a.mismatched_calls},
                               {"rule_failed", a.failed_rule_calls},
                               {"uncovered_ops", a.uncovered_ops.size()},
                               {"totals_equal", a.total.matmul_flops == a.op_level_total.matmul_flops}};
  if (a.training) {
    crosscheck["backward"] = {{"rule_calls", a.backward_rule_calls},
                              {"match", a.backward_matched_calls},
                              {"mismatch", a.backward_mismatched_calls}};
  }
  return crosscheck;
}

// Everything timing-dependent lives here, so two runs differ in this object only.
nlohmann::json timing_json(const Model& model, const Recording& recording, const Analysis& a) {
  nlohmann::json timing = {{"forward_seconds", recording.seconds}};
  if (recording.training) timing["backward_seconds"] = recording.training->backward_seconds;
  if (recording.timed) {
    nlohmann::json seconds = nlohmann::json::object();
    for (size_t i = 0; i < model.modules().size(); ++i) {
      if (a.modules[i].calls > 0) seconds[model.modules()[i].name] = a.modules[i].seconds;
    }
    timing["module_seconds"] = seconds;
    timing["timer_overhead_seconds"] = recording.timer_overhead_seconds;
  }
  return timing;
}

}  // namespace

nlohmann::json render_json(const AnalyzedRun& run, bool crosscheck, bool totals_only) {
  const Model& model = *run.model;
  const Recording& recording = *run.recording;
  const Analysis& a = *run.analysis;
  nlohmann::json j;
  j["schema_version"] = kJsonSchemaVersion;
  j["tool"] = tool_json();
  j["conventions"] = std::string(kConventions) + "; see docs/counting.md";
  // How it was run (not what was counted): excluded, like timing, when two reports are compared.
  j["invocation"] = {{"command_line", run.command_line}, {"device", to_string(run.options->device)}};
  j["model"] = model_json(model);
  j["method"] = run.options->method;
  j["inputs"] = nlohmann::json::array();
  for (const auto& spec : run.options->inputs) j["inputs"].push_back(to_string(spec));
  j["totals"] = counts_json(a.total);
  j["totals"]["params"] = model.total_params();
  j["op_level_totals"] = counts_json(a.op_level_total);
  j["data_dependent_totals"] = counts_json(a.data_dependent_total);
  // Bytes depend on the kernels that ran (a fused attention kernel moves less than the ops it replaces).
  j["traffic"] = traffic_json(a.traffic);
  j["memory_estimate"] = memory_json(estimate_memory(model, recording));
  j["towers"] = towers_json(run.towers);
  j["conventions_compared"] = conventions_json(conventions(model, recording, a, run.towers));
  if (totals_only) {
    j["totals_only"] = true;
  } else {
    j["modules"] = modules_json(model, a);
    j["calls"] = calls_json(model, recording, a);
  }
  j["uncovered_ops"] = uncovered_ops_json(a);
  j["modules_without_rule"] = modules_without_rule_json(a);
  if (!a.modules_by_base_rule.empty()) j["modules_by_base_rule"] = modules_by_base_rule_json(a);
  if (crosscheck) j["crosscheck"] = crosscheck_json(a);
  if (run.hardware != nullptr) j["roofline"] = render_roofline_json(run);
  if (a.training) j["training"] = training_json(run);
  j["timing"] = timing_json(model, recording, a);
  return j;
}

}  // namespace flopscope
