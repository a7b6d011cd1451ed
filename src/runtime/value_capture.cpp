#include "runtime/value_capture.h"

#include <algorithm>
#include <unordered_set>

namespace flopscope {

std::vector<StorageRef> mark_repeats(c10::ArrayRef<const c10::IValue> values, std::vector<ValueInfo>& infos) {
  std::vector<StorageRef> storage;
  std::unordered_set<const c10::TensorImpl*> seen;
  for (size_t i = 0; i < values.size() && i < infos.size(); ++i) {
    for_each_tensor(values[i], infos[i], [&](const at::Tensor& tensor, ValueInfo& info) {
      info.repeats_earlier_tensor = !seen.insert(tensor.unsafeGetTensorImpl()).second;
      if (!info.repeats_earlier_tensor && tensor.has_storage()) storage.push_back(tensor.storage().getWeakStorageImpl());
    });
  }
  return storage;
}

void mark_views(const c10::IValue& value, ValueInfo& info, const std::vector<StorageRef>& arguments, bool written) {
  for_each_tensor(value, info, [&](const at::Tensor& tensor, ValueInfo& part) {
    part.is_view_of_input = !written && tensor.has_storage() && std::any_of(arguments.begin(), arguments.end(), [&](const StorageRef& a) {
                              return tensor.storage().unsafeGetStorageImpl() == a._unsafe_get_target();
                            });
  });
}

}  // namespace flopscope
