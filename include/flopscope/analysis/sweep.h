// Sweep — the same model at several sizes N: the batch (--batch), or some dims of one input (--vary
// I:D[,D...]), each point counted (a forward, or with --training a training step) and, in real runs,
// timed with the plain forward.
//
// Growth is decided exactly, not by a fitted slope. The fit variable is the batch B, or for --vary
// P = N^k, the positions the k varied dims span (pixels for 0:2,3, tokens for a sequence dim): FLOPs
// are then a + b·P + c·P² wherever they are polynomial at all (a ViT's attention grows with P², its
// other layers with P). The fit is solved in fractions through the first three points and checked
// on the others (polynomial_fit.h), for the total and for every module; a module whose own work (its
// total less its children's) is not proportional is named, so the culprit is named, not its parents.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "flopscope/analysis/polynomial_fit.h"
#include "flopscope/analysis/run_plan.h"
#include "flopscope/core/counts.h"
#include "flopscope/runtime/model.h"

namespace flopscope {

struct SweepOptions {
  std::vector<int64_t> sizes;         // at least one; sorted and de-duplicated by the parsers
  std::optional<VariedDims> varied;   // --vary: the sizes set these dims; otherwise they are batch sizes
  int repeat = 5;                     // timed plain forwards per size (median reported)
  int warmup = 1;                     // untimed plain forwards before them
  bool dry_run = false;               // no kernels, no timings
};

// "B", or "P = N^2" style names used by every report.
std::string size_name(const SweepOptions& options);      // "B" or "N"
std::string variable_name(const SweepOptions& options);  // "B" or "P"

struct SweepPoint {
  int64_t size = 0;      // N: the batch, or the value of the varied dims
  int64_t variable = 0;  // what the fits run on: B, or N^k
  int64_t batch = 0;     // dim 0 of the first input (samples per forward)
  Counts counts;         // rule-based totals (training: the whole step)
  Counts op_level;       // op-level totals (training: the whole step)
  Counts loss;           // training: forming the loss and its backward; zero otherwise
  std::vector<std::pair<std::string, int64_t>> loss_ops;  // training: FLOPs of the loss's ops by name
  int64_t params = 0;
  std::vector<Counts> modules;  // per module, parallel to Model::modules() (training: forward + backward)
  // Timing (absent in dry runs): median wall time of the plain forward, and derived rates.
  bool timed = false;
  double seconds = 0.0;
  std::vector<double> samples;  // every timed run, seconds
  // Per module (parallel to Model::modules()): time between enter and exit hooks in the recorded
  // run, which follows the warm-up; 0 for modules that did not run.
  std::vector<double> module_seconds;
};

enum class Growth { Proportional, ConstantTerm, FasterThanLinear, NotPolynomial };
std::string to_string(Growth growth);

struct ModuleGrowth {
  std::string module;  // qualified name, "" for the root, "(loss)" for a training step's loss
  Growth growth = Growth::Proportional;
  QuadraticFit fit;         // of its own work
  double slope = 0.0;       // fit.b
  double constant = 0.0;    // fit.a
  double quadratic = 0.0;   // fit.c
  // The loss: its ops (by name, in `module`) whose FLOPs grow faster than linear, each with its fit.
  std::vector<ModuleGrowth> carriers;
};

struct ModuleFit {
  int module = 0;    // index into Model::modules()
  QuadraticFit fit;  // of its total, children included
};

struct Linearity {
  double slope = 0.0, intercept = 0.0, r_squared = 0.0;  // least squares FLOPs = slope*var + intercept
  bool proportional = false;         // FLOPs(x) * x0 == FLOPs(x0) * x, exactly, total FLOPs
  bool matmul_proportional = false;  // the same for matmul FLOPs alone
  QuadraticFit total_fit;            // of the total FLOPs
  std::vector<ModuleFit> module_fits;          // every module that did work, in model order
  std::vector<ModuleGrowth> not_proportional;  // modules whose own growth is not proportional
};

struct SweepResult {
  std::vector<SweepPoint> points;
  Linearity linearity;
};

// Runs the plan at each size. `progress` gets one line per step (for a progress display). A size the
// model cannot take stops the sweep with the error, prefixed with the size ("at N=160: ...").
SweepResult run_sweep(Model& model, const RunPlan& plan, const SweepOptions& options,
                      const std::function<void(const std::string&)>& progress = {});

// Pure: the verdict for a set of points (used by run_sweep; exposed for tests).
Linearity judge_linearity(const Model& model, const std::vector<SweepPoint>& points);

// Parses "1,2,4,8,16" (sizes >= 1), sorted and de-duplicated. `option` names the flag in errors.
// Throws Error(Usage).
std::vector<int64_t> parse_size_list(const std::string& text, const std::string& option = "--batch");

// Parses "I:D[,D...]=N1,N2,..." into options.varied and options.sizes. Throws Error(Usage).
void parse_vary(const std::string& text, SweepOptions& options);

}  // namespace flopscope
