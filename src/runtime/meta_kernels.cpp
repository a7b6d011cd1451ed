// Shape-only (Meta) kernels for aten ops missing from LibTorch 1.13's meta backend. Each follows the
// output-shape rule documented for the op; none reads tensor data.
#include "flopscope/runtime/meta_kernels.h"

#include <torch/library.h>

#include "flopscope/runtime/libtorch_compat.h"

namespace flopscope {
namespace {

at::TensorOptions like(const at::Tensor& t) { return t.options().device(c10::kMeta); }

at::Tensor empty_meta(c10::IntArrayRef shape, const at::Tensor& like_tensor) {
  return at::empty(shape, like(like_tensor));
}

at::Tensor same_shape(const at::Tensor& self) { return empty_meta(self.sizes(), self); }

// Output size of a (transposed) convolution along each spatial dim.
at::Tensor convolution(const at::Tensor& input, const at::Tensor& weight, const c10::optional<at::Tensor>&,
                       c10::IntArrayRef stride, c10::IntArrayRef padding, c10::IntArrayRef dilation, bool transposed,
                       c10::IntArrayRef output_padding, int64_t groups) {
  const int64_t spatial = weight.dim() - 2;
  const bool batched = input.dim() == spatial + 2;
  std::vector<int64_t> shape;
  if (batched) shape.push_back(input.size(0));
  shape.push_back(transposed ? weight.size(1) * groups : weight.size(0));
  const auto at = [](c10::IntArrayRef list, int64_t i) { return list.size() == 1 ? list[0] : list[static_cast<size_t>(i)]; };
  for (int64_t i = 0; i < spatial; ++i) {
    const int64_t in = input.size(input.dim() - spatial + i);
    const int64_t k = weight.size(2 + i);
    const int64_t out = transposed
                            ? (in - 1) * at(stride, i) - 2 * at(padding, i) + at(dilation, i) * (k - 1) + at(output_padding, i) + 1
                            : (in + 2 * at(padding, i) - at(dilation, i) * (k - 1) - 1) / at(stride, i) + 1;
    TORCH_CHECK(out > 0, "convolution output size is not positive");
    shape.push_back(out);
  }
  return empty_meta(shape, input);
}

// The gradients a training step's backward asks for (output_mask): each takes its tensor's shape; the
// bias gradient has one element per output channel.
std::tuple<at::Tensor, at::Tensor, at::Tensor> convolution_backward(const at::Tensor& grad_output, const at::Tensor& input,
                                                                    const at::Tensor& weight, c10::IntArrayRef,
                                                                    c10::IntArrayRef, c10::IntArrayRef, bool,
                                                                    c10::IntArrayRef, int64_t, std::array<bool, 3> mask) {
  const int64_t channels = grad_output.size(input.dim() == weight.dim() ? 1 : 0);
  return {mask[0] ? same_shape(input) : at::Tensor(), mask[1] ? same_shape(weight) : at::Tensor(),
          mask[2] ? empty_meta({channels}, grad_output) : at::Tensor()};
}

// The gradient of the whole embedding matrix: num_weights rows of the gradient's width.
at::Tensor embedding_dense_backward(const at::Tensor& grad_output, const at::Tensor&, int64_t num_weights, int64_t, bool) {
  return empty_meta({num_weights, grad_output.size(-1)}, grad_output);
}

// Gradients of a normalization, each asked for by output_mask: input-, weight- and bias-shaped.
std::tuple<at::Tensor, at::Tensor, at::Tensor> norm_gradients(const at::Tensor& input, const c10::optional<at::Tensor>& weight,
                                                              const c10::optional<at::Tensor>& bias, std::array<bool, 3> mask) {
  const auto like_parameter = [&](const c10::optional<at::Tensor>& p, bool wanted) {
    return wanted && p.has_value() && p->defined() ? same_shape(*p) : at::Tensor();
  };
  return {mask[0] ? same_shape(input) : at::Tensor(), like_parameter(weight, mask[1]), like_parameter(bias, mask[2])};
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> native_layer_norm_backward(
    const at::Tensor&, const at::Tensor& input, c10::IntArrayRef, const at::Tensor&, const at::Tensor&,
    const c10::optional<at::Tensor>& weight, const c10::optional<at::Tensor>& bias, std::array<bool, 3> mask) {
  return norm_gradients(input, weight, bias, mask);
}

// The bias gradient has the weight's shape (one per channel); BatchNorm's weight and bias go together.
std::tuple<at::Tensor, at::Tensor, at::Tensor> native_batch_norm_backward(
    const at::Tensor&, const at::Tensor& input, const c10::optional<at::Tensor>& weight, const c10::optional<at::Tensor>&,
    const c10::optional<at::Tensor>&, const c10::optional<at::Tensor>&, const c10::optional<at::Tensor>&, bool, double,
    std::array<bool, 3> mask) {
  return norm_gradients(input, weight, weight, mask);
}

// GroupNorm's weight and bias are per channel, like BatchNorm's.
std::tuple<at::Tensor, at::Tensor, at::Tensor> native_group_norm_backward(const at::Tensor&, const at::Tensor& input, const at::Tensor&,
                                                                          const at::Tensor&, const c10::optional<at::Tensor>& weight,
                                                                          int64_t, int64_t, int64_t, int64_t, std::array<bool, 3> mask) {
  return norm_gradients(input, weight, weight, mask);
}

// Statistics have the normalized dims reduced to 1.
std::tuple<at::Tensor, at::Tensor, at::Tensor> native_layer_norm(const at::Tensor& input, c10::IntArrayRef normalized_shape,
                                                                 const c10::optional<at::Tensor>&,
                                                                 const c10::optional<at::Tensor>&, double) {
  std::vector<int64_t> stats(input.sizes().begin(), input.sizes().end());
  for (size_t i = 0; i < normalized_shape.size(); ++i) stats[stats.size() - 1 - i] = 1;
  return {empty_meta(input.sizes(), input), empty_meta(stats, input), empty_meta(stats, input)};
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> native_batch_norm(const at::Tensor& input, const c10::optional<at::Tensor>&,
                                                                 const c10::optional<at::Tensor>&,
                                                                 const c10::optional<at::Tensor>&,
                                                                 const c10::optional<at::Tensor>&, bool, double, double) {
  const int64_t channels = input.dim() > 1 ? input.size(1) : input.size(0);
  return {empty_meta(input.sizes(), input), empty_meta({channels}, input), empty_meta({channels}, input)};
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> native_group_norm(const at::Tensor& input, const c10::optional<at::Tensor>&,
                                                                 const c10::optional<at::Tensor>&, int64_t n, int64_t,
                                                                 int64_t, int64_t group, double) {
  return {empty_meta(input.sizes(), input), empty_meta({n, group}, input), empty_meta({n, group}, input)};
}

at::Tensor index_select(const at::Tensor& self, int64_t dim, const at::Tensor& index) {
  std::vector<int64_t> shape(self.sizes().begin(), self.sizes().end());
  if (!shape.empty()) shape[static_cast<size_t>(c10::maybe_wrap_dim(dim, self.dim()))] = index.numel();
  return empty_meta(shape, self);
}

// Attention output takes the query's shape (batch, length) and proj_weight's output width; weights
// are [B, heads, L, S], or averaged over heads [B, L, S], or empty when not requested.
std::tuple<at::Tensor, at::Tensor> native_multi_head_attention(
    const at::Tensor& query, const at::Tensor& key, const at::Tensor&, int64_t, int64_t num_head, const at::Tensor&,
    const at::Tensor&, const at::Tensor& proj_weight, const at::Tensor&, const c10::optional<at::Tensor>&,
    bool need_weights, bool average_attn_weights, c10::optional<int64_t>) {
  std::vector<int64_t> out(query.sizes().begin(), query.sizes().end());
  out.back() = proj_weight.size(0);
  at::Tensor weights = empty_meta({0}, query);
  if (need_weights) {
    const int64_t batch = query.dim() == 3 ? query.size(0) : 1;
    weights = average_attn_weights ? empty_meta({batch, query.size(-2), key.size(-2)}, query)
                                   : empty_meta({batch, num_head, query.size(-2), key.size(-2)}, query);
  }
  return {empty_meta(out, query), weights};
}

// Broadcast of the operands' shapes: the output of an elementwise op.
std::vector<int64_t> broadcast(std::initializer_list<const at::Tensor*> tensors) {
  std::vector<int64_t> out;
  for (const at::Tensor* t : tensors) out = at::infer_size(out, t->sizes());
  return out;
}

at::Tensor relu(const at::Tensor& self) { return same_shape(self); }
// abs of complex numbers is their real magnitude.
at::Tensor abs(const at::Tensor& self) { return at::empty(self.sizes(), like(self).dtype(c10::toRealValueType(self.scalar_type()))); }
at::Tensor prelu(const at::Tensor& self, const at::Tensor&) { return same_shape(self); }

// Fourier transforms (stft, torch.fft): the last transformed dim of a real-to-complex one keeps
// n/2 + 1 frequencies when one-sided; a complex-to-real one gives last_dim_size points.
int64_t last_dim(const at::Tensor& self, c10::IntArrayRef dim) { return c10::maybe_wrap_dim(dim.back(), self.dim()); }
at::Tensor fft_r2c(const at::Tensor& self, c10::IntArrayRef dim, int64_t, bool onesided) {
  std::vector<int64_t> shape = self.sizes().vec();
  int64_t& last = shape[static_cast<size_t>(last_dim(self, dim))];
  if (onesided) last = last / 2 + 1;
  return at::empty(shape, like(self).dtype(c10::toComplexType(self.scalar_type())));
}
at::Tensor fft_c2r(const at::Tensor& self, c10::IntArrayRef dim, int64_t, int64_t last_dim_size) {
  std::vector<int64_t> shape = self.sizes().vec();
  shape[static_cast<size_t>(last_dim(self, dim))] = last_dim_size;
  return at::empty(shape, like(self).dtype(c10::toRealValueType(self.scalar_type())));
}
at::Tensor fft_c2c(const at::Tensor& self, c10::IntArrayRef, int64_t, bool) { return same_shape(self); }
at::Tensor hardtanh(const at::Tensor& self, const c10::Scalar&, const c10::Scalar&) { return same_shape(self); }
at::Tensor hardtanh_backward(const at::Tensor& grad_output, const at::Tensor&, const c10::Scalar&, const c10::Scalar&) {
  return same_shape(grad_output);
}
at::Tensor flip(const at::Tensor& self, c10::IntArrayRef) { return same_shape(self); }
at::Tensor roll(const at::Tensor& self, c10::IntArrayRef, c10::IntArrayRef) { return same_shape(self); }
at::Tensor rsub(const at::Tensor& self, const at::Tensor& other, const c10::Scalar&) {
  return at::empty(broadcast({&self, &other}), like(self).dtype(at::result_type(self, other)));
}
// Traced files compute sizes as tensors: `x.shape[-1] // 2` becomes floor_divide of 0-dim tensors.
at::Tensor floor_divide(const at::Tensor& self, const at::Tensor& other) {
  return at::empty(broadcast({&self, &other}), like(self).dtype(at::result_type(self, other)));
}
at::Tensor floor_divide_scalar(const at::Tensor& self, const c10::Scalar& other) {
  return at::empty(self.sizes(), like(self).dtype(at::result_type(self, other)));
}
at::Tensor where(const at::Tensor& condition, const at::Tensor& self, const at::Tensor& other) {
  return at::empty(broadcast({&condition, &self, &other}), like(self).dtype(at::result_type(self, other)));
}
// The out variant, which 2.x's where.self composite reaches when one operand is a CPU scalar tensor
// (scaled_dot_product_attention's _safe_softmax): resizes `out` to the broadcast shape.
at::Tensor& where_out(const at::Tensor& condition, const at::Tensor& self, const at::Tensor& other, at::Tensor& out) {
  out.resize_(broadcast({&condition, &self, &other}));
  return out;
}
at::Tensor adaptive_avg_pool2d(const at::Tensor& self, c10::IntArrayRef output_size) {
  std::vector<int64_t> shape(self.sizes().begin(), self.sizes().end() - 2);
  shape.push_back(output_size[0]);
  shape.push_back(output_size.size() > 1 ? output_size[1] : output_size[0]);
  return empty_meta(shape, self);
}
at::Tensor reduce_all(const at::Tensor& self) { return empty_meta({}, self); }
at::Tensor prod(const at::Tensor& self, c10::optional<at::ScalarType> dtype) {
  return at::empty({}, like(self).dtype(dtype.value_or(self.scalar_type())));
}

// max_pool3d_with_indices(x, kernel, stride, padding, dilation, ceil_mode): output and indices share
// the pooled shape, each spatial size as PyTorch computes it (ceil_mode drops a window that would
// start in the right padding).
std::tuple<at::Tensor, at::Tensor> max_pool3d_with_indices(const at::Tensor& self, c10::IntArrayRef kernel,
                                                           c10::IntArrayRef stride, c10::IntArrayRef padding,
                                                           c10::IntArrayRef dilation, bool ceil_mode) {
  const auto at = [](c10::IntArrayRef list, size_t i, int64_t fallback) {
    return list.empty() ? fallback : list.size() == 1 ? list[0] : list[i];
  };
  std::vector<int64_t> shape(self.sizes().begin(), self.sizes().end() - 3);
  for (size_t i = 0; i < 3; ++i) {
    const int64_t size = self.size(self.dim() - 3 + static_cast<int64_t>(i));
    const int64_t k = at(kernel, i, 1), s = at(stride, i, k), p = at(padding, i, 0), d = at(dilation, i, 1);
    const int64_t span = size + 2 * p - d * (k - 1) - 1;
    int64_t out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
    if (ceil_mode && (out - 1) * s >= size + p) --out;
    shape.push_back(out);
  }
  return {empty_meta(shape, self), at::empty(shape, like(self).dtype(at::kLong))};
}

// repeat_interleave(x, int repeats, dim, output_size): each slice along dim repeated; x flattened when
// dim is None.
at::Tensor repeat_interleave_int(const at::Tensor& self, int64_t repeats, c10::optional<int64_t> dim,
                                 c10::optional<int64_t>) {
  if (!dim.has_value()) return empty_meta({self.numel() * repeats}, self);
  std::vector<int64_t> shape(self.sizes().begin(), self.sizes().end());
  shape[static_cast<size_t>(c10::maybe_wrap_dim(*dim, self.dim()))] *= repeats;
  return empty_meta(shape, self);
}

// Ops that read tensor values stop the dry run, naming the op and why.
[[noreturn]] void data_dependent(const char* op, const char* why = "its output shape depends on tensor values") {
  TORCH_CHECK(false, kDataDependentMarker, op, ": ", why);
}

at::Tensor nonzero(const at::Tensor&) { data_dependent("nonzero"); }
at::Tensor masked_select(const at::Tensor&, const at::Tensor&) { data_dependent("masked_select"); }
c10::Scalar local_scalar_dense(const at::Tensor&) {
  data_dependent("_local_scalar_dense", "the model reads a tensor value (.item(), or an if/while on a tensor)");
}
std::tuple<at::Tensor, at::Tensor, at::Tensor> unique2(const at::Tensor&, bool, bool, bool) { data_dependent("_unique2"); }
std::tuple<at::Tensor, at::Tensor, at::Tensor> unique_consecutive(const at::Tensor&, bool, bool, c10::optional<int64_t>) {
  data_dependent("unique_consecutive");
}
std::tuple<at::Tensor, at::Tensor, at::Tensor> unique_dim(const at::Tensor&, int64_t, bool, bool, bool) {
  data_dependent("unique_dim");
}
bool is_nonzero(const at::Tensor&) {
  data_dependent("is_nonzero", "the model reads a tensor value (an if/while on a tensor)");
}
// Set while a file loads as shapes only (LoadingShapesOnly).
thread_local bool loading_shapes_only = false;

// While a file loads, TorchScript's constant pooling asks whether two tensor constants (a traced
// file's) are equal: without values they are never merged, each stays its own constant.
bool equal(const at::Tensor&, const at::Tensor&) {
  if (loading_shapes_only) return false;
  data_dependent("equal", "the model compares tensor values");
}

}  // namespace

LoadingShapesOnly::LoadingShapesOnly() { loading_shapes_only = true; }
LoadingShapesOnly::~LoadingShapesOnly() { loading_shapes_only = false; }

std::vector<std::string> register_meta_kernels() {
  static const std::vector<std::string> registered = [] {
    // Alive for the whole process: the dispatcher holds on to the registrations.
    static torch::Library library(torch::Library::IMPL, "aten", c10::DispatchKey::Meta, __FILE__, __LINE__);
    static torch::Library autograd(torch::Library::IMPL, "aten", c10::DispatchKey::AutogradMeta, __FILE__, __LINE__);
    std::vector<std::string> ops;
    const auto add = [&](const char* op, auto* kernel) {
      const std::string qualified = std::string("aten::") + op;
      if (compat::has_meta_kernel(qualified)) return;  // never over a native kernel
      library.impl(op, kernel);
      // An op that decomposes (CompositeImplicitAutograd) got its autograd from the decomposition; with
      // a Meta kernel of its own, autograd on meta tensors must pass through to that kernel.
      if (compat::decomposes(qualified)) autograd.impl(op, torch::CppFunction::makeFallthrough());
      ops.emplace_back(op);
    };
    add("convolution_overrideable", convolution);
    add("convolution_backward_overrideable", convolution_backward);
    add("embedding_dense_backward", embedding_dense_backward);
    add("native_layer_norm_backward", native_layer_norm_backward);
    add("native_batch_norm_backward", native_batch_norm_backward);
    add("native_group_norm_backward", native_group_norm_backward);
    add("native_layer_norm", native_layer_norm);
    add("native_batch_norm", native_batch_norm);
    add("native_group_norm", native_group_norm);
    add("index_select", index_select);
    add("_native_multi_head_attention", native_multi_head_attention);
    add("nonzero", nonzero);
    add("masked_select", masked_select);
    add("_local_scalar_dense", local_scalar_dense);
    add("_unique2", unique2);
    add("unique_consecutive", unique_consecutive);
    add("unique_dim", unique_dim);
    add("is_nonzero", is_nonzero);
    add("equal", equal);
    add("relu", relu);
    add("abs", abs);
    add("prelu", prelu);
    add("_fft_r2c", fft_r2c);
    add("_fft_c2r", fft_c2r);
    add("_fft_c2c", fft_c2c);
    add("hardtanh", hardtanh);
    add("hardtanh_backward", hardtanh_backward);
    add("flip", flip);
    add("roll", roll);
    add("rsub.Tensor", rsub);
    add("floor_divide", floor_divide);
    add("floor_divide.Scalar", floor_divide_scalar);
    add("where.self", where);
    add("where.self_out", where_out);
    add("_adaptive_avg_pool2d", adaptive_avg_pool2d);
    add("max", reduce_all);
    add("min", reduce_all);
    add("prod", prod);
    add("max_pool3d_with_indices", max_pool3d_with_indices);
    add("repeat_interleave.self_int", repeat_interleave_int);
    compat::let_meta_kernels_skip_autograd();  // a user library's Meta kernels too
    return ops;
  }();
  return registered;
}

}  // namespace flopscope
