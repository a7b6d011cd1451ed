// Elementwise work: arithmetic, activations, softmax, normalization, reductions, pooling and
// interpolation, at the per-element costs of include/flopscope/core/counts.h (docs/counting.md).
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "formula_kit.h"

namespace flopscope::formulas {
namespace {

template <int64_t PerElement>
Counts per_output_element(const Inputs& in) { return elementwise(broadcast_numel(in), PerElement); }
const RegisterOpFormula register_add(
    {"aten::add", "aten::sub", "aten::rsub", "aten::mul", "aten::div", "aten::neg", "aten::reciprocal",
     "aten::relu", "aten::relu6", "aten::clamp", "aten::clamp_min", "aten::clamp_max", "aten::hardtanh",
     "aten::leaky_relu", "aten::prelu", "aten::_prelu_kernel", "aten::maximum", "aten::minimum", "aten::eq", "aten::ne",
     "aten::lt", "aten::le", "aten::gt", "aten::ge", "aten::square", "aten::addcmul", "aten::addcdiv", "aten::lerp",
     "aten::floor", "aten::ceil", "aten::round", "aten::trunc", "aten::sign", "aten::remainder", "aten::fmod",
     "aten::floor_divide", "aten::threshold"}, per_output_element<cost::kArithmetic>, "1 FLOP per output element");
const RegisterOpFormula register_exp(
    {"aten::exp", "aten::log", "aten::log2", "aten::log1p", "aten::expm1", "aten::tanh", "aten::erf", "aten::sqrt",
     "aten::rsqrt", "aten::sin", "aten::cos", "aten::pow"},
    per_output_element<cost::kTranscendental>, "1 FLOP per output element");

template <int64_t PerElement>
Counts per_input_element(const Inputs& in) { return elementwise(tensor_arg(in, 0).numel(), PerElement); }

// abs: 1 per element; of a complex number (a spectrogram's magnitude) sqrt(re^2 + im^2).
Counts absolute(const Inputs& in) {
  const auto& x = tensor_arg(in, 0);
  return elementwise(x.numel(), is_complex(x) ? cost::kComplexAbs : cost::kArithmetic);
}
const RegisterOpFormula register_abs({"aten::abs"}, absolute, "1 FLOP per element; 4 for a complex one: sqrt(re^2 + im^2)");

// glu(x, dim): the first half of x along dim times the sigmoid of the second, per output element.
Counts gated_linear_unit(const Inputs& in) { return elementwise(tensor_arg(in, 0).numel() / 2, cost::kGlu); }
const RegisterOpFormula register_glu({"aten::glu"}, gated_linear_unit, "4 FLOPs per output element (half the input): a * sigmoid(b)");
const RegisterOpFormula register_sigmoid({"aten::sigmoid"}, per_input_element<cost::kSigmoid>, "3 FLOPs per element");
const RegisterOpFormula register_silu({"aten::silu"}, per_input_element<cost::kSilu>, "4 FLOPs per element");
const RegisterOpFormula register_hardsigmoid(
    {"aten::hardsigmoid"}, per_input_element<cost::kHardsigmoid>, "3 FLOPs per element: add, clamp, divide");
const RegisterOpFormula register_hardswish(
    {"aten::hardswish"}, per_input_element<cost::kHardswish>, "4 FLOPs per element: add, clamp, multiply, divide");
const RegisterOpFormula register_elu(
    {"aten::elu", "aten::celu", "aten::selu"}, per_input_element<cost::kElu>, "4 FLOPs per element");
const RegisterOpFormula register_softplus(
    {"aten::softplus"}, per_input_element<cost::kSoftplus>, "3 FLOPs per element");
const RegisterOpFormula register_mish({"aten::mish"}, per_input_element<cost::kMish>, "5 FLOPs per element");
const RegisterOpFormula register_softmax(
    {"aten::softmax", "aten::_softmax", "aten::log_softmax", "aten::_log_softmax"},
    per_input_element<cost::kSoftmax>, "5 FLOPs per element");
const RegisterOpFormula register_sum(
    {"aten::sum", "aten::mean", "aten::amax", "aten::amin", "aten::max", "aten::min", "aten::argmax", "aten::argmin",
     "aten::cumsum", "aten::prod", "aten::cumprod", "aten::all", "aten::any"},
    per_input_element<cost::kArithmetic>, "1 FLOP per input element");
// aminmax (dynamic quantization's range of each activation): a compare for the min, one for the max.
const RegisterOpFormula register_aminmax({"aten::aminmax", "aten::_aminmax"}, per_input_element<2 * cost::kArithmetic>,
                                         "2 FLOPs per input element: a compare for the min, one for the max");
const RegisterOpFormula register_linalg_vector_norm(
    {"aten::linalg_vector_norm", "aten::norm", "aten::frobenius_norm"},
    per_input_element<cost::kVectorNorm>, "2 FLOPs per input element (square, accumulate)");
const RegisterOpFormula register_adaptive_avg_pool(
    {"aten::adaptive_avg_pool1d", "aten::adaptive_avg_pool2d", "aten::adaptive_avg_pool3d",
     "aten::_adaptive_avg_pool2d", "aten::_adaptive_avg_pool3d", "aten::adaptive_max_pool1d",
     "aten::adaptive_max_pool2d", "aten::adaptive_max_pool3d"},
    per_input_element<cost::kArithmetic>, "1 FLOP per input element");
// _transform_bias_rescale_qkv only appears outside a counted attention op when that op's own inputs
// could not be read; it adds the qkv bias and scales q.
const RegisterOpFormula register_transform_bias_rescale_qkv(
    {"aten::_transform_bias_rescale_qkv"},
    per_input_element<2 * cost::kArithmetic>,
    "bias add and q scaling: 2 FLOPs per qkv element (upper bound: q only is scaled)");

int64_t affine(const Inputs& in, size_t weight, size_t bias) {
  return (present(in, weight) ? cost::kAffine : 0) + (present(in, bias) ? cost::kAffine : 0);
}

Counts layer_norm(const Inputs& in) {  // layer_norm / group_norm(x, shape or groups, weight?, bias?, ...)
  return elementwise(tensor_arg(in, 0).numel(), cost::kNormalize + affine(in, 2, 3));
}
const RegisterOpFormula register_layer_norm(
    {"aten::layer_norm", "aten::native_layer_norm", "aten::group_norm", "aten::native_group_norm"},
    layer_norm, "5 FLOPs per element, +1 each for weight and bias");

// batch_norm, native_batch_norm, _native_batch_norm_legit, _batch_norm_impl_index(x, weight?, bias?,
// running_mean?, running_var?, training, ...): eval with running stats folds into one multiply-add.
Counts batch_norm(const Inputs& in) {
  const bool statistics = flag(in, 5) || !present(in, 3);
  return elementwise(tensor_arg(in, 0).numel(), statistics ? cost::kNormalize + affine(in, 1, 2) : cost::kBatchNormEval);
}
const RegisterOpFormula register_batch_norm(
    {"aten::batch_norm", "aten::native_batch_norm", "aten::_native_batch_norm_legit", "aten::_batch_norm_impl_index"},
    batch_norm, "eval with running stats: 2 FLOPs per element; otherwise as layer_norm");

// _native_batch_norm_legit_no_training(x, weight?, bias?, running_mean, running_var, momentum, eps)
Counts batch_norm_eval(const Inputs& in) { return elementwise(tensor_arg(in, 0).numel(), cost::kBatchNormEval); }
const RegisterOpFormula register_native_batch_norm_legit_no_training(
    {"aten::_native_batch_norm_legit_no_training"}, batch_norm_eval, "2 FLOPs per element");

// instance_norm(x, weight?, bias?, running_mean?, running_var?, use_input_stats, ...)
Counts instance_norm(const Inputs& in) {
  return elementwise(tensor_arg(in, 0).numel(), flag(in, 5) ? cost::kNormalize + affine(in, 1, 2) : cost::kBatchNormEval);
}
const RegisterOpFormula register_instance_norm(
    {"aten::instance_norm"}, instance_norm, "as layer_norm (input statistics)");

Counts gelu(const Inputs& in) {  // gelu(x, approximate="none"|"tanh")
  const bool tanh = in.size() > 1 && in[1].kind == ValueInfo::Kind::String && in[1].text == "tanh";
  return elementwise(tensor_arg(in, 0).numel(), tanh ? cost::kGeluTanh : cost::kGelu);
}
const RegisterOpFormula register_gelu({"aten::gelu"}, gelu, "5 FLOPs per element (tanh approximation: 8)");

Counts dropout(const Inputs& in) {  // dropout / native_dropout(x, p, train): in training, one mask multiply per element
  const bool active = flag(in, 2) && number(in, 1, 0.0) > 0.0;
  return elementwise(active ? tensor_arg(in, 0).numel() : 0, cost::kArithmetic);
}
const RegisterOpFormula register_dropout(
    {"aten::dropout", "aten::native_dropout", "aten::feature_dropout", "aten::alpha_dropout",
     "aten::feature_alpha_dropout"}, dropout, "training with p > 0: 1 FLOP per element (mask multiply); eval: 0");

// One output size of a pooling window: floor((size + 2p - d(k-1) - 1) / s) + 1, or with ceil_mode the
// ceiling, less one when the last window would start in the right padding (PyTorch's rule).
int64_t pooled_size(int64_t size, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation, bool ceil_mode) {
  const int64_t span = size + 2 * padding - dilation * (kernel - 1) - 1;
  int64_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && (out - 1) * stride >= size + padding) --out;
  return out;
}

// Output elements x window size: one add or compare per window element.
Counts pool(const Inputs& in, size_t dilation_index, size_t ceil_index) {
  const auto& x = tensor_arg(in, 0);
  const size_t spatial =
      std::min<size_t>(arg(in, 1).kind == ValueInfo::Kind::IntList ? arg(in, 1).shape.size() : 1, x.shape.size());
  const auto kernel = int_list(arg(in, 1), spatial);
  const bool has_stride = in.size() > 2 && in[2].kind == ValueInfo::Kind::IntList && !in[2].shape.empty();
  const auto stride = has_stride ? int_list(in[2], spatial) : kernel;
  const auto padding = in.size() > 3 ? int_list(in[3], spatial) : std::vector<int64_t>(spatial, 0);
  const auto dilation = dilation_index < in.size() && in[dilation_index].kind == ValueInfo::Kind::IntList
                            ? int_list(in[dilation_index], spatial)
                            : std::vector<int64_t>(spatial, 1);
  const bool ceil_mode = flag(in, ceil_index);
  int64_t outputs = x.numel();
  int64_t window = 1;
  for (size_t i = 0; i < spatial; ++i) {
    const int64_t size = x.shape[x.shape.size() - spatial + i];
    outputs = outputs / size * pooled_size(size, kernel[i], stride[i], padding[i], dilation[i], ceil_mode);
    window *= kernel[i];
  }
  return elementwise(outputs, window);
}
// max_poolNd(x, kernel, stride, padding, dilation, ceil_mode)
Counts max_pool(const Inputs& in) { return pool(in, 4, 5); }
const RegisterOpFormula register_max_pool(
    {"aten::max_pool1d", "aten::max_pool2d", "aten::max_pool3d", "aten::max_pool1d_with_indices",
     "aten::max_pool2d_with_indices", "aten::max_pool3d_with_indices"},
    max_pool, "output elements x window size (dilation and ceil_mode as PyTorch computes them)");
// avg_poolNd(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
Counts avg_pool(const Inputs& in) { return pool(in, static_cast<size_t>(-1), 4); }
const RegisterOpFormula register_avg_pool(
    {"aten::avg_pool1d", "aten::avg_pool2d", "aten::avg_pool3d"}, avg_pool, "output elements x window size");

// Output elements of an interpolation: from output_size when given, else floor(size x scale factor)
// (upsample_*(x, output_size, ...) and the .vec overloads (x, output_size?, ..., scale_factors?)).
template <size_t Spatial, int64_t PerOutput>
Counts interpolation(const Inputs& in) {
  const auto& x = tensor_arg(in, 0);
  if (x.shape.size() < Spatial) throw std::invalid_argument("interpolation rank");
  std::vector<int64_t> out;
  if (arg(in, 1).kind == ValueInfo::Kind::IntList && arg(in, 1).shape.size() == Spatial) {
    out = arg(in, 1).shape;
  } else {
    for (size_t i = 2; i < in.size() && out.empty(); ++i) {
      if (in[i].kind != ValueInfo::Kind::List || in[i].elements.size() != Spatial) continue;
      for (size_t d = 0; d < Spatial; ++d) {
        const double size = static_cast<double>(x.shape[x.shape.size() - Spatial + d]);
        out.push_back(static_cast<int64_t>(std::floor(size * in[i].elements[d].double_value)));
      }
    }
  }
  if (out.size() != Spatial) throw std::invalid_argument("interpolation without output_size or scale factors");
  int64_t outputs = x.numel();
  for (size_t d = 0; d < Spatial; ++d) outputs = outputs / x.shape[x.shape.size() - Spatial + d] * out[d];
  return elementwise(outputs, PerOutput);
}
const RegisterOpFormula register_upsample_linear1d(
    {"aten::upsample_linear1d"}, interpolation<1, cost::kLinearInterpolation>, "3 FLOPs per output element");
const RegisterOpFormula register_upsample_bilinear2d(
    {"aten::upsample_bilinear2d", "aten::_upsample_bilinear2d_aa"},
    interpolation<2, cost::kBilinearInterpolation>, "7 FLOPs per output element (4 weighted inputs)");
const RegisterOpFormula register_upsample_bicubic2d(
    {"aten::upsample_bicubic2d", "aten::_upsample_bicubic2d_aa"},
    interpolation<2, cost::kBicubicInterpolation>, "31 FLOPs per output element (16 weighted inputs)");
const RegisterOpFormula register_upsample_trilinear3d(
    {"aten::upsample_trilinear3d"},
    interpolation<3, cost::kTrilinearInterpolation>, "15 FLOPs per output element (8 weighted inputs)");

}  // namespace

const char kElementwiseFormulas[] = "elementwise";

}  // namespace flopscope::formulas
