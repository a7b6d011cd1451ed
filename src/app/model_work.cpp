#include "app/model_work.h"

#include <filesystem>

#include "flopscope/analysis/memory_estimate.h"
#include "flopscope/runtime/operator_libraries.h"

namespace flopscope {

IsolationLimits resolve_isolation(const IsolationLimits& limits, const std::string& max_memory, Device device) {
  IsolationLimits resolved = limits;
  if (!max_memory.empty()) resolved.max_memory_bytes = parse_memory_size(max_memory);
  else if (device == Device::Cuda) resolved.max_memory_bytes = -1;
  return resolved;
}

WorkResult run_on_model(const ModelRequest& request, const RunRequest& largest,
                        const std::function<WorkResult(Model& model)>& work) {
  const Device device = request.run.device;
  const IsolationLimits limits = resolve_isolation(request.isolation, request.max_memory, device);
  return run_isolated(
      [&]() {
        load_operator_libraries(request.libraries);  // before the sandbox refuses opening files
        ModelFile file(request.path, device != Device::Cuda);
        const int64_t limit = effective_memory_limit(limits);
        std::error_code error;
        const auto file_bytes = static_cast<int64_t>(std::filesystem::file_size(request.path, error));
        const bool large = !error && file_bytes >= limit / 16;
        if (!request.dry_run && limit > 0 && device == Device::Cpu && (large || !request.max_memory.empty())) {
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
      },
      limits);
}

}  // namespace flopscope
