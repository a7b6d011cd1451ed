// LibTorch compatibility — the one place that knows LibTorch 1.13 and 2.x differ.
//
// flopscope builds from one source tree against LibTorch 1.13 (Debian 12) and 2.x (Debian 13's 2.6,
// or a pip-installed PyTorch). Differences are detected at run time from the dispatcher, not with
// version #ifs, so a LibTorch that gains an op simply stops needing flopscope's stand-in. Each
// difference met so far is listed in src/runtime/libtorch_compat.cpp with a comment.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace c10 {
class WarningHandler;
}

namespace flopscope::compat {

// The LibTorch flopscope was built with ("1.13.1", "2.6.0").
std::string libtorch_version();
// "CUDA" when this LibTorch can run on a GPU (whether or not one is present), else "CPU only".
std::string libtorch_backends();

// Registers the operators that TorchScript written by a newer PyTorch calls and this LibTorch lacks,
// each as a decomposition into ordinary ops (so it runs on CPU, CUDA and meta tensors alike).
// On 1.13 that is PyTorch 2.x's aten::scaled_dot_product_attention. Idempotent; call before loading.
void provide_newer_operators();
// Lets an operator without autograd kernels (a user library's) pass through autograd on meta tensors
// to its Meta kernel, as on CPU and CUDA tensors (see the .cpp, 7). Idempotent.
void let_meta_kernels_skip_autograd();
// The operators provide_newer_operators() registered in this process ("aten::scaled_dot_product_attention").
std::vector<std::string> provided_operators();

// True when the operator ("aten::max_pool2d", overload after a dot) has a kernel registered for meta
// tensors. Composite kernels do not count (see the .cpp). False when the operator does not exist.
bool has_meta_kernel(const std::string& qualified_op);
// True when the operator is a CompositeImplicitAutograd decomposition into other ops.
bool decomposes(const std::string& qualified_op);
// True when the operator exists in this LibTorch.
bool has_operator(const std::string& qualified_op);
// True when all the operator's work runs as other dispatched ops: a composite kernel, implicit or
// explicit (as most 2.x view and factory ops are), so counting the ops it dispatches is exact.
bool runs_as_dispatched_ops(const std::string& qualified_op);

// Where an op's own arguments start among the values its RecordFunction event carries (the event may
// carry more; see the .cpp), or nullopt when it carries too few.
std::optional<size_t> event_argument_offset(size_t event_values, size_t schema_arguments);
// The operator named by LibTorch's "no meta kernel" message in `message` ("aten::nonzero"), or "".
std::string op_without_meta_kernel(const std::string& message);

// While alive, the warnings the model's code raises (TorchScript's warnings.warn, LibTorch's
// TORCH_WARN) are kept instead of LibTorch printing them through its logger, so that a report can
// say them once, in its own words.
class ModelWarnings {
 public:
  ModelWarnings();
  ~ModelWarnings();
  ModelWarnings(const ModelWarnings&) = delete;
  ModelWarnings& operator=(const ModelWarnings&) = delete;
  std::vector<std::string> messages() const;  // each distinct message once, in order

 private:
  class Handler;
  std::unique_ptr<Handler> handler_;
  c10::WarningHandler* previous_;
};

}  // namespace flopscope::compat
