// Internal: the weights quantized modules keep packed for their kernels (torch.classes.quantized's
// LinearPackedParamsBase, Conv2dPackedParamsBase, ...). TorchScript holds them as opaque objects, not
// as parameters or tensors; their unpack() gives back the weight (a quantized tensor at its bit width)
// and the bias, and a convolution's also its stride, padding, dilation and groups.
#pragma once

#include <torch/script.h>

#include <optional>
#include <vector>

namespace flopscope {

struct PackedWeights {
  at::Tensor weight;
  at::Tensor bias;  // undefined when there is none
  bool convolution = false;
  std::vector<int64_t> stride, padding, dilation, output_padding;  // convolutions
  int64_t groups = 1;
  bool transposed = false;
};

// The packed weights `value` holds, or nullopt when it is not such an object. Runs the object's own
// methods with op recording off, so that unpacking is not counted as the model's work.
std::optional<PackedWeights> unpack_weights(const c10::IValue& value);

// The weights of a quantized recurrent layer's cell (torch.classes.rnn.CellParamsBase, one per layer
// and direction): the packed weight matrices (dynamic quantization) and the tensors kept beside them
// (biases; all four tensors in a statically quantized cell). Empty when `value` is no such object.
std::vector<at::Tensor> unpack_cell_weights(const c10::IValue& value);

}  // namespace flopscope
