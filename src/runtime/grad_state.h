// Internal: the gradient and train-mode state of a model during a run with autograd (--autograd,
// --training), with --freeze's parameters kept out, restored afterwards.
#pragma once

#include <torch/script.h>

#include <string>
#include <utility>
#include <vector>

#include "flopscope/runtime/recorder.h"
#include "runtime/model_impl.h"

namespace flopscope {

// While alive: floating-point parameters require grad (less the frozen ones, which do not) and the
// module is in the requested train mode. Restores every flag, and drops the gradients a backward left.
class GradState {
 public:
  GradState(torch::jit::Module module, bool enable, bool train, const std::vector<std::string>& frozen);
  ~GradState();
  GradState(const GradState&) = delete;
  GradState& operator=(const GradState&) = delete;

 private:
  torch::jit::Module module_;
  bool set_training_;  // train mode was switched on here, so it is switched off again
  std::vector<std::pair<at::Tensor, bool>> saved_;
  std::vector<at::Tensor> trainable_;
};

// --training --freeze: throws Error(Usage) unless every path names a module or a parameter.
void check_frozen(const Model::Impl& impl, const std::vector<std::string>& frozen);

// Distinct parameter elements that will train and that are frozen (floating point only).
void count_trainable(const Model::Impl& impl, const std::vector<std::string>& frozen, TrainingRecord& training);

}  // namespace flopscope
