#include "runtime/data_dependence.h"

namespace flopscope {
namespace {

template <typename F>
void for_each_tensor_in(const c10::IValue& value, const F& fn) {
  if (value.isTensor()) {
    if (value.toTensor().defined()) fn(value.toTensor());
  } else if (value.isTuple()) {
    for (const c10::IValue& element : value.toTupleRef().elements()) for_each_tensor_in(element, fn);
  } else if (value.isList()) {
    for (const c10::IValue& element : value.toListRef()) for_each_tensor_in(element, fn);
  }
}

}  // namespace

bool DataDependence::shapes_follow_values(const std::string& op) {
  static const std::unordered_set<std::string> ops = {
      "torchvision::nms",  "aten::nonzero",          "aten::nonzero_numpy", "aten::argwhere",
      "aten::masked_select", "aten::unique",         "aten::_unique",       "aten::_unique2",
      "aten::unique_dim",  "aten::unique_consecutive", "aten::unique_dim_consecutive",
  };
  return ops.count(op) > 0;
}

bool DataDependence::contains_marked(const c10::IValue& value) const {
  bool found = false;
  for_each_tensor_in(value, [&](const at::Tensor& t) { found = found || marked_.count(t.unsafeGetTensorImpl()) > 0; });
  return found;
}

void DataDependence::mark_value(const c10::IValue& value) {
  for_each_tensor_in(value, [&](const at::Tensor& t) {
    if (marked_.insert(t.unsafeGetTensorImpl()).second) held_.emplace_back(t.getIntrusivePtr());
  });
}

}  // namespace flopscope
