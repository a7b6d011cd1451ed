// Internal: what the recorder notes of the tensors a module call or an op receives and returns,
// beyond describe_value(): which arguments repeat an earlier one, which results share an argument's
// memory (views), and which are parameters.
#pragma once

#include <torch/script.h>

#include <vector>

#include "flopscope/core/value_info.h"

namespace flopscope {

// The memory of a tensor argument, held weakly: it does not keep the tensor's data alive (which would
// change what the allocator reuses, and so the run's speed), yet its address cannot be taken by a
// new storage while held, so "shares the memory of an argument" stays exact.
using StorageRef = c10::weak_intrusive_ptr<c10::StorageImpl>;

// Calls fn(tensor, info) for every defined tensor in `value`, `info` being its part of
// describe_value(value), or null when the walk was given none.
template <typename F>
void walk_tensors(const c10::IValue& value, ValueInfo* info, const F& fn) {
  // Element i of a container, while its description has one (or there is no description).
  const auto walk_element = [&](const c10::IValue& element, size_t i) {
    if (info == nullptr) {
      walk_tensors(element, nullptr, fn);
    } else if (i < info->elements.size()) {
      walk_tensors(element, &info->elements[i], fn);
    }
  };
  if (value.isTensor()) {
    if (value.toTensor().defined()) fn(value.toTensor(), info);
  } else if (value.isTuple()) {
    const auto& elements = value.toTupleRef().elements();
    for (size_t i = 0; i < elements.size(); ++i) walk_element(elements[i], i);
  } else if (value.isList()) {
    const auto elements = value.toListRef();
    for (size_t i = 0; i < elements.size(); ++i) walk_element(elements[i], i);
  } else if (value.isGenericDict()) {
    size_t i = 0;
    for (const auto& entry : value.toGenericDict()) {
      walk_element(entry.key(), i++);
      walk_element(entry.value(), i++);
    }
  }
}

// Calls fn(tensor, info) for every defined tensor in `value`, `info` being its part of describe_value(value).
template <typename F>
void for_each_tensor(const c10::IValue& value, ValueInfo& info, const F& fn) {
  walk_tensors(value, &info, [&](const at::Tensor& tensor, ValueInfo* part) { fn(tensor, *part); });
}

// Calls fn(tensor) for every defined tensor in `value` (tensors, and tuples, lists and dicts of them).
template <typename F>
void for_each_tensor(const c10::IValue& value, const F& fn) {
  walk_tensors(value, nullptr, [&](const at::Tensor& tensor, ValueInfo*) { fn(tensor); });
}

// Marks each tensor that already appeared among `values` (f(x, x) reads x once); returns their memory.
std::vector<StorageRef> mark_repeats(c10::ArrayRef<const c10::IValue> values, std::vector<ValueInfo>& infos);

// Marks each tensor in `value` that shares the memory of one of `arguments` (unless `written`).
void mark_views(const c10::IValue& value, ValueInfo& info, const std::vector<StorageRef>& arguments, bool written);

}  // namespace flopscope
