#include "flopscope/counting/op_traffic.h"

namespace flopscope {

CostRegistry<TrafficRule>& traffic_rule_registry() {
  static CostRegistry<TrafficRule> table("byte rules");
  return table;
}

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

using RegisterTrafficRule = CostRegistration<TrafficRule, traffic_rule_registry>;

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
const RegisterTrafficRule register_embedding({"aten::embedding"}, embedding_traffic,
                                              "the indices, one weight row per index, and the result");

Traffic nothing(const OpRecord&) { return {}; }
const RegisterTrafficRule register_empty({"aten::empty", "aten::empty_like", "aten::empty_strided", "aten::new_empty",
                                          "aten::new_empty_strided"},
                                         nothing, "allocation without initialization: no bytes");

}  // namespace

Traffic op_traffic(const OpRecord& op) {
  if (const TrafficRuleEntry* rule = traffic_rule_registry().find(op.op)) return rule->function(op);
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
