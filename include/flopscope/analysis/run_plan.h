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

struct RunRequest {
  std::vector<std::string> inputs;  // spec texts
  std::string method;               // empty: the manifest's, else "forward"
  std::string preset;               // empty: the manifest's, if any
  std::optional<int64_t> batch;
  std::optional<SizedDims> sized_dims;  // sweep --vary: some dims of one input set to a size (after batch)
  int threads = 0;
  Device device = Device::Cpu;
  bool enable_grad = false;
  std::string dtype;                // --dtype: run in this floating-point dtype (empty: as saved)
  bool training = false;            // --training: one training step (forward, loss, backward)
  std::string loss;                 // --loss (empty: "sum")
  std::vector<std::string> frozen;  // --freeze
};

struct RunPlan {
  RunOptions options;
  std::vector<Tower> towers;
  std::string preset;  // the preset in effect, if any
};

// Throws Error(Usage | NoSuchMethod) with a message that says what to type.
RunPlan plan_run(const Model& model, const RunRequest& request);

}  // namespace flopscope
