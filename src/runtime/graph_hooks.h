// Internal: module calls are seen by rewriting the model's graphs (docs/hooks.md). Every method graph
// of every module type gets a flopscope::enter node at its top and a flopscope::exit node before its
// return; both receive `self`, so calls are attributed to module instances even though instances of
// one class share one graph. The nodes record into RecordingSession::current() and cost nothing else.
#pragma once

#include "runtime/model_impl.h"

namespace flopscope {

// Rewrites each module class's method graphs once (later calls do nothing).
void instrument(Model::Impl& model);

}  // namespace flopscope
