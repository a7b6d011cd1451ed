#include "runtime/grad_state.h"

#include <algorithm>
#include <unordered_set>

#include "flopscope/core/error.h"

namespace flopscope {
namespace {

// Whether parameter `name` lies under one of `paths` (a module path or a parameter's own name).
bool under_any(const std::string& name, const std::vector<std::string>& paths) {
  return std::any_of(paths.begin(), paths.end(), [&](const std::string& path) {
    return name == path || (name.size() > path.size() && name.compare(0, path.size(), path) == 0 && name[path.size()] == '.');
  });
}

// The parameters kept out of grad: those with any name under a frozen path (a tied parameter has several).
std::unordered_set<const c10::TensorImpl*> frozen_tensors(const torch::jit::Module& module, const std::vector<std::string>& frozen) {
  std::unordered_set<const c10::TensorImpl*> tensors;
  for (const auto& p : module.named_parameters()) {
    if (under_any(p.name, frozen)) tensors.insert(p.value.unsafeGetTensorImpl());
  }
  return tensors;
}

}  // namespace

GradState::GradState(torch::jit::Module module, bool enable, bool train, const std::vector<std::string>& frozen)
    : module_(std::move(module)), set_training_(train && !module_.is_training()) {
  if (set_training_) module_.train(true);
  if (!enable) return;
  const auto kept_out = frozen_tensors(module_, frozen);
  for (const auto& p : module_.named_parameters()) {
    at::Tensor t = p.value;
    const bool wanted = t.is_floating_point() && kept_out.count(t.unsafeGetTensorImpl()) == 0;
    if (t.requires_grad() != wanted) {
      saved_.emplace_back(t, t.requires_grad());
      t.requires_grad_(wanted);
    }
    if (wanted) trainable_.push_back(t);
  }
}

GradState::~GradState() {
  for (at::Tensor& t : trainable_) t.mutable_grad() = at::Tensor();
  for (auto& [t, flag] : saved_) t.requires_grad_(flag);
  if (set_training_) module_.train(false);
}

void check_frozen(const Model::Impl& impl, const std::vector<std::string>& frozen) {
  for (const auto& path : frozen) {
    bool found = std::any_of(impl.modules.begin(), impl.modules.end(), [&](const ModuleInfo& m) { return m.name == path; });
    for (const auto& p : impl.module.named_parameters()) found = found || p.name == path;
    if (!found) throw Error(ExitCode::Usage, "--freeze: the model has no module or parameter '" + path + "'");
  }
}

void count_trainable(const Model::Impl& impl, const std::vector<std::string>& frozen, TrainingRecord& training) {
  const auto kept_out = frozen_tensors(impl.module, frozen);
  std::unordered_set<const c10::TensorImpl*> seen;
  for (const auto& p : impl.module.named_parameters()) {
    const c10::TensorImpl* tensor = p.value.unsafeGetTensorImpl();
    if (!p.value.is_floating_point()) continue;
    const bool is_frozen = kept_out.count(tensor) > 0;
    if (is_frozen) training.frozen_parameters.insert(p.name);  // every name of a tied parameter
    if (seen.insert(tensor).second) (is_frozen ? training.frozen_params : training.trainable_params) += p.value.numel();
  }
}

}  // namespace flopscope
