#include "flopscope/counting/op_traffic.h"

#include <algorithm>
#include <functional>
#include <map>

namespace flopscope {

Traffic tensor_traffic(int64_t elements, const std::string& dtype, bool is_parameter) {
  Traffic t;
  t.bytes = elements * dtype_bytes(dtype);
  if (!is_floating_dtype(dtype)) {
    t.other_bytes = t.bytes;
  } else if (is_parameter) {
    t.parameter_elements = elements;
  } else {
    t.activation_elements = elements;
  }
  return t;
}

namespace {

void add_tensors(const ValueInfo& value, bool reads, Traffic& total) {
  if (value.is_tensor()) {
    const bool skipped = reads ? (value.repeats_earlier_tensor || value.is_out_argument) : value.is_view_of_input;
    if (!skipped) total += tensor_traffic(value.numel(), value.dtype, value.is_parameter);
    return;
  }
  for (const ValueInfo& element : value.elements) add_tensors(element, reads, total);
}


// embedding(weight, indices, ...): the indices, the rows they select, and the result.
Traffic embedding_traffic(const OpRecord& op) {
  const ValueInfo& weight = op.inputs.at(0);
  const ValueInfo& indices = op.inputs.at(1);
  Traffic total = tensor_traffic(indices.numel(), indices.dtype, false);
  total += tensor_traffic(indices.numel() * weight.dim(-1), weight.dtype, weight.is_parameter);
  for (const ValueInfo& output : op.outputs) add_tensors(output, false, total);
  return total;
}

Traffic nothing(const OpRecord&) { return {}; }

const std::map<std::string, std::function<Traffic(const OpRecord&)>>& special_ops() {
  static const std::map<std::string, std::function<Traffic(const OpRecord&)>> ops = {
      {"aten::embedding", embedding_traffic},
      {"aten::empty", nothing},
      {"aten::empty_like", nothing},
      {"aten::empty_strided", nothing},
      {"aten::new_empty", nothing},
      {"aten::new_empty_strided", nothing},
  };
  return ops;
}

}  // namespace

Traffic op_traffic(const OpRecord& op) {
  const auto special = special_ops().find(op.op);
  if (special != special_ops().end()) return special->second(op);
  Traffic written;
  for (const ValueInfo& output : op.outputs) add_tensors(output, false, written);
  if (written.bytes == 0) return {};  // a view, or a query returning no tensor: reads nothing either
  for (const ValueInfo& input : op.inputs) add_tensors(input, true, written);
  return written;
}

Traffic boundary_traffic(const std::vector<ValueInfo>& inputs, const std::vector<ValueInfo>& outputs) {
  Traffic total;
  for (const ValueInfo& input : inputs) add_tensors(input, true, total);
  for (const ValueInfo& output : outputs) add_tensors(output, false, total);
  return total;
}

}  // namespace flopscope
