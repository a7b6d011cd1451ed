// Memory estimate — what a real run will need, from the shapes a recording saw (a dry run's, so it
// costs no memory): the model's parameters and buffers, plus the peak of live activations found by a
// liveness walk over the recorded calls.
//
// The walk, per op: the tensors the op reads and writes (not parameters, not views, not in-place
// results), plus the tensors held by the module calls it runs inside: each call's inputs that its
// caller did not already hold (same shape and dtype as one of the caller's inputs counts as the same
// tensor passed down). The peak is the largest such sum. A low estimate, by design (what must be live
// at once): buffers inside kernels (fused attention), workspaces, the allocator's retention and values
// a caller keeps from finished sibling calls are not in it (docs/isolation.md compares it with
// measured peaks), so a check against it stops only runs that cannot fit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "flopscope/analysis/run_plan.h"
#include "flopscope/runtime/model.h"
#include "flopscope/runtime/recorder.h"

namespace flopscope {

struct MemoryEstimate {
  int64_t parameter_bytes = 0;   // parameters and buffers, as loaded
  int64_t activation_bytes = 0;  // peak of live tensors during the forward
  std::string peak_at;           // "aten::softmax in 'visual.transformer.resblocks.0.attn'"
  int64_t total() const { return parameter_bytes + activation_bytes; }
};

MemoryEstimate estimate_memory(const Model& model, const Recording& recording);

// Loads `file` shape-only, runs `request` on it (a dry run: no kernel, no memory) and estimates what
// the real run of the same request will need; nothing when the request fails shape-only (a forward
// that makes its own CPU tensors): the real run then goes ahead under its limit. Throws
// Error(NotTorchScript | Unsupported) when the file does not load.
std::optional<MemoryEstimate> estimate_run_memory(ModelFile& file, const RunRequest& request);

// Throws Error(OutOfMemory) suggesting --dry-run when `estimate` does not fit in `limit_bytes`
// (no estimate, or a limit of 0 or less: nothing to check).
void check_memory_fits(const std::optional<MemoryEstimate>& estimate, int64_t limit_bytes);

}  // namespace flopscope
