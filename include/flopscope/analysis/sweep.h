// Sweep — the same model at several batch sizes: counts per batch, timings of the plain forward, and
// an exact verdict on whether FLOPs scale linearly with the batch.
//
// Linearity is decided in integers, not by a fitted slope: FLOPs are proportional when
// FLOPs(B) * B0 == FLOPs(B0) * B for every B. Each module is also classified: proportional, linear
// with a constant term (work done once per call whatever B, such as CLIP's logit_scale.exp()), or
// growing faster than B (a B x B similarity matrix).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flopscope/core/counts.h"
#include "flopscope/runtime/model.h"
#include "flopscope/analysis/run_plan.h"

namespace flopscope {

struct SweepOptions {
  std::vector<int64_t> batches;  // at least one; sorted and de-duplicated by run_sweep
  int repeat = 5;                // timed plain forwards per batch (median reported)
  int warmup = 1;                // untimed plain forwards before them
  bool dry_run = false;          // no kernels, no timings
};

struct SweepPoint {
  int64_t batch = 0;
  Counts counts;           // rule-based totals
  Counts op_level;         // op-level totals
  int64_t params = 0;
  std::vector<Counts> modules;  // per module, parallel to Model::modules()
  // Timing (absent in dry runs): median wall time of the plain forward, and derived rates.
  bool timed = false;
  double seconds = 0.0;
  std::vector<double> samples;  // every timed run, seconds
  // Per module (parallel to Model::modules()): time between enter and exit hooks in the recorded
  // run, which follows the warm-up; 0 for modules that did not run.
  std::vector<double> module_seconds;
};

enum class Growth { Proportional, ConstantTerm, FasterThanLinear };
std::string to_string(Growth growth);

struct ModuleGrowth {
  std::string module;  // qualified name, "" for the root
  Growth growth = Growth::Proportional;
  double slope = 0.0;       // FLOPs per sample (fit through the points)
  double constant = 0.0;    // FLOPs at B = 0 of the linear fit
  double quadratic = 0.0;   // B^2 coefficient when growing faster than linear
};

struct Linearity {
  double slope = 0.0, intercept = 0.0, r_squared = 0.0;  // least squares FLOPs(B) = slope*B + intercept
  bool proportional = false;         // FLOPs(B) == B * FLOPs(1), exactly, total FLOPs
  bool matmul_proportional = false;  // the same for matmul FLOPs alone
  std::vector<ModuleGrowth> not_proportional;  // outermost modules whose own growth is not proportional
};

struct SweepResult {
  std::vector<SweepPoint> points;
  Linearity linearity;
};

// Runs the plan at each batch size. `progress` gets one line per step (for a progress display).
SweepResult run_sweep(Model& model, const RunPlan& plan, const SweepOptions& options,
                      const std::function<void(const std::string&)>& progress = {});

// Pure: the verdict for a set of points (used by run_sweep; exposed for tests).
Linearity judge_linearity(const Model& model, const std::vector<SweepPoint>& points);

// Parses "1,2,4,8,16". Throws Error(Usage).
std::vector<int64_t> parse_batch_list(const std::string& text);

}  // namespace flopscope
