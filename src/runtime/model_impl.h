// Internal: what Model holds. Included only by library files that need the torch::jit::Module.
#pragma once

#include <torch/script.h>

#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "flopscope/runtime/model.h"

namespace flopscope {

struct Model::Impl {
  std::string path;
  std::optional<Manifest> manifest;
  torch::jit::Module module;
  std::vector<ModuleInfo> modules;
  // Identity of each module object (the `self` a hook receives) -> index into modules.
  std::unordered_map<const c10::ivalue::Object*, int> index_of_object;
  // The code's tensor constants (Model::code_constants) and their memory: a frozen file's weights.
  CodeConstants code_constants;
  std::unordered_set<const c10::StorageImpl*> constant_storage;
  // The memory of every parameter, buffer and constant -> the module holding it (kNoModule for a
  // constant), so op arguments that are weights, or views of weights (a transposed w.t(), a chunk of
  // in_proj_weight), can be told from activations, and their module found, with one lookup. A buffer
  // is the model's own state as a weight is (a mel filter bank, a weight left by removing weight_norm,
  // BatchNorm's statistics), until the run writes it (a KV cache kept in a buffer): the recording
  // session tracks that (buffer_storage).
  static constexpr int kNoModule = -1;
  std::unordered_map<const c10::StorageImpl*, int> weight_owner;
  std::unordered_set<const c10::StorageImpl*> buffer_storage;
  // The model's packed quantized weights, described once: unpacking copies the weight.
  std::unordered_map<const c10::ivalue::Object*, ValueInfo> packed_weights;
  std::unordered_set<std::string> operator_namespaces;  // of the ops the code calls ("aten", "torchvision")
  bool meta = false;
  bool instrumented = false;

  // Records where every weight's memory is (after loading, and again after moving to a device).
  void remember_weight_storage() {
    weight_owner.clear();
    buffer_storage.clear();
    for (const auto* storage : constant_storage) weight_owner.emplace(storage, kNoModule);
    const auto remember = [this](const at::Tensor& t, int owner) {
      if (t.has_storage()) weight_owner.emplace(t.storage().unsafeGetStorageImpl(), owner);
    };
    for (const auto& named : module.named_modules()) {
      const auto index = index_of_object.find(named.value._ivalue().get());
      if (index == index_of_object.end()) continue;
      for (const at::Tensor& p : named.value.parameters(/*recurse=*/false)) remember(p, index->second);
      for (const at::Tensor& b : named.value.buffers(/*recurse=*/false)) remember(b, index->second);
    }
    // Every weight, whoever holds it.
    for (const at::Tensor& p : module.parameters()) remember(p, kNoModule);
    for (const at::Tensor& b : module.buffers()) {
      remember(b, kNoModule);
      if (b.has_storage()) buffer_storage.insert(b.storage().unsafeGetStorageImpl());
    }
  }

  // Rebuilds `modules` and the parameter memory from the module as it is now (after --dtype
  // converted its tensors, so that dtypes and bytes in reports are those of the run).
  void describe();

  // The method called `name`; throws NoSuchMethod naming the methods there are.
  torch::jit::Method method(const std::string& name) const;

  // The module whose parameter `t` is (or views), kNoModule for a weight the code holds as a constant;
  // nullopt when `t` is not a weight.
  std::optional<int> weight_owner_of(const at::Tensor& t) const {
    if (!t.defined() || !t.has_storage()) return std::nullopt;
    const auto found = weight_owner.find(t.storage().unsafeGetStorageImpl());
    if (found == weight_owner.end()) return std::nullopt;
    return found->second;
  }

  // describe_value(value), taken from what describe() found when `value` is the model's packed weights.
  ValueInfo describe_argument(const c10::IValue& value) const;
};

// Shape/dtype/kind of a runtime value, recursing into containers.
ValueInfo describe_value(const c10::IValue& value);

inline ValueInfo Model::Impl::describe_argument(const c10::IValue& value) const {
  if (value.isObject()) {
    const auto known = packed_weights.find(value.toObject().get());
    if (known != packed_weights.end()) return known->second;
  }
  return describe_value(value);
}

}  // namespace flopscope
