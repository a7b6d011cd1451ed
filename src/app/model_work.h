// Internal: what the commands that run a model share: the child's limits, and loading the model in it.
#pragma once

#include <functional>
#include <string>

#include "flopscope/app/commands.h"
#include "flopscope/runtime/model.h"

namespace flopscope {

// The limits a child runs under: --max-memory parsed; CUDA reserves large address ranges and pins
// host memory, so no default memory limit there.
IsolationLimits resolve_isolation(const IsolationLimits& limits, const std::string& max_memory, Device device);

// Loads the request's model in a sandboxed child under the request's limits and runs `work` on it.
// Before a real CPU run of a large model, or under an explicit --max-memory, a dry run of `largest`
// (the request with the largest batch that will run) estimates the memory it needs; when that
// exceeds the limit, one line suggesting --dry-run instead of a forward that would run out. "Large":
// a file of 1/16 of the limit or more; the dry run costs about a second, which small models would
// feel (docs/isolation.md).
WorkResult run_on_model(const ModelRequest& request, const RunRequest& largest,
                        const std::function<WorkResult(Model& model)>& work);

}  // namespace flopscope
