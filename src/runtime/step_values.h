// Internal: the values one run took and returned (recorder.h's StepValues), and feeding them to the
// next run's arguments.
#pragma once

#include <torch/script.h>

#include <vector>

#include "flopscope/runtime/recorder.h"

namespace flopscope {

struct StepValues {
  std::vector<c10::IValue> arguments;
  c10::IValue returned;
};

// Replaces the arguments options.carried names with values from options.previous. Throws
// Error(BadInputs) naming the argument when the previous run has no such value.
void carry_arguments(std::vector<c10::IValue>& arguments, const RunOptions& options);

}  // namespace flopscope
