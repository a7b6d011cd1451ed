#include "runtime/packed_weights.h"

#include <ATen/record_function.h>

namespace flopscope {
namespace {

// Calls the object's method `name` with no argument; nullopt when it has none or it fails.
std::optional<c10::IValue> call_method(const c10::intrusive_ptr<c10::ivalue::Object>& object, const char* name) {
  torch::jit::Function* method = object->type()->findMethod(name);
  if (method == nullptr) return std::nullopt;
  try {
    return (*method)({c10::IValue(object)});
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::vector<int64_t> int_list(const std::optional<c10::IValue>& value) {
  return value && value->isIntList() ? value->toIntVector() : std::vector<int64_t>{};
}

}  // namespace

std::optional<PackedWeights> unpack_weights(const c10::IValue& value) {
  if (!value.isObject()) return std::nullopt;
  const auto object = value.toObject();
  if (object->type()->is_module() || object->type()->findMethod("unpack") == nullptr) return std::nullopt;
  const at::DisableRecordFunctionGuard not_recorded;
  const std::optional<c10::IValue> unpacked = call_method(object, "unpack");
  if (!unpacked || !unpacked->isTuple() || unpacked->toTupleRef().elements().empty()) return std::nullopt;
  const auto& parts = unpacked->toTupleRef().elements();
  if (!parts[0].isTensor()) return std::nullopt;
  PackedWeights packed;
  packed.weight = parts[0].toTensor();
  if (parts.size() > 1 && parts[1].isTensor()) packed.bias = parts[1].toTensor();
  packed.stride = int_list(call_method(object, "stride"));
  packed.convolution = !packed.stride.empty();
  if (packed.convolution) {
    packed.padding = int_list(call_method(object, "padding"));
    packed.dilation = int_list(call_method(object, "dilation"));
    packed.output_padding = int_list(call_method(object, "output_padding"));
    const auto groups = call_method(object, "groups");
    packed.groups = groups && groups->isInt() ? groups->toInt() : 1;
    const auto transposed = call_method(object, "transpose");
    packed.transposed = transposed && transposed->isBool() && transposed->toBool();
  }
  return packed;
}

std::vector<at::Tensor> unpack_cell_weights(const c10::IValue& value) {
  if (!value.isObject()) return {};
  const auto object = value.toObject();
  if (object->type()->is_module() || object->type()->name() == c10::nullopt ||
      object->type()->name()->qualifiedName() != "__torch__.torch.classes.rnn.CellParamsBase") {
    return {};
  }
  const at::DisableRecordFunctionGuard not_recorded;
  const std::optional<c10::IValue> state = call_method(object, "__getstate__");
  // (kind, tensors, doubles, longs, packed linear weights)
  if (!state || !state->isTuple()) return {};
  const std::vector<c10::IValue> parts = state->toTupleRef().elements().vec();
  if (parts.size() < 5 || !parts[1].isList() || !parts[4].isList()) return {};
  std::vector<at::Tensor> weights;
  for (const c10::IValue& packed : parts[4].toListRef()) {
    if (const std::optional<PackedWeights> unpacked = unpack_weights(packed)) weights.push_back(unpacked->weight);
  }
  for (const c10::IValue& tensor : parts[1].toListRef()) {
    if (tensor.isTensor() && tensor.toTensor().defined()) weights.push_back(tensor.toTensor());
  }
  return weights;
}

}  // namespace flopscope
