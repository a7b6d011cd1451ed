// Internal: what a run needs before it starts: the method's arguments checked against the input
// specs, the device chosen, the weights converted to the requested dtype, and the inputs made.
#pragma once

#include <torch/script.h>

#include <vector>

#include "flopscope/runtime/recorder.h"

namespace flopscope {

struct PreparedRun {
  std::vector<c10::IValue> inputs;  // generated from options.inputs with options.seed, on the device
  torch::jit::Method method;
};

// Throws Error(BadInputs | OutOfMemory | Unsupported | Usage) naming what does not fit.
PreparedRun prepare_run(Model& model, const RunOptions& options);

}  // namespace flopscope
