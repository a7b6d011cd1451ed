#include "app/model_work.h"

#include <filesystem>

#include "flopscope/analysis/memory_estimate.h"
#include "flopscope/counting/user_formulas.h"
#include "flopscope/runtime/libtorch_compat.h"
#include "flopscope/runtime/operator_libraries.h"

namespace flopscope {

IsolationLimits resolve_isolation(const IsolationLimits& limits, const std::string& max_memory, Device device) {
  IsolationLimits resolved = limits;
  if (!max_memory.empty()) resolved.max_memory_bytes = parse_memory_size(max_memory);
  else if (device == Device::Cuda) resolved.max_memory_bytes = -1;
  return resolved;
}

namespace {

// In the child: load (after the libraries and a memory check) and run `work`; a file whose dtype the
// CPU cannot run is counted by a dry run, with a note.
WorkResult count_on_model(const ModelRequest& request, const RunRequest& largest, const IsolationLimits& limits,
                          const std::function<WorkResult(Model& model)>& work) {
  load_operator_libraries(request.libraries);  // before the sandbox refuses opening files
  bind_user_formulas();                         // to the ops the libraries registered
  ModelFile file(request.path, request.run.device != Device::Cuda);
  const int64_t limit = effective_memory_limit(limits);
  std::error_code error;
  const auto file_bytes = static_cast<int64_t>(std::filesystem::file_size(request.path, error));
  const bool large = !error && file_bytes >= limit / 16;
  if (!request.dry_run && limit > 0 && request.run.device == Device::Cpu && (large || !request.max_memory.empty())) {
    check_memory_fits(estimate_run_memory(file, largest), limit);
  }
  Model model = file.load(request.dry_run);
  try {
    return work(model);
  } catch (const NoKernelForDtype& e) {
    if (request.dry_run) throw;
    // Counting needs no kernels: a dry run gives the same counts, without times.
    Model shapes = file.load(true);
    WorkResult result = work(shapes);
    result.note = std::string(e.what()) + ": counted by a dry run instead (the same counts; no times)";
    return result;
  }
}

}  // namespace

WorkResult run_on_model(const ModelRequest& request, const RunRequest& largest,
                        const std::function<WorkResult(Model& model)>& work) {
  const IsolationLimits limits = resolve_isolation(request.isolation, request.max_memory, request.run.device);
  use_user_formulas(read_user_formulas(request.formulas));
  return run_isolated(
      [&]() {
        // The model's own warnings (torchvision's detection models: "SSD always returns a (Losses,
        // Detections) tuple in scripting") become notes, one line each, instead of logger output.
        const compat::ModelWarnings warnings;
        WorkResult result = count_on_model(request, largest, limits, work);
        if (!request.formulas.empty()) result.note += (result.note.empty() ? "" : "\n") + user_formulas_note();
        for (const std::string& message : warnings.messages()) {
          result.note += (result.note.empty() ? "" : "\n") + std::string("the model warned: ") + message.substr(0, message.find('\n'));
        }
        return result;
      },
      limits);
}

}  // namespace flopscope
