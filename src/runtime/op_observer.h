// Internal: aten ops are seen with an at::RecordFunction callback and attributed to the innermost
// running module call (or, in a training step, to the loss, or to the call whose forward created the
// backward node that runs them; docs/training.md).
//
// An op is recorded once: the outermost op that the session's OpCoverage counts is recorded and
// everything it runs inside is skipped. An op it does not count, whose children were not counted
// either, is recorded as uncovered. Ops that neither compute nor write memory (views) are not recorded.
#pragma once

#include <ATen/record_function.h>

#include <string>

namespace flopscope {

// While alive, the aten ops run on a thread with a RecordingSession are recorded into it.
class OpObserver {
 public:
  OpObserver();
  ~OpObserver();
  OpObserver(const OpObserver&) = delete;
  OpObserver& operator=(const OpObserver&) = delete;

 private:
  at::CallbackHandle handle_;
};

// Where the recorded run that raised failed: " in module 'visual' (VisionTransformer) at aten::add";
// "" outside a recording.
std::string failure_location();

}  // namespace flopscope
