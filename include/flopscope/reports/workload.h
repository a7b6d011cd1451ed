// Workload — a part of the model as the roofline sees it (work, traffic, measured time), shared by
// the roofline table, its JSON and its chart so that all three plot the same numbers.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "flopscope/core/traffic.h"
#include "flopscope/hardware/hardware.h"
#include "flopscope/reports/report.h"

namespace flopscope {

struct Workload {
  int64_t flops = 0;
  int64_t integer_flops = 0;  // of flops: quantized ops' integer work, timed at the int8 peak
  Traffic traffic;   // unfused: every op round-trips memory
  Traffic boundary;  // fused: inputs, outputs and parameters once
  double seconds = 0.0;  // measured between enter and exit hooks (0 in dry runs)
  int calls = 0;
};

// The sum over `members` (module indices; a grouped row's repeats).
Workload module_workload(const Analysis& analysis, const std::vector<int>& members);
// The whole forward: the root module's calls.
Workload model_workload(const AnalyzedRun& run);
// Each tower's work and traffic (no time: a tower's calls are not one timed span).
std::vector<std::pair<std::string, Workload>> tower_workloads(const AnalyzedRun& run);

// The precision the real run computed in: --dtype when given, else that of the model's
// floating-point parameters (fp32 if none).
Precision run_precision(const AnalyzedRun& run);

// this-machine, when it was chosen and the run was timed on the CPU at `precision` (no projection):
// the device whose bound a measured time can be compared with. nullptr otherwise.
const Hardware* measured_device(const AnalyzedRun& run, const PrecisionChoice& precision);

}  // namespace flopscope
