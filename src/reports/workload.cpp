#include "flopscope/reports/workload.h"

namespace flopscope {

Workload module_workload(const Analysis& analysis, const std::vector<int>& members) {
  Workload w;
  for (const int index : members) {
    const ModuleCounts& m = analysis.modules[static_cast<size_t>(index)];
    w.flops += m.total.flops();
    w.integer_flops += m.total.integer_flops;
    w.traffic += m.traffic;
    w.boundary += m.boundary;
    w.seconds += m.seconds;
    w.calls += m.calls;
  }
  return w;
}

Workload model_workload(const AnalyzedRun& run) { return module_workload(*run.analysis, {0}); }

std::vector<std::pair<std::string, Workload>> tower_workloads(const AnalyzedRun& run) {
  std::vector<std::pair<std::string, Workload>> towers;
  for (const CountedTower& tower : run.towers) {
    Workload w;
    w.flops = tower.totals.counts.flops();
    w.integer_flops = tower.totals.counts.integer_flops;
    w.traffic = tower.totals.traffic;
    towers.emplace_back(tower.name, w);
  }
  return towers;
}

namespace {

std::optional<Precision> precision_of_dtype(const std::string& name) {
  const std::optional<DType> dtype = parse_dtype(name);
  return dtype ? floating_precision_of(*dtype) : std::nullopt;
}

}  // namespace

Precision run_precision(const AnalyzedRun& run) {
  if (run.options->dtype) {
    if (const auto converted = floating_precision_of(*run.options->dtype)) return *converted;
  }
  for (const ModuleInfo& m : run.model->modules()) {
    for (const TensorEntry& p : m.parameters) {
      if (const auto precision = precision_of_dtype(p.dtype)) return *precision;
    }
  }
  return Precision::FP32;
}

const Hardware* measured_device(const AnalyzedRun& run, const PrecisionChoice& precision) {
  if (!run.recording->timed || run.options->device != Device::Cpu) return nullptr;
  if (precision.compute != run_precision(run) || precision.weights != precision.compute) return nullptr;
  for (const Hardware& device : run.hardware->devices) {
    if (device.name == kThisMachine && device.peak(precision.compute) != nullptr) return &device;
  }
  return nullptr;
}

}  // namespace flopscope
