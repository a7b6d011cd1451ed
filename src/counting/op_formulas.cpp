// The op formula registry. Each formula reads its inputs in the op's schema order (see
// native_functions.yaml); the comment next to each registration says what it counts.
#include "flopscope/counting/op_formulas.h"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace flopscope {
namespace {

using Inputs = std::vector<ValueInfo>;

std::map<std::string, OpFormulaEntry>& registry() {
  static std::map<std::string, OpFormulaEntry> formulas;
  return formulas;
}

struct Registrar {
  Registrar(std::initializer_list<const char*> ops, OpFormula formula, const char* description) {
    for (const char* op : ops) registry()[op] = OpFormulaEntry{op, formula, description};
  }
};

#define FLOPSCOPE_CONCAT_INNER(a, b) a##b
#define FLOPSCOPE_CONCAT(a, b) FLOPSCOPE_CONCAT_INNER(a, b)
// REGISTER_OP_FORMULA({"aten::mm"}, formula_fn, "what it counts");
#define REGISTER_OP_FORMULA const Registrar FLOPSCOPE_CONCAT(registrar_, __LINE__)

const ValueInfo& arg(const Inputs& in, size_t i) {
  if (i >= in.size()) throw std::invalid_argument("missing argument " + std::to_string(i));
  return in[i];
}

const ValueInfo& tensor_arg(const Inputs& in, size_t i) {
  const ValueInfo& v = arg(in, i);
  if (!v.is_tensor()) throw std::invalid_argument("argument " + std::to_string(i) + " is not a tensor");
  return v;
}

bool present(const Inputs& in, size_t i) { return i < in.size() && in[i].is_tensor(); }

// Matrix work whose operands `a` and `b` are both activations counts as activation x activation.
Counts product(Counts c, const ValueInfo& a, const ValueInfo& b) {
  return a.is_parameter || b.is_parameter ? c : as_activation_product(c);
}

std::vector<int64_t> int_list(const ValueInfo& v, size_t rank) {
  if (v.kind == ValueInfo::Kind::Int) return std::vector<int64_t>(rank, v.int_value);
  if (v.kind != ValueInfo::Kind::IntList) throw std::invalid_argument("expected an int list");
  if (v.shape.size() == 1) return std::vector<int64_t>(rank, v.shape[0]);
  if (v.shape.size() != rank) throw std::invalid_argument("int list of the wrong length");
  return v.shape;
}

// Numpy-style broadcast of the shapes of every tensor argument: the output size of an elementwise op.
int64_t broadcast_numel(const Inputs& in) {
  std::vector<int64_t> out;
  for (const auto& v : in) {
    if (!v.is_tensor()) continue;
    if (v.shape.size() > out.size()) out.insert(out.begin(), v.shape.size() - out.size(), 1);
    const size_t offset = out.size() - v.shape.size();
    for (size_t i = 0; i < v.shape.size(); ++i) {
      int64_t& o = out[offset + i];
      const int64_t d = v.shape[i];
      if (o == 1) o = d;
      else if (d != 1 && d != o) throw std::invalid_argument("shapes do not broadcast");
    }
  }
  int64_t n = 1;
  for (const int64_t d : out) n *= d;
  return n;
}

// ---- matrix products --------------------------------------------------------------------------

Counts mm(const Inputs& in) {  // mm(a[n,k], b[k,m]): n*k*m multiply-adds
  const auto& a = tensor_arg(in, 0);
  const auto& b = tensor_arg(in, 1);
  if (a.shape.size() != 2 || b.shape.size() != 2 || a.dim(1) != b.dim(0)) throw std::invalid_argument("mm shapes");
  return product(multiply_adds(a.dim(0) * a.dim(1) * b.dim(1)), a, b);
}

Counts addmm(const Inputs& in) {  // addmm(bias, a, b): mm + one add per output element
  const Inputs ab{tensor_arg(in, 1), tensor_arg(in, 2)};
  return mm(ab) + elementwise(in[1].dim(0) * in[2].dim(1), cost::kArithmetic);
}

Counts bmm(const Inputs& in) {  // bmm(a[b,n,k], c[b,k,m]): b*n*k*m multiply-adds
  const auto& a = tensor_arg(in, 0);
  const auto& b = tensor_arg(in, 1);
  if (a.shape.size() != 3 || b.shape.size() != 3 || a.dim(2) != b.dim(1) || a.dim(0) != b.dim(0)) {
    throw std::invalid_argument("bmm shapes");
  }
  return product(multiply_adds(a.dim(0) * a.dim(1) * a.dim(2) * b.dim(2)), a, b);
}

Counts baddbmm(const Inputs& in) {  // baddbmm(self, a, b): bmm + one add per output element
  const Inputs ab{tensor_arg(in, 1), tensor_arg(in, 2)};
  return bmm(ab) + elementwise(in[1].dim(0) * in[1].dim(1) * in[2].dim(2), cost::kArithmetic);
}

Counts matmul(const Inputs& in) {  // torch.matmul with 1-D and broadcast batch dimensions
  const ValueInfo& left = tensor_arg(in, 0);
  const ValueInfo& right = tensor_arg(in, 1);
  auto a = left.shape;
  auto b = right.shape;
  if (a.empty() || b.empty()) throw std::invalid_argument("matmul of a 0-d tensor");
  if (a.size() == 1) a.insert(a.begin(), 1);
  if (b.size() == 1) b.push_back(1);
  const int64_t n = a[a.size() - 2], k = a.back(), m = b.back();
  if (b[b.size() - 2] != k) throw std::invalid_argument("matmul inner dimensions differ");
  ValueInfo batch_a, batch_b;
  batch_a.kind = batch_b.kind = ValueInfo::Kind::Tensor;
  batch_a.shape.assign(a.begin(), a.end() - 2);
  batch_b.shape.assign(b.begin(), b.end() - 2);
  return product(multiply_adds(broadcast_numel({batch_a, batch_b}) * n * k * m), left, right);
}

Counts linear(const Inputs& in) {  // linear(x[..., I], W[O, I], b?): rows*I*O MACs + rows*O bias adds
  const auto& x = tensor_arg(in, 0);
  const auto& w = tensor_arg(in, 1);
  if (w.shape.size() != 2 || x.shape.empty() || x.dim(-1) != w.dim(1)) throw std::invalid_argument("linear shapes");
  const int64_t rows = x.numel() / x.dim(-1);
  Counts c = product(multiply_adds(rows * w.dim(1) * w.dim(0)), x, w);
  if (present(in, 2)) c += elementwise(rows * w.dim(0), cost::kArithmetic);
  return c;
}

Counts einsum(const Inputs& in) {  // einsum(equation, tensors): contracted left to right, as torch does
  const std::string eq = arg(in, 0).dtype;
  const auto& operands = arg(in, 1).elements;
  const auto arrow = eq.find("->");
  if (arrow == std::string::npos || eq.find("...") != std::string::npos) {
    throw std::invalid_argument("einsum needs an explicit '->' and no ellipsis");
  }
  std::vector<std::string> terms;
  std::string term;
  for (const char ch : eq.substr(0, arrow)) {
    if (ch == ',') { terms.push_back(term); term.clear(); }
    else if (ch != ' ') term += ch;
  }
  terms.push_back(term);
  std::string output;
  for (const char ch : eq.substr(arrow + 2)) if (ch != ' ') output += ch;
  if (terms.size() != operands.size()) throw std::invalid_argument("einsum operand count");
  std::map<char, int64_t> size;
  for (size_t i = 0; i < terms.size(); ++i) {
    if (!operands[i].is_tensor() || operands[i].shape.size() != terms[i].size()) throw std::invalid_argument("einsum rank");
    for (size_t j = 0; j < terms[i].size(); ++j) size[terms[i][j]] = std::max(size[terms[i][j]], operands[i].shape[j]);
  }
  if (terms.size() == 1) return elementwise(operands[0].numel(), cost::kArithmetic);
  const bool any_parameter = std::any_of(operands.begin(), operands.end(), [](const ValueInfo& v) { return v.is_parameter; });
  Counts total;
  std::string current = terms[0];
  for (size_t i = 1; i < terms.size(); ++i) {
    std::string letters = current;
    for (const char ch : terms[i]) if (letters.find(ch) == std::string::npos) letters += ch;
    int64_t step = 1;
    for (const char ch : letters) step *= size[ch];
    total += any_parameter ? multiply_adds(step) : activation_multiply_adds(step);
    // Keep the letters still needed by later operands or by the output.
    std::string kept;
    for (const char ch : letters) {
      bool needed = output.find(ch) != std::string::npos;
      for (size_t j = i + 1; j < terms.size(); ++j) needed = needed || terms[j].find(ch) != std::string::npos;
      if (needed) kept += ch;
    }
    current = kept;
  }
  return total;
}

// ---- convolutions -----------------------------------------------------------------------------

Counts convolution(const Inputs& in) {  // convolution(x, w, b, stride, padding, dilation, transposed, output_padding, groups)
  const auto& x = tensor_arg(in, 0);
  const auto& w = tensor_arg(in, 1);
  const size_t spatial = w.shape.size() - 2;
  return conv_counts(x, w, int_list(arg(in, 3), spatial), int_list(arg(in, 4), spatial), int_list(arg(in, 5), spatial),
                     arg(in, 6).int_value != 0, int_list(arg(in, 7), spatial), present(in, 2));
}

Counts conv_nd(const Inputs& in) {  // conv1d/2d/3d(x, w, b, stride, padding, dilation, groups); padding may be "same"/"valid"
  const auto& x = tensor_arg(in, 0);
  const auto& w = tensor_arg(in, 1);
  const size_t spatial = w.shape.size() - 2;
  const auto stride = int_list(arg(in, 3), spatial);
  const auto dilation = int_list(arg(in, 5), spatial);
  std::vector<int64_t> padding(spatial, 0);
  const ValueInfo& pad = arg(in, 4);
  if (pad.kind == ValueInfo::Kind::String) {
    if (pad.dtype == "same") {  // output size = input size: fold the total padding d*(k-1) into the input
      ValueInfo padded = x;
      for (size_t i = 0; i < spatial; ++i) padded.shape[x.shape.size() - spatial + i] += dilation[i] * (w.shape[2 + i] - 1);
      return conv_counts(padded, w, stride, padding, dilation, false, padding, present(in, 2));
    }
  } else {
    padding = int_list(pad, spatial);
  }
  return conv_counts(x, w, stride, padding, dilation, false, std::vector<int64_t>(spatial, 0), present(in, 2));
}

Counts conv_transpose_nd(const Inputs& in) {  // conv_transposeNd(x, w, b, stride, padding, output_padding, groups, dilation)
  const auto& x = tensor_arg(in, 0);
  const auto& w = tensor_arg(in, 1);
  const size_t spatial = w.shape.size() - 2;
  return conv_counts(x, w, int_list(arg(in, 3), spatial), int_list(arg(in, 4), spatial), int_list(arg(in, 7), spatial),
                     true, int_list(arg(in, 5), spatial), present(in, 2));
}

// ---- attention --------------------------------------------------------------------------------

// _native_multi_head_attention(q, k, v, embed_dim, num_head, qkv_weight, qkv_bias, proj_weight,
//                              proj_bias, mask, need_weights, average_attn_weights, mask_type)
Counts native_multi_head_attention(const Inputs& in) {
  const auto& q = tensor_arg(in, 0);
  const auto& k = tensor_arg(in, 1);
  if (q.shape.size() != k.shape.size() || q.shape.size() < 2 || q.shape.size() > 3) throw std::invalid_argument("mha rank");
  AttentionShape s;
  s.batch = q.shape.size() == 3 ? q.dim(0) : 1;
  s.query_len = q.dim(-2);
  s.key_len = k.dim(-2);
  s.embed_dim = arg(in, 3).int_value;
  s.kdim = s.vdim = s.embed_dim;
  s.heads = arg(in, 4).int_value;
  s.in_proj_bias = present(in, 6);
  s.out_proj_bias = present(in, 8);
  s.masked = present(in, 9);
  if (q.dim(-1) != s.embed_dim) throw std::invalid_argument("mha embed_dim");
  return attention_counts(s);
}

// scaled_dot_product_attention(q[..., L, E], k[..., S, E], v[..., S, Ev], mask, ...) (LibTorch >= 2.0)
Counts scaled_dot_product_attention(const Inputs& in) {
  const auto& q = tensor_arg(in, 0);
  const auto& k = tensor_arg(in, 1);
  const auto& v = tensor_arg(in, 2);
  const int64_t batch_heads = q.numel() / (q.dim(-2) * q.dim(-1));
  const int64_t scores = batch_heads * q.dim(-2) * k.dim(-2);
  Counts c = activation_multiply_adds(scores * q.dim(-1) + scores * v.dim(-1));
  c += elementwise(q.numel(), cost::kArithmetic);  // scale
  c += elementwise(scores, cost::kSoftmax + (present(in, 3) ? cost::kArithmetic : 0));
  return c;
}

// ---- elementwise and normalization ------------------------------------------------------------

template <int64_t PerElement>
Counts per_output_element(const Inputs& in) { return elementwise(broadcast_numel(in), PerElement); }

template <int64_t PerElement>
Counts per_input_element(const Inputs& in) { return elementwise(tensor_arg(in, 0).numel(), PerElement); }

Counts zero(const Inputs&) { return {}; }

Counts layer_norm(const Inputs& in) {  // layer_norm(x, normalized_shape, weight?, bias?, eps, cudnn)
  return elementwise(tensor_arg(in, 0).numel(),
                     cost::kNormalize + (present(in, 2) ? cost::kAffine : 0) + (present(in, 3) ? cost::kAffine : 0));
}

Counts group_norm(const Inputs& in) {  // group_norm(x, num_groups, weight?, bias?, eps, cudnn)
  return layer_norm(in);
}

Counts batch_norm(const Inputs& in) {  // batch_norm(x, weight?, bias?, running_mean?, running_var?, training, ...)
  const bool training = arg(in, 5).int_value != 0 || !present(in, 3);
  if (!training) return elementwise(tensor_arg(in, 0).numel(), cost::kBatchNormEval);
  return elementwise(tensor_arg(in, 0).numel(),
                     cost::kNormalize + (present(in, 1) ? cost::kAffine : 0) + (present(in, 2) ? cost::kAffine : 0));
}

Counts gelu(const Inputs& in) {  // gelu(x, approximate="none"|"tanh")
  const bool tanh = in.size() > 1 && in[1].kind == ValueInfo::Kind::String && in[1].dtype == "tanh";
  return elementwise(tensor_arg(in, 0).numel(), tanh ? cost::kGeluTanh : cost::kGelu);
}

Counts pool(const Inputs& in) {  // max/avg_poolNd(x, kernel_size, stride, padding, ...): one op per window element
  const auto& x = tensor_arg(in, 0);
  const size_t spatial = std::min<size_t>(arg(in, 1).kind == ValueInfo::Kind::IntList ? arg(in, 1).shape.size() : 1, x.shape.size());
  const auto kernel = int_list(arg(in, 1), spatial);
  auto stride = (in.size() > 2 && in[2].kind == ValueInfo::Kind::IntList && !in[2].shape.empty()) ? int_list(in[2], spatial) : kernel;
  const auto padding = in.size() > 3 ? int_list(in[3], spatial) : std::vector<int64_t>(spatial, 0);
  int64_t outputs = x.numel();
  int64_t window = 1;
  for (size_t i = 0; i < spatial; ++i) {
    const int64_t size = x.shape[x.shape.size() - spatial + i];
    outputs = outputs / size * ((size + 2 * padding[i] - kernel[i]) / stride[i] + 1);
    window *= kernel[i];
  }
  return elementwise(outputs, window);
}

REGISTER_OP_FORMULA({"aten::mm"}, mm, "n*k*m MACs");
REGISTER_OP_FORMULA({"aten::addmm"}, addmm, "n*k*m MACs; bias add n*m elementwise");
REGISTER_OP_FORMULA({"aten::bmm"}, bmm, "b*n*k*m MACs");
REGISTER_OP_FORMULA({"aten::baddbmm"}, baddbmm, "b*n*k*m MACs; add b*n*m elementwise");
REGISTER_OP_FORMULA({"aten::matmul"}, matmul, "broadcast batch x n*k*m MACs (1-D operands promoted)");
REGISTER_OP_FORMULA({"aten::linear"}, linear, "rows*I*O MACs; bias add rows*O elementwise");
REGISTER_OP_FORMULA({"aten::einsum"}, einsum, "pairwise left-to-right contraction: product of the letter sizes per step");
REGISTER_OP_FORMULA({"aten::_convolution", "aten::convolution"}, convolution,
                    "output elements x Cin/groups x kernel MACs (transposed: input elements x Cout/groups x kernel); bias add per output element");
REGISTER_OP_FORMULA({"aten::conv1d", "aten::conv2d", "aten::conv3d"}, conv_nd, "as aten::convolution");
REGISTER_OP_FORMULA({"aten::conv_transpose1d", "aten::conv_transpose2d", "aten::conv_transpose3d"}, conv_transpose_nd,
                    "as aten::convolution, transposed");
REGISTER_OP_FORMULA({"aten::_native_multi_head_attention"}, native_multi_head_attention,
                    "in-projections, QK^T, AV, out-projection MACs; biases, scale, mask, softmax elementwise");
REGISTER_OP_FORMULA({"aten::scaled_dot_product_attention", "aten::_scaled_dot_product_attention"}, scaled_dot_product_attention,
                    "QK^T and AV MACs; scale, mask and softmax elementwise (causal masking not discounted)");

REGISTER_OP_FORMULA({"aten::add", "aten::add_", "aten::sub", "aten::sub_", "aten::rsub", "aten::mul", "aten::mul_",
                     "aten::div", "aten::div_", "aten::neg", "aten::reciprocal", "aten::abs", "aten::relu", "aten::relu_",
                     "aten::clamp", "aten::clamp_", "aten::clamp_min", "aten::hardtanh", "aten::hardtanh_",
                     "aten::leaky_relu", "aten::leaky_relu_", "aten::maximum", "aten::minimum", "aten::eq", "aten::ne",
                     "aten::lt", "aten::le", "aten::gt", "aten::ge", "aten::square", "aten::addcmul", "aten::lerp"},
                    per_output_element<cost::kArithmetic>, "1 FLOP per output element");
REGISTER_OP_FORMULA({"aten::exp", "aten::exp_", "aten::log", "aten::tanh", "aten::tanh_", "aten::erf", "aten::sqrt",
                     "aten::rsqrt", "aten::sin", "aten::cos", "aten::pow"},
                    per_output_element<cost::kTranscendental>, "1 FLOP per output element");
REGISTER_OP_FORMULA({"aten::sigmoid", "aten::sigmoid_"}, per_input_element<cost::kSigmoid>, "3 FLOPs per element");
REGISTER_OP_FORMULA({"aten::silu", "aten::silu_"}, per_input_element<cost::kSilu>, "4 FLOPs per element");
REGISTER_OP_FORMULA({"aten::gelu", "aten::gelu_"}, gelu, "5 FLOPs per element (tanh approximation: 8)");
REGISTER_OP_FORMULA({"aten::softmax", "aten::_softmax", "aten::log_softmax", "aten::_log_softmax"},
                    per_input_element<cost::kSoftmax>, "5 FLOPs per element");
REGISTER_OP_FORMULA({"aten::layer_norm", "aten::native_layer_norm"}, layer_norm, "5 FLOPs per element, +1 each for weight and bias");
REGISTER_OP_FORMULA({"aten::group_norm", "aten::native_group_norm"}, group_norm, "as layer_norm");
REGISTER_OP_FORMULA({"aten::batch_norm"}, batch_norm, "eval: 2 FLOPs per element; training: as layer_norm");
REGISTER_OP_FORMULA({"aten::sum", "aten::mean", "aten::amax", "aten::amin", "aten::max", "aten::min", "aten::argmax",
                     "aten::argmin", "aten::cumsum", "aten::prod"},
                    per_input_element<cost::kArithmetic>, "1 FLOP per input element");
REGISTER_OP_FORMULA({"aten::linalg_vector_norm", "aten::norm", "aten::frobenius_norm"}, per_input_element<cost::kVectorNorm>,
                    "2 FLOPs per input element (square, accumulate)");
REGISTER_OP_FORMULA({"aten::max_pool1d", "aten::max_pool2d", "aten::max_pool3d", "aten::avg_pool1d", "aten::avg_pool2d",
                     "aten::avg_pool3d", "aten::max_pool2d_with_indices"},
                    pool, "output elements x window size");
REGISTER_OP_FORMULA({"aten::adaptive_avg_pool1d", "aten::adaptive_avg_pool2d", "aten::adaptive_avg_pool3d",
                     "aten::_adaptive_avg_pool2d", "aten::adaptive_max_pool2d"},
                    per_input_element<cost::kArithmetic>, "1 FLOP per input element");
// _transform_bias_rescale_qkv only appears outside a counted _native_multi_head_attention when that
// op's own inputs could not be read; it adds the qkv bias and scales q.
REGISTER_OP_FORMULA({"aten::_transform_bias_rescale_qkv"}, per_input_element<2 * cost::kArithmetic>,
                    "bias add and q scaling: 2 FLOPs per qkv element (upper bound: q only is scaled)");

REGISTER_OP_FORMULA({"aten::view", "aten::reshape", "aten::_reshape_alias", "aten::_unsafe_view", "aten::permute",
                     "aten::transpose", "aten::t", "aten::expand", "aten::expand_as", "aten::contiguous", "aten::clone",
                     "aten::copy_", "aten::to", "aten::_to_copy", "aten::type_as", "aten::empty", "aten::empty_like",
                     "aten::empty_strided", "aten::zeros", "aten::zeros_like", "aten::ones", "aten::ones_like",
                     "aten::full", "aten::full_like", "aten::new_zeros", "aten::new_empty", "aten::new_ones",
                     "aten::fill_", "aten::zero_", "aten::slice", "aten::select", "aten::narrow", "aten::index",
                     "aten::index_select", "aten::embedding", "aten::cat", "aten::stack", "aten::split",
                     "aten::split_with_sizes", "aten::chunk", "aten::unbind", "aten::squeeze", "aten::unsqueeze",
                     "aten::flatten", "aten::unflatten", "aten::as_strided", "aten::detach", "aten::alias",
                     "aten::resolve_conj", "aten::resolve_neg", "aten::dropout", "aten::feature_dropout",
                     "aten::arange", "aten::lift_fresh", "aten::scalar_tensor", "aten::item",
                     "aten::_local_scalar_dense", "aten::flip", "aten::roll", "aten::repeat",
                     "aten::repeat_interleave", "aten::tensor_split", "aten::tril", "aten::triu", "aten::gather",
                     "aten::scatter", "aten::where", "aten::masked_fill", "aten::masked_fill_", "aten::pad",
                     "aten::constant_pad_nd", "aten::normal_", "aten::uniform_", "aten::random_", "aten::randn",
                     "aten::rand", "aten::randint", "aten::set_", "aten::is_nonzero", "aten::size", "aten::numel",
                     "aten::dim", "aten::ScalarImplicit", "aten::Int", "aten::Float", "aten::Bool", "aten::__and__",
                     "aten::logical_not", "aten::bitwise_not", "aten::sort", "aten::topk", "aten::index_put_",
                     "aten::_shape_as_tensor", "aten::alias_copy", "aten::detach_", "aten::lift", "aten::movedim",
                     "aten::swapaxes", "aten::unfold", "aten::im2col", "aten::pixel_shuffle", "aten::channel_shuffle",
                     "aten::nonzero", "aten::masked_select", "aten::unique_consecutive", "aten::_unique2",
                     "aten::is_floating_point", "aten::is_complex", "aten::stride", "aten::equal", "aten::result_type",
                     "aten::_has_compatible_shallow_copy_type", "aten::broadcast_tensors", "aten::expand_copy"},
                    zero, "data movement or a query: 0 FLOPs");

}  // namespace

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

