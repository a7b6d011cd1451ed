// Backward ops of a training step: the gradient kernels autograd runs for ops whose backward is not
// itself a product of dispatched ops (mm, bmm, mul and sum backwards are counted by those ops'
// formulas). Per-element costs are the backward constants of include/flopscope/core/counts.h.
#include <stdexcept>

#include "formula_kit.h"

namespace flopscope {
namespace formulas {
namespace {

// output_mask (bool[3]) element i; every gradient wanted when the list is absent.
bool wanted(const Inputs& in, size_t mask_index, size_t i) {
  if (mask_index >= in.size() || in[mask_index].kind != ValueInfo::Kind::List) return true;
  const auto& mask = in[mask_index].elements;
  return i >= mask.size() || mask[i].int_value != 0;
}

// convolution_backward(grad_out, x, w, bias_sizes?, stride, padding, dilation, transposed,
// output_padding, groups, output_mask): the input gradient runs the forward's multiply-adds again
// (grad x weight), the weight gradient too (grad x input, two activations); the bias gradient sums
// grad_out.
Counts convolution_backward(const Inputs& in) {
  const auto& grad = tensor_arg(in, 0);
  const auto& x = tensor_arg(in, 1);
  const auto& w = tensor_arg(in, 2);
  const size_t spatial = w.shape.size() - 2;
  const Counts forward = conv_counts(x, w, int_list(arg(in, 4), spatial), int_list(arg(in, 5), spatial),
                                     int_list(arg(in, 6), spatial), arg(in, 7).int_value != 0, int_list(arg(in, 8), spatial), false);
  Counts c;
  if (wanted(in, 10, 0)) c += multiply_adds(forward.macs);
  if (wanted(in, 10, 1)) c += activation_multiply_adds(forward.macs);
  if (wanted(in, 10, 2)) c += elementwise(grad.numel(), cost::kAffineBiasBackward);
  return c;
}
const RegisterOpFormula register_convolution_backward(
    {"aten::convolution_backward"},
    convolution_backward,
    "input gradient: the forward's MACs (grad x weight); weight gradient: the forward's MACs (grad x input, "
    "activation x activation); bias gradient: 1 per grad element; each only when output_mask asks for it");

// The normalization's gradient for each wanted output: input, weight, bias.
Counts norm_backward(int64_t elements, bool input, bool has_weight, bool weight, bool bias) {
  Counts c;
  if (input) c += elementwise(elements, cost::kNormalizeBackward + (has_weight ? cost::kArithmetic : 0));
  if (weight) c += elementwise(elements, cost::kAffineWeightBackward);
  if (bias) c += elementwise(elements, cost::kAffineBiasBackward);
  return c;
}

// native_layer_norm_backward(grad_out, x, normalized_shape, mean, rstd, weight?, bias?, output_mask)
Counts layer_norm_backward(const Inputs& in) {
  const bool has_weight = present(in, 5);
  return norm_backward(tensor_arg(in, 1).numel(), wanted(in, 7, 0), has_weight, has_weight && wanted(in, 7, 1),
                       present(in, 6) && wanted(in, 7, 2));
}
const RegisterOpFormula register_native_layer_norm_backward(
    {"aten::native_layer_norm_backward"},
    layer_norm_backward,
    "per element: input gradient 8 (+1 with weight), weight gradient 2, bias gradient 1, each when asked for");

// native_group_norm_backward(grad_out, x, mean, rstd, weight?, N, C, HxW, group, output_mask)
Counts group_norm_backward(const Inputs& in) {
  const bool has_weight = present(in, 4);
  return norm_backward(tensor_arg(in, 1).numel(), wanted(in, 9, 0), has_weight, has_weight && wanted(in, 9, 1), wanted(in, 9, 2));
}
const RegisterOpFormula register_native_group_norm_backward(
    {"aten::native_group_norm_backward"}, group_norm_backward, "as native_layer_norm_backward");

// native_batch_norm_backward(grad_out, x, weight?, running_mean?, running_var?, save_mean?,
// save_invstd?, train, eps, output_mask): with running statistics the input gradient is one scale.
Counts batch_norm_backward(const Inputs& in) {
  const int64_t elements = tensor_arg(in, 1).numel();
  const bool has_weight = present(in, 2);
  Counts c = norm_backward(elements, false, has_weight, has_weight && wanted(in, 9, 1), wanted(in, 9, 2));
  if (wanted(in, 9, 0)) {
    c += flag(in, 7) ? norm_backward(elements, true, has_weight, false, false) : elementwise(elements, cost::kBatchNormEval);
  }
  return c;
}
const RegisterOpFormula register_native_batch_norm_backward(
    {"aten::native_batch_norm_backward"},
    batch_norm_backward,
    "as native_layer_norm_backward with batch statistics; with running statistics the input gradient is 2 per element");

template <int64_t PerElement>
Counts per_gradient_element(const Inputs& in) { return elementwise(tensor_arg(in, 0).numel(), PerElement); }
const RegisterOpFormula register_threshold_backward(
    {"aten::threshold_backward"}, per_gradient_element<cost::kSelectBackward>, "1 per element (compare-select)");
const RegisterOpFormula register_hardtanh_backward(
    {"aten::hardtanh_backward"}, per_gradient_element<cost::kHardtanhBackward>, "2 per element (two compares)");
const RegisterOpFormula register_sigmoid_backward(
    {"aten::sigmoid_backward"}, per_gradient_element<cost::kSigmoidBackward>, "3 per element: g y (1 - y)");
const RegisterOpFormula register_tanh_backward(
    {"aten::tanh_backward"}, per_gradient_element<cost::kTanhBackward>, "3 per element: g (1 - y^2)");
const RegisterOpFormula register_silu_backward(
    {"aten::silu_backward"},
    per_gradient_element<cost::kSiluBackward>, "8 per element: sigmoid, then g s (1 + x (1 - s))");
const RegisterOpFormula register_softmax_backward_data(
    {"aten::_softmax_backward_data", "aten::_log_softmax_backward_data"},
    per_gradient_element<cost::kSoftmaxBackward>, "4 per element: y (g - sum(g y)), or g - exp(y) sum(g)");
const RegisterOpFormula register_embedding_dense_backward(
    {"aten::embedding_dense_backward"},
    per_gradient_element<cost::kAccumulate>,
    "1 add per element of the output gradient, scattered into the gathered rows");
const RegisterOpFormula register_max_pool2d_with_indices_backward(
    {"aten::max_pool2d_with_indices_backward", "aten::max_pool3d_with_indices_backward"},
    per_gradient_element<cost::kAccumulate>,
    "1 add per element of the output gradient, into the input position its maximum came from");

Counts gelu_backward(const Inputs& in) {  // gelu_backward(grad_out, x, approximate)
  const bool tanh = in.size() > 2 && in[2].kind == ValueInfo::Kind::String && in[2].text == "tanh";
  return elementwise(tensor_arg(in, 0).numel(), tanh ? cost::kGeluTanhBackward : cost::kGeluBackward);
}
const RegisterOpFormula register_gelu_backward(
    {"aten::gelu_backward"}, gelu_backward, "11 per element (tanh approximation: 16)");

// nll_loss and its backward: one add (or one write of -1/N) per target.
Counts nll_loss(const Inputs& in) { return elementwise(tensor_arg(in, 1).numel(), cost::kAccumulate); }
const RegisterOpFormula register_nll_loss(
    {"aten::nll_loss", "aten::nll_loss_forward", "aten::nll_loss_nd", "aten::nll_loss2d_forward"},
    nll_loss, "1 per target (the picked log-probabilities summed)");
Counts nll_loss_backward(const Inputs& in) { return elementwise(tensor_arg(in, 2).numel(), cost::kAccumulate); }
const RegisterOpFormula register_nll_loss_backward(
    {"aten::nll_loss_backward", "aten::nll_loss2d_backward"}, nll_loss_backward, "1 per target");

// The fused attention backward kernels (grad_out, query, key, value, ...), heads as [..., L, E]:
// dP = dO V^T, dV = P^T dO, dQ = dS K, dK = dS^T Q, all products of activations: 2 x the forward's
// multiply-adds. Elementwise as the unfused path that LibTorch 1.13 and dry runs take: the softmax
// backward per score and the scaling of dQ per query element, so every path counts the same. The
// kernels' recomputation of P from the saved log-sum-exp is not counted (model FLOPs).
Counts attention_backward(const Inputs& in) {
  const auto& q = tensor_arg(in, 1);
  const auto& k = tensor_arg(in, 2);
  const auto& v = tensor_arg(in, 3);
  if (q.shape.size() < 2 || k.shape.size() < 2 || v.shape.size() < 2) throw std::invalid_argument("attention ranks");
  const int64_t query_len = q.shape[q.shape.size() - 2], head_dim = q.shape.back();
  const int64_t key_len = k.shape[k.shape.size() - 2], value_dim = v.shape.back();
  const int64_t batch_heads = query_len * head_dim == 0 ? 0 : q.numel() / (query_len * head_dim);
  const int64_t scores = batch_heads * query_len * key_len;
  return activation_multiply_adds(2 * scores * (head_dim + value_dim)) + elementwise(scores, cost::kSoftmaxBackward) +
         elementwise(q.numel(), cost::kArithmetic);
}
const RegisterOpFormula register_scaled_dot_product_flash_attention_for_cpu_backward(
    {"aten::_scaled_dot_product_flash_attention_for_cpu_backward", "aten::_scaled_dot_product_flash_attention_backward",
     "aten::_scaled_dot_product_efficient_attention_backward", "aten::_scaled_dot_product_cudnn_attention_backward"},
    attention_backward,
    "2 x the forward's activation x activation MACs (dP, dV, dQ, dK); softmax backward 4 per score, 1 per query "
    "element for the scale; the kernels' recomputation of the scores is not counted");

}  // namespace

const char kBackwardFormulas[] = "backward";

}  // namespace formulas
}  // namespace flopscope
