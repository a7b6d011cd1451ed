#include "app/model_work.h"

#include <filesystem>

#include "flopscope/analysis/memory_estimate.h"

namespace flopscope {

IsolationLimits resolve_isolation(const IsolationLimits& limits, const std::string& max_memory, Device device) {
  IsolationLimits resolved = limits;
  if (!max_memory.empty()) resolved.max_memory_bytes = parse_memory_size(max_memory);
  else if (device == Device::Cuda) resolved.max_memory_bytes = -1;
  return resolved;
}

Model load_model(const ModelRequest& request, const RunRequest& largest) {
  const Device device = request.run.device;
  ModelFile file(request.path, device != Device::Cuda);
  const int64_t limit = effective_memory_limit(resolve_isolation(request.isolation, request.max_memory, device));
  std::error_code error;
  const auto file_bytes = static_cast<int64_t>(std::filesystem::file_size(request.path, error));
  const bool large = !error && file_bytes >= limit / 16;
  if (!request.dry_run && limit > 0 && device == Device::Cpu && (large || !request.max_memory.empty())) {
    check_memory_fits(estimate_run_memory(file, largest), limit);
  }
  return file.load(request.dry_run);
}

WorkResult run_model_work(const ModelRequest& request, const std::function<WorkResult()>& work) {
  return run_isolated(work, resolve_isolation(request.isolation, request.max_memory, request.run.device));
}

}  // namespace flopscope
