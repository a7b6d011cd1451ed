#include "flopscope/analysis/zoo.h"

#include <algorithm>
#include <filesystem>
#include <thread>

#include "flopscope/core/error.h"
#include "flopscope/core/manifest.h"
#include "flopscope/counting/formula_coverage.h"
#include "flopscope/runtime/operator_libraries.h"
#include "flopscope/runtime/recorder.h"
#include "flopscope/analysis/run_plan.h"

namespace flopscope {

std::vector<std::string> zoo_model_paths(const std::string& directory) {
  std::error_code error;
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.is_regular_file() && entry.path().extension() == ".pt") paths.push_back(entry.path().string());
  }
  if (error) throw Error(ExitCode::FileNotFound, "cannot read directory " + directory + ": " + error.message());
  if (paths.empty()) throw Error(ExitCode::FileNotFound, "no .pt files in " + directory);
  std::sort(paths.begin(), paths.end());
  return paths;
}

ZooEntry analyze_zoo_model(const std::string& path, const ZooOptions& options) {
  LoadOptions load;
  load.meta = options.dry_run;
  load_operator_libraries({});  // torchvision's, where installed, before the sandbox
  Model model = Model::load(path, load);
  RunRequest request;
  request.inputs = options.inputs;
  const auto& manifest = model.manifest();
  const bool manifest_says = manifest && (!manifest->inputs.empty() || !manifest->preset.empty());
  if (options.inputs.empty() && !manifest_says && model.find_module("visual") >= 0) request.preset = "openclip";
  request.threads = options.threads;
  const RunPlan plan = plan_run(model, request);
  const Recording recording = record(model, plan.options, formula_coverage());
  const Analysis analysis = analyze(model, recording);

  ZooEntry entry;
  entry.name = std::filesystem::path(path).stem().string();
  entry.params = model.total_params();
  entry.total = analysis.total;
  entry.traffic = analysis.traffic;
  for (const auto& spec : plan.options.inputs) entry.inputs.push_back(to_string(spec));
  entry.towers = !plan.towers.empty();
  for (const Tower& tower : plan.towers) {
    const TowerTotals totals = tower_totals(model, recording, analysis, tower);
    if (tower.name == "image") {
      entry.image_params = totals.params;
      entry.image = totals.counts;
    } else if (tower.name == "image transformer") {
      entry.image_transformer_params = totals.params;
    } else if (tower.name == "text") {
      entry.text_params = totals.params;
      entry.text = totals.counts;
    } else if (tower.name == "text transformer") {
      entry.text_transformer_params = totals.params;
    }
  }
  if (model.manifest()) entry.expected = model.manifest()->expected;
  return entry;
}

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Counts, macs, matmul_flops, elementwise_flops, activation_flops, integer_flops)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Traffic, bytes, activation_elements, parameter_elements, other_bytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ZooEntry, name, inputs, towers, params, image_params, image_transformer_params, text_params,
                                   text_transformer_params, total, image, text, traffic, expected)

nlohmann::json zoo_entry_json(const ZooEntry& entry) { return entry; }
ZooEntry zoo_entry_from_json(const nlohmann::json& json) { return json.get<ZooEntry>(); }

Zoo analyze_zoo(const std::string& directory, const ZooOptions& options,
                const std::function<void(const std::string&)>& progress) {
  const std::vector<std::string> paths = zoo_model_paths(directory);
  const int jobs = std::max(options.jobs, 1);
  ZooOptions each = options;
  if (each.threads == 0) each.threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / jobs);
  if (each.isolation.max_memory_bytes == 0) each.isolation.max_memory_bytes = default_memory_limit() / jobs;
  std::vector<std::function<WorkResult()>> works;
  for (const auto& path : paths) {
    works.push_back([path, each] { return WorkResult{{{"", zoo_entry_json(analyze_zoo_model(path, each)).dump()}}}; });
  }
  size_t ended = 0;
  const auto outcomes = run_isolated_each(works, each.isolation, jobs, [&](size_t index, const IsolatedOutcome& outcome) {
    if (!progress) return;
    const Error* error = std::get_if<Error>(&outcome);
    progress("[" + std::to_string(++ended) + "/" + std::to_string(paths.size()) + "] " + paths[index] +
             (error != nullptr ? ": " + std::string(error->what()) : ""));
  });
  Zoo zoo;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (const Error* error = std::get_if<Error>(&outcomes[i])) {
      zoo.failures.push_back({std::filesystem::path(paths[i]).stem().string(), error->code(), error->what()});
    } else {
      zoo.entries.push_back(zoo_entry_from_json(nlohmann::json::parse(std::get<WorkResult>(outcomes[i]).outputs.at(0).content)));
    }
  }
  return zoo;
}

}  // namespace flopscope
