// Shared by the tests: paths to bundled models and a one-call analysis.
#pragma once

#include <string>

#include <algorithm>
#include <optional>

#include <nlohmann/json.hpp>

#include "flopscope/counting/formula_coverage.h"
#include "flopscope/analysis/analysis.h"
#include "flopscope/analysis/run_plan.h"
#include "flopscope/reports/report.h"
#include "flopscope/runtime/model.h"
#include "flopscope/runtime/operator_libraries.h"
#include "flopscope/runtime/recorder.h"
#include "schema_check.h"

namespace flopscope::testing {

inline std::string model_path(const std::string& relative) {
  return source_dir() + "/torchscript_models/" + relative;
}

// Loads torchvision's operator library where python3-torchvision installs it, as the command line
// does; false where it is not installed (the detection tests then skip).
inline bool torchvision_loaded() {
  load_operator_libraries({});
  const auto& loaded = loaded_operator_libraries();
  return std::any_of(loaded.begin(), loaded.end(), [](const OperatorLibrary& l) { return l.name == "torchvision"; });
}

struct Analyzed {
  Model model;
  Recording recording;
  Analysis analysis;

  const ModuleCounts& module(const std::string& name) const {
    return analysis.modules.at(static_cast<size_t>(model.find_module(name)));
  }
};

inline Analyzed analyze_file(const std::string& relative, RunOptions options, const LoadOptions& load = {}) {
  Model model = Model::load(model_path(relative), load);
  if (options.threads == 0) options.threads = 1;
  Recording recording = record(model, options, formula_coverage());
  Analysis analysis = analyze(model, recording);
  return {std::move(model), std::move(recording), std::move(analysis)};
}

// The JSON report (with cross-check) of a bundled model run with its manifest's inputs, on real or
// meta tensors, without what differs between runs (timings, the command line).
inline nlohmann::json report_json(const std::string& relative, std::optional<int64_t> batch, bool meta, int threads = 2,
                                  Device device = Device::Cpu) {
  LoadOptions load;
  load.meta = meta;
  Model model = Model::load(model_path(relative), load);
  RunRequest request;
  request.batch = batch;
  request.threads = threads;
  request.device = device;
  const RunPlan plan = plan_run(model, request);
  const Recording recording = record(model, plan.options, formula_coverage());
  const Analysis analysis = analyze(model, recording);
  nlohmann::json j = render_json({&model, &plan.options, &recording, &analysis, count_towers(model, recording, analysis, plan.towers), ""}, true);
  EXPECT_EQ(schema_errors(j, "analyze"), "") << relative;
  j.erase("timing");
  j.erase("invocation");
  return j;
}

// A dry run takes PyTorch's general path where the real run took a CPU/CUDA-only fast path
// (MultiheadAttention's merge_masks and fused kernel, TransformerEncoderLayer's fused layer, which calls
// none of its submodules' forwards). The trace of calls may then differ; the counts may not. Reports
// must be equal, or else: every total and tower count equal (bytes may differ), every convention but the module-hook one (a
// hook sees no Linear call inside a fused layer) equal, and a module counted differently must lie
// inside a module counted the same in both runs.
inline void expect_same_counts(const nlohmann::json& real, const nlohmann::json& dry) {
  if (real == dry) return;
  for (const char* key : {"totals", "op_level_totals", "uncovered_ops", "model", "inputs"}) {
    EXPECT_EQ(real[key], dry[key]) << key;
  }
  // Bytes depend on the kernels that ran (a fused kernel moves less than the ops it replaces): towers
  // must count the same, not move the same.
  const auto without_traffic = [](nlohmann::json towers) {
    for (auto& tower : towers) tower.erase("traffic");
    return towers;
  };
  EXPECT_EQ(without_traffic(real["towers"]), without_traffic(dry["towers"]));
  const auto without_hooks = [](nlohmann::json list) {
    list.erase(std::remove_if(list.begin(), list.end(),
                              [](const nlohmann::json& c) { return c["name"].get<std::string>().find("module calls only") != std::string::npos; }),
               list.end());
    return list;
  };
  EXPECT_EQ(without_hooks(real["conventions_compared"]), without_hooks(dry["conventions_compared"]));
  for (const char* key : {"mismatch", "rule_failed", "uncovered_ops", "totals_equal"}) {
    EXPECT_EQ(real["crosscheck"][key], dry["crosscheck"][key]) << key;
  }
  const auto& a = real["modules"];
  const auto& b = dry["modules"];
  ASSERT_EQ(a.size(), b.size());
  const auto same = [&](size_t i) { return a[i]["calls"] == b[i]["calls"] && a[i]["counts"] == b[i]["counts"]; };
  for (size_t i = 0; i < a.size(); ++i) {
    if (same(i)) continue;
    bool inside_same = false;
    for (int64_t p = a[i]["parent"]; p >= 0 && !inside_same; p = a[static_cast<size_t>(p)]["parent"]) {
      inside_same = a[static_cast<size_t>(p)]["calls"] > 0 && same(static_cast<size_t>(p));
    }
    EXPECT_TRUE(inside_same) << a[i]["name"] << " is counted differently, outside any module counted the same";
  }
}

inline RunOptions inputs(std::initializer_list<const char*> specs) {
  RunOptions options;
  for (const char* spec : specs) options.inputs.push_back(parse_input_spec(spec));
  return options;
}

}  // namespace flopscope::testing
