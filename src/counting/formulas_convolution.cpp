// Convolutions of every kind (1-D to 3-D, strided, dilated, grouped, depthwise, transposed): each output
// element sums Cin/groups x kernel products; a transposed convolution multiplies each input element
// into Cout/groups x kernel outputs. A bias adds one per output element.
#include <stdexcept>

#include "formula_kit.h"

namespace flopscope {
namespace formulas {
namespace {

Counts convolution(const Inputs& in) {  // convolution(x, w, b, stride, padding, dilation, transposed, output_padding, groups)
  const auto& x = tensor_arg(in, 0);
  const auto& w = tensor_arg(in, 1);
  const size_t spatial = w.shape.size() - 2;
  return conv_counts(x, w, int_list(arg(in, 3), spatial), int_list(arg(in, 4), spatial), int_list(arg(in, 5), spatial),
                     arg(in, 6).int_value != 0, int_list(arg(in, 7), spatial), present(in, 2));
}
const RegisterOpFormula register_convolution(
    {"aten::_convolution", "aten::convolution"},
    convolution,
    "output elements x Cin/groups x kernel MACs (transposed: input elements x Cout/groups x kernel); bias add per output element");

Counts conv_nd(const Inputs& in) {  // conv1d/2d/3d(x, w, b, stride, padding, dilation, groups); padding may be "same"/"valid"
  const auto& x = tensor_arg(in, 0);
  const auto& w = tensor_arg(in, 1);
  const size_t spatial = w.shape.size() - 2;
  const auto stride = int_list(arg(in, 3), spatial);
  const auto dilation = int_list(arg(in, 5), spatial);
  std::vector<int64_t> padding(spatial, 0);
  const ValueInfo& pad = arg(in, 4);
  if (pad.kind == ValueInfo::Kind::String) {
    if (pad.text == "same") {  // output size = input size: fold the total padding d*(k-1) into the input
      ValueInfo padded = x;
      for (size_t i = 0; i < spatial; ++i) padded.shape[x.shape.size() - spatial + i] += dilation[i] * (w.shape[2 + i] - 1);
      return conv_counts(padded, w, stride, padding, dilation, false, padding, present(in, 2));
    }
  } else {
    padding = int_list(pad, spatial);
  }
  return conv_counts(x, w, stride, padding, dilation, false, std::vector<int64_t>(spatial, 0), present(in, 2));
}
const RegisterOpFormula register_conv(
    {"aten::conv1d", "aten::conv2d", "aten::conv3d"}, conv_nd, "as aten::convolution");

Counts conv_transpose_nd(const Inputs& in) {  // conv_transposeNd(x, w, b, stride, padding, output_padding, groups, dilation)
  const auto& x = tensor_arg(in, 0);
  const auto& w = tensor_arg(in, 1);
  const size_t spatial = w.shape.size() - 2;
  return conv_counts(x, w, int_list(arg(in, 3), spatial), int_list(arg(in, 4), spatial), int_list(arg(in, 7), spatial),
                     true, int_list(arg(in, 5), spatial), present(in, 2));
}
const RegisterOpFormula register_conv_transpose(
    {"aten::conv_transpose1d", "aten::conv_transpose2d", "aten::conv_transpose3d"},
    conv_transpose_nd, "as aten::convolution, transposed");

}  // namespace

const char kConvolutionFormulas[] = "convolution";

}  // namespace formulas

Counts conv_counts(const ValueInfo& input, const ValueInfo& weight, const std::vector<int64_t>& stride,
                   const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, bool transposed,
                   const std::vector<int64_t>& output_padding, bool has_bias) {
  const size_t spatial = weight.shape.size() - 2;
  if (weight.shape.size() < 3 || (input.shape.size() != spatial + 2 && input.shape.size() != spatial + 1)) {
    throw std::invalid_argument("convolution ranks");
  }
  const bool batched = input.shape.size() == spatial + 2;
  const int64_t batch = batched ? input.shape[0] : 1;
  const int64_t in_channels = input.shape[batched ? 1 : 0];
  int64_t kernel = 1;
  for (size_t i = 0; i < spatial; ++i) kernel *= weight.shape[2 + i];
  int64_t in_spatial = 1, out_spatial = 1;
  for (size_t i = 0; i < spatial; ++i) {
    const int64_t size = input.shape[input.shape.size() - spatial + i];
    const int64_t k = weight.shape[2 + i];
    const int64_t out = transposed ? (size - 1) * stride[i] - 2 * padding[i] + dilation[i] * (k - 1) + output_padding[i] + 1
                                   : (size + 2 * padding[i] - dilation[i] * (k - 1) - 1) / stride[i] + 1;
    if (out <= 0) throw std::invalid_argument("convolution output is empty");
    in_spatial *= size;
    out_spatial *= out;
  }
  // weight is [Cout, Cin/groups, k...]; transposed: [Cin, Cout/groups, k...].
  if (transposed) {
    const int64_t groups = in_channels / weight.shape[0];
    const int64_t out_channels = weight.shape[1] * groups;
    // Every input element is multiplied into Cout/groups x kernel outputs.
    Counts c = multiply_adds(batch * in_channels * in_spatial * weight.shape[1] * kernel);
    if (has_bias) c += elementwise(batch * out_channels * out_spatial, cost::kArithmetic);
    return c;
  }
  // Every output element sums Cin/groups x kernel products.
  Counts c = multiply_adds(batch * weight.shape[0] * out_spatial * weight.shape[1] * kernel);
  if (has_bias) c += elementwise(batch * weight.shape[0] * out_spatial, cost::kArithmetic);
  return c;
}

}  // namespace flopscope
