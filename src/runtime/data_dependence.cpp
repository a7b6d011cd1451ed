#include "runtime/data_dependence.h"

#include "runtime/value_capture.h"

namespace flopscope {

bool DataDependence::shapes_follow_values(std::string_view op) {
  static const std::unordered_set<std::string_view> ops = {
      "torchvision::nms",  "aten::nonzero",          "aten::nonzero_numpy", "aten::argwhere",
      "aten::masked_select", "aten::unique",         "aten::_unique",       "aten::_unique2",
      "aten::unique_dim",  "aten::unique_consecutive", "aten::unique_dim_consecutive",
  };
  return ops.count(op) > 0;
}

bool DataDependence::contains_marked(const c10::IValue& value) const {
  bool found = false;
  for_each_tensor(value, [&](const at::Tensor& t) { found = found || marked_.count(t.unsafeGetTensorImpl()) > 0; });
  return found;
}

void DataDependence::mark_value(const c10::IValue& value) {
  for_each_tensor(value, [&](const at::Tensor& t) {
    if (marked_.insert(t.unsafeGetTensorImpl()).second) held_.emplace_back(t.getIntrusivePtr());
  });
}

}  // namespace flopscope
