// Internal: which tensors of a run have shapes that came from the values of its inputs. Ops such as
// torchvision::nms, nonzero, masked_select and unique return as many elements as the data decides;
// whatever is computed from such a tensor (the boxes a detection head keeps, the regions it pools) has
// data-dependent work, counted for this input only. The op observer asks at each op's start whether
// it reads such a tensor, and marks its results at its end.
#pragma once

#include <torch/script.h>

#include <string_view>
#include <unordered_set>
#include <vector>

namespace flopscope {

class DataDependence {
 public:
  // The op returns as many elements as the values of its arguments decide.
  static bool shapes_follow_values(std::string_view op);

  // Some tensor in `values` (an op's arguments: tensors, lists and tuples of them) has a
  // data-dependent shape.
  template <typename Values>
  bool reads_any(const Values& values) const {
    if (marked_.empty()) return false;
    for (const c10::IValue& value : values) {
      if (contains_marked(value)) return true;
    }
    return false;
  }

  // Marks every tensor in `values` as having a data-dependent shape.
  template <typename Values>
  void mark(const Values& values) {
    for (const c10::IValue& value : values) mark_value(value);
  }

 private:
  bool contains_marked(const c10::IValue& value) const;
  void mark_value(const c10::IValue& value);

  // Held weakly, so that a marked tensor's address is not reused by a new tensor while it is marked,
  // without keeping its data alive.
  std::vector<c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl>> held_;
  std::unordered_set<const c10::TensorImpl*> marked_;
};

}  // namespace flopscope