Counts attention_counts(const AttentionShape& s) {
  const int64_t q_rows = s.batch * s.query_len;
  const int64_t kv_rows = s.batch * s.key_len;
  const int64_t scores = s.batch * s.query_len * s.key_len;  // per head: x heads for elementwise
  Counts c = multiply_adds(q_rows * s.embed_dim * s.embed_dim      // q projection
                           + kv_rows * s.kdim * s.embed_dim        // k projection
                           + kv_rows * s.vdim * s.embed_dim        // v projection
                           + q_rows * s.embed_dim * s.embed_dim);  // out projection
  c += activation_multiply_adds(2 * scores * s.embed_dim);        // Q K^T and A V over all heads
  if (s.in_proj_bias) c += elementwise((q_rows + 2 * kv_rows) * s.embed_dim, cost::kArithmetic);
  c += elementwise(q_rows * s.embed_dim, cost::kArithmetic);  // q scaled by 1/sqrt(head_dim)
  c += elementwise(scores * s.heads, cost::kSoftmax + (s.masked ? cost::kArithmetic : 0));
  if (s.out_proj_bias) c += elementwise(q_rows * s.embed_dim, cost::kArithmetic);
  return c;
}

const OpFormulaEntry* find_op_formula(const std::string& op) {
  const auto it = registry().find(op);
  return it == registry().end() ? nullptr : &it->second;
}

std::vector<const OpFormulaEntry*> all_op_formulas() {
  std::vector<const OpFormulaEntry*> entries;
  for (const auto& [name, entry] : registry()) entries.push_back(&entry);
  return entries;
}

}  // namespace flopscope
