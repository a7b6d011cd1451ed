#include "flopscope/analysis/zoo.h"

#include <algorithm>
#include <filesystem>

#include "flopscope/core/error.h"
#include "flopscope/core/manifest.h"
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
  Model model = Model::load(path, load);
  RunRequest request;
  request.preset = "openclip";
  request.method = "forward";
  request.threads = options.threads;
  const RunPlan plan = plan_run(model, request);
  const Recording recording = record(model, plan.options);
  const Analysis analysis = analyze(model, recording);

  ZooEntry entry;
  entry.name = std::filesystem::path(path).stem().string();
  entry.params = model.total_params();
  entry.total = analysis.total;
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
  if (const auto manifest = read_manifest_for(path)) entry.expected = manifest->expected;
  return entry;
}

}  // namespace flopscope
