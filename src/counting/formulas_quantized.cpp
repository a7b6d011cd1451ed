// Quantized operators (torch.ao.quantization: quantize_dynamic, static post-training quantization).
// Their weights come packed in an object the recorder unpacks (runtime/packed_weights.h): argument 1
// holds the weight, the bias and a convolution's geometry. A quantized product does the same
// multiply-adds as its float twin, in integers: it counts as MACs (2 FLOPs each, the tables' unit),
// its bytes at the weight's bit width. Quantizing and dequantizing tensors is elementwise work.
#include <stdexcept>

#include "formula_kit.h"

namespace flopscope {
namespace formulas {
namespace {

constexpr int64_t kHalfScalarType = 5;  // c10::ScalarType::Half, as TorchScript passes a dtype argument

// The packed weights of argument `index` (a quantized op's W_prepack / packed_weight).
const ValueInfo& packed(const Inputs& in, size_t index, size_t parts) {
  const ValueInfo& p = arg(in, index);
  if (p.kind != ValueInfo::Kind::Object || p.elements.size() < parts || !p.elements[0].is_tensor()) {
    throw std::invalid_argument("argument " + std::to_string(index) + " is not a packed weight flopscope can unpack");
  }
  return p;
}

// linear_dynamic(x[..., I], W_prepack(w[O, I], b?), ...) and the static linear(x, W_prepack, scale,
// zero_point): rows*I*O MACs, in integers (the _fp16 variants in fp16), a bias add per output; _relu
// variants one compare more.
template <bool Relu, bool Integer>
Counts quantized_linear(const Inputs& in) {
  const auto& x = tensor_arg(in, 0);
  const ValueInfo& p = packed(in, 1, 2);
  const ValueInfo& w = p.elements[0];
  if (w.shape.size() != 2 || x.shape.empty() || x.dim(-1) != w.dim(1)) throw std::invalid_argument("quantized linear shapes");
  const int64_t rows = x.numel() / x.dim(-1);
  const Counts products = multiply_adds(rows * w.dim(0) * w.dim(1));
  const int64_t per_output = (p.elements[1].is_tensor() ? cost::kArithmetic : 0) + (Relu ? cost::kArithmetic : 0);
  return (Integer ? in_integers(products) : products) + elementwise(rows * w.dim(0), per_output);
}
const RegisterOpFormula register_quantized_linear(
    {"quantized::linear_dynamic", "quantized::linear"}, quantized_linear<false, true>,
    "packed weight [O, I]: rows*I*O MACs in integers; bias add rows*O elementwise");
const RegisterOpFormula register_quantized_linear_relu(
    {"quantized::linear_relu_dynamic", "quantized::linear_relu"}, quantized_linear<true, true>,
    "as quantized::linear, plus the relu: one compare per output");
const RegisterOpFormula register_fp16_linear(
    {"quantized::linear_dynamic_fp16"}, quantized_linear<false, false>,
    "packed fp16 weight [O, I]: rows*I*O MACs (floating point); bias add rows*O elementwise");
const RegisterOpFormula register_fp16_linear_relu(
    {"quantized::linear_relu_dynamic_fp16"}, quantized_linear<true, false>,
    "as quantized::linear_dynamic_fp16, plus the relu: one compare per output");

// conv1d/2d/3d(qx, packed_weight(w, b, stride, padding, dilation, output_padding, groups, transposed),
// output_scale, output_zero_point): as aten::convolution with the packed geometry; _relu variants one
// compare per output element more.
template <bool Relu>
Counts quantized_convolution(const Inputs& in) {
  const auto& x = tensor_arg(in, 0);
  const ValueInfo& p = packed(in, 1, 8);
  const ValueInfo& w = p.elements[0];
  const size_t spatial = w.shape.size() - 2;
  const Counts c = in_integers(conv_counts(x, w, int_list(p.elements[2], spatial), int_list(p.elements[3], spatial),
                               int_list(p.elements[4], spatial), p.elements[7].int_value != 0, int_list(p.elements[5], spatial),
                               p.elements[1].is_tensor()));
  if (!Relu) return c;
  int64_t taps = 1;  // multiply-adds per output element
  for (size_t i = 1; i < w.shape.size(); ++i) taps *= w.shape[i];
  return c + elementwise(taps > 0 ? c.macs / taps : 0, cost::kArithmetic);
}
const RegisterOpFormula register_quantized_convolution(
    {"quantized::conv1d", "quantized::conv2d", "quantized::conv3d", "quantized::conv_transpose1d", "quantized::conv_transpose2d",
     "quantized::conv_transpose3d"},
    quantized_convolution<false>, "as aten::convolution, with the stride, padding, dilation and groups packed with the weight");
const RegisterOpFormula register_quantized_convolution_relu(
    {"quantized::conv1d_relu", "quantized::conv2d_relu", "quantized::conv3d_relu"}, quantized_convolution<true>,
    "as quantized::conv2d, plus the relu: one compare per output element");

// quantized_lstm / quantized_gru (quantize_dynamic of nn.LSTM, nn.GRU): the float layer's work, its
// products in integers. The packed cell parameters are opaque, so the sizes come from the states:
// h [layers*directions, B, P] (P = H, or an LSTM's projection size), an LSTM's c [.., B, H]. Per token,
// each layer and direction multiplies gates*H*(I_l + P) weights (I_0 = the input's width, then
// directions*P) and a projection P*H; the cell's elementwise work as the float layer's (counts.h).
// Overloads: .input(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, ...) and
// .data(data, batch_sizes, hx, params, ...), one position later (a packed sequence: data [tokens, I]).
// The products are in integers unless the keyword `dtype` (hx + 8) says float16 (fp16 dynamic quantization).
template <int64_t Gates, int64_t CellFlops>
Counts quantized_recurrent(const Inputs& in) {
  const ValueInfo& first_state = arg(in, 1);
  const bool packed_sequence = first_state.is_tensor() && (Gates == 4 || arg(in, 2).is_tensor());
  const size_t hx = packed_sequence ? 2 : 1;
  const ValueInfo& states = arg(in, hx);
  const ValueInfo& h = states.is_tensor() ? states : states.elements.at(0);
  const ValueInfo& c = Gates == 4 && !states.is_tensor() && states.elements.size() > 1 ? states.elements[1] : h;
  const auto& x = tensor_arg(in, 0);
  const int64_t layers = arg(in, hx + 3).int_value;
  const int64_t directions = flag(in, hx + 6) ? 2 : 1;
  if (!h.is_tensor() || !c.is_tensor() || h.shape.size() != 3 || c.shape.size() != 3 || x.shape.empty() || layers <= 0 ||
      h.dim(0) != layers * directions) {
    throw std::invalid_argument("quantized recurrent layer shapes");
  }
  const int64_t hidden = c.dim(2), output = h.dim(2);
  int64_t weights = 0;
  for (int64_t layer = 0; layer < layers; ++layer) {
    const int64_t input_width = layer == 0 ? x.dim(-1) : directions * output;
    weights += directions * (Gates * hidden * (input_width + output) + (output != hidden ? output * hidden : 0));
  }
  const Counts counts = recurrent_counts(x.numel() / x.dim(-1), weights, layers * directions * hidden, Gates, CellFlops, flag(in, hx + 2));
  const size_t dtype = hx + 8;
  const bool in_fp16 = dtype < in.size() && in[dtype].kind == ValueInfo::Kind::Int && in[dtype].int_value == kHalfScalarType;
  return in_fp16 ? counts : in_integers(counts);
}
const RegisterOpFormula register_quantized_lstm(
    {"aten::quantized_lstm"}, quantized_recurrent<4, cost::kLstmCell>,
    "as nn.LSTM: 2*tokens*(elements of every weight matrix, from the states' sizes) matmul, in integers; 19 per "
    "hidden unit and token, +8 with biases");
const RegisterOpFormula register_quantized_gru(
    {"aten::quantized_gru"}, quantized_recurrent<3, cost::kGruCell>,
    "as nn.GRU: 2*tokens*(elements of every weight matrix, from the state's size) matmul, in integers; 14 per "
    "hidden unit and token, +6 with biases");

// quantize_per_tensor(x, scale, zero_point, dtype): x / scale, round, + zero_point, clamp: 4 per element.
Counts quantize(const Inputs& in) { return elementwise(tensor_arg(in, 0).numel(), cost::kQuantize); }
const RegisterOpFormula register_quantize({"aten::quantize_per_tensor", "aten::quantize_per_channel",
                                           "aten::quantize_per_tensor_dynamic"},
                                          quantize, "4 FLOPs per element: divide by the scale, round, add the zero point, clamp");

// dequantize(q): (q - zero_point) * scale: 2 per element.
Counts dequantize(const Inputs& in) { return elementwise(tensor_arg(in, 0).numel(), cost::kDequantize); }
const RegisterOpFormula register_dequantize({"aten::dequantize"}, dequantize,
                                            "2 FLOPs per element: subtract the zero point, multiply by the scale");

}  // namespace

const char kQuantizedFormulas[] = "quantized";

}  // namespace formulas
}  // namespace flopscope
