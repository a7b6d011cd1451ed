// RunPlan — how a model will be run: the method, the inputs and the towers, resolved from what the
// user typed, the model's preset and the manifest next to the model file.
//
// Precedence for inputs: explicit --input specs, then the preset (--preset or the manifest's), then
// the manifest's inputs. --batch then replaces dim 0 of every input, and a sweep's --vary the dims it names.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "flopscope/analysis/analysis.h"
#include "flopscope/runtime/model.h"
#include "flopscope/runtime/recorder.h"

namespace flopscope {

// What the user typed about the run; the RunSettings part (threads, device, --enable-grad,
// --training, --freeze) goes to the run as it is, the rest is resolved by plan_run.
struct RunRequest : RunSettings {
  std::vector<std::string> inputs;  // spec texts
  std::string method;               // empty: the manifest's, else "forward"
  std::string preset;               // empty: the manifest's, if any
  std::optional<int64_t> batch;
  std::optional<SizedDims> sized_dims;  // sweep --vary: some dims of one input set to a size (after batch)
  std::string dtype;                // --dtype: run in this floating-point dtype (empty: as saved)
  std::string loss;                 // --loss (empty: "sum")
};

struct RunPlan {
  RunOptions options;
  std::vector<Tower> towers;
  std::string preset;  // the preset in effect, if any
};

// Throws Error(Usage | NoSuchMethod) with a message that says what to type.
RunPlan plan_run(const Model& model, const RunRequest& request);

}  // namespace flopscope
