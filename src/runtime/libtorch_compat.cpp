// The differences between LibTorch 1.13 and 2.x that flopscope meets, one comment each:
//
// 1. PyTorch 2.x's nn.MultiheadAttention, F.scaled_dot_product_attention and every transformer
//    scripted with them call aten::scaled_dot_product_attention, which 1.13 does not have (its
//    private aten::_scaled_dot_product_attention has another schema). torch::jit::load then fails
//    with "Unknown builtin op". provide_newer_operators() defines the 2.x schema with a
//    CompositeImplicitAutograd kernel: softmax(Q K^T * scale + mask) V, causal and grouped-query
//    heads included. Being composite it decomposes into ops 1.13 has, on CPU and meta alike.
// 2. Meta (shape-only) kernels differ: 1.13 lacks many (convolution_overrideable, native_batch_norm,
//    ...), 2.6 has most but not all (where.self's composite calls where.self_out, which has none).
//    src/runtime/meta_kernels.cpp supplies them, registering each only where has_meta_kernel() says
//    no Meta kernel exists, so a native one is never overridden (and LibTorch prints no warning).
// 3. 1.13's RecordFunction events for ops the TorchScript interpreter calls boxed can carry the whole
//    interpreter stack as inputs, and shifted values on optimized runs. The recorder reads the
//    trailing schema-sized slice (event_argument_offset) and checks each value's kind, which is right
//    on both versions.
// 4. An op without a meta kernel fails a dry run with a different message: 1.13 "Could not run
//    'aten::x' with arguments from the 'Meta' backend" ('AutogradMeta' for an operator of a library
//    such as torchvision's), 2.x "aten::x: attempted to run this operator with Meta tensors, but there
//    was no fake impl or Meta kernel" ("torchvision::nms: while attempting to run this operator with
//    Meta Tensors: ..." for a library's) (op_without_meta_kernel).
// 5. The warning handler (where TorchScript's warnings.warn and TORCH_WARN go) changed its interface
//    in 2.0: 1.13's c10::Warning::set_warning_handler and process(location, message, verbatim), 2.x's
//    c10::WarningUtils::set_warning_handler and process(const c10::Warning&). ModelWarnings holds the
//    one compile-time branch in flopscope.
// 6. The API flopscope uses is otherwise the same: torch::jit::Module, tryToGraphFunction, graph
//    rewriting, RecordFunction callbacks and the Dispatcher queries below exist in both. GCC 14
//    (Debian 13) no longer pulls <algorithm> in through other headers: include what you use.
// 7. 1.13 registers an autograd fallthrough for operators without autograd kernels on CPU and CUDA
//    tensors but not on meta ones: a user library's op with a Meta kernel stops at 'AutogradMeta' in
//    a dry run. 2.x has the fallthrough, and refuses a second one (let_meta_kernels_skip_autograd).
#include "flopscope/runtime/libtorch_compat.h"

#include <ATen/ATen.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/library.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <regex>

namespace flopscope::compat {
namespace {

c10::OperatorName operator_name(const std::string& qualified_op) {
  const auto dot = qualified_op.find('.');
  return dot == std::string::npos ? c10::OperatorName{qualified_op, ""}
                                   : c10::OperatorName{qualified_op.substr(0, dot), qualified_op.substr(dot + 1)};
}

// PyTorch 2.x's scaled_dot_product_attention, by its documented math:
//   grouped-query attention: each of Hkv key/value heads serves Hq / Hkv query heads;
//   scores = Q K^T * scale (scale defaults to 1/sqrt(E)); causal keeps key j <= query i (top-left);
//   a bool mask keeps where true, a float mask is added; softmax over keys; dropout if p > 0; times V.
at::Tensor scaled_dot_product_attention(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value,
                                        const c10::optional<at::Tensor>& attn_mask, double dropout_p, bool is_causal,
                                        c10::optional<double> scale, bool enable_gqa) {
  at::Tensor k = key, v = value;
  if (enable_gqa && query.dim() >= 3 && key.size(-3) != query.size(-3)) {
    TORCH_CHECK(query.size(-3) % key.size(-3) == 0, "scaled_dot_product_attention: query heads (", query.size(-3),
                ") are not a multiple of key/value heads (", key.size(-3), ")");
    // expand + reshape instead of repeat_interleave: views only, so meta tensors need no extra kernel.
    const auto repeat = [&](const at::Tensor& t) {
      std::vector<int64_t> grouped(t.sizes().begin(), t.sizes().end());
      grouped.insert(grouped.end() - 2, query.size(-3) / t.size(-3));
      std::vector<int64_t> merged(t.sizes().begin(), t.sizes().end());
      merged[merged.size() - 3] = query.size(-3);
      return t.unsqueeze(-3).expand(grouped).reshape(merged);
    };
    k = repeat(key);
    v = repeat(value);
  }
  const double factor = scale.has_value() ? *scale : 1.0 / std::sqrt(static_cast<double>(query.size(-1)));
  at::Tensor scores = at::matmul(query * factor, k.transpose(-2, -1));
  const double minus_infinity = -std::numeric_limits<double>::infinity();
  // Masks are built from ops with meta kernels in every LibTorch (triu, eq): 1.13's logical_not has none.
  if (is_causal) {
    const at::Tensor future = at::ones({query.size(-2), k.size(-2)}, query.options().dtype(at::kBool)).triu(1);
    scores = scores.masked_fill(future, minus_infinity);
  }
  if (attn_mask.has_value() && attn_mask->defined()) {
    scores = attn_mask->scalar_type() == at::kBool ? scores.masked_fill(attn_mask->eq(false), minus_infinity)
                                                   : scores + *attn_mask;
  }
  at::Tensor weights = at::softmax(scores, -1);
  if (dropout_p > 0.0) weights = at::dropout(weights, dropout_p, /*train=*/true);
  return at::matmul(weights, v);
}

constexpr const char* kScaledDotProductAttention =
    "scaled_dot_product_attention(Tensor query, Tensor key, Tensor value, Tensor? attn_mask=None, "
    "float dropout_p=0.0, bool is_causal=False, *, float? scale=None, bool enable_gqa=False) -> Tensor";

std::mutex g_mutex;
std::unique_ptr<torch::Library> g_library;  // keeps the registrations alive for the process
std::vector<std::string> g_provided;

}  // namespace

std::string libtorch_version() { return TORCH_VERSION; }

std::string libtorch_backends() { return at::hasCUDA() ? "CUDA" : "CPU only"; }

bool has_operator(const std::string& qualified_op) {
  return c10::Dispatcher::singleton().findSchema(operator_name(qualified_op)).has_value();
}

bool has_meta_kernel(const std::string& qualified_op) {
  // Only a kernel registered for the Meta key counts. A composite kernel is no guarantee: 1.13's
  // convolution_overrideable composite always throws (it is a hook for out-of-tree backends), 2.6's
  // where.self composite calls where.self_out, which has no meta kernel, and 1.13's
  // repeat_interleave(x, int) decomposition turns the int into a tensor whose value a meta run lacks.
  // A Meta kernel takes precedence over composites on meta tensors only.
  const auto handle = c10::Dispatcher::singleton().findSchema(operator_name(qualified_op));
  return handle.has_value() && handle->hasKernelForDispatchKey(c10::DispatchKey::Meta);
}

bool decomposes(const std::string& qualified_op) {
  const auto handle = c10::Dispatcher::singleton().findSchema(operator_name(qualified_op));
  return handle.has_value() && handle->hasKernelForDispatchKey(c10::DispatchKey::CompositeImplicitAutograd);
}

bool runs_as_dispatched_ops(const std::string& qualified_op) {
  const auto handle = c10::Dispatcher::singleton().findSchema(operator_name(qualified_op));
  if (!handle.has_value()) return false;
  for (const auto key : {c10::DispatchKey::CompositeImplicitAutograd, c10::DispatchKey::CompositeExplicitAutograd,
                         c10::DispatchKey::CompositeExplicitAutogradNonFunctional}) {
    if (handle->hasKernelForDispatchKey(key)) return true;
  }
  return false;
}

std::optional<size_t> event_argument_offset(size_t event_values, size_t schema_arguments) {
  if (event_values < schema_arguments) return std::nullopt;
  return event_values - schema_arguments;
}

std::string op_without_meta_kernel(const std::string& message) {
  static const std::regex no_meta(R"(Could not run '([^']+)' with arguments from the '(?:Autograd)?Meta' backend|)"
                                  R"(([A-Za-z_][\w:.]*): (?:while )?attempt(?:ed|ing) to run this operator with Meta [Tt]ensors)");
  std::smatch missing;
  if (!std::regex_search(message, missing, no_meta)) return "";
  return missing[1].matched ? missing[1].str() : missing[2].str();
}

void provide_newer_operators() {
  const std::lock_guard<std::mutex> lock(g_mutex);
  if (g_library != nullptr || has_operator("aten::scaled_dot_product_attention")) return;
  g_library = std::make_unique<torch::Library>(torch::Library::FRAGMENT, "aten", c10::nullopt, __FILE__, __LINE__);
  g_library->def(kScaledDotProductAttention,
                 torch::dispatch(c10::DispatchKey::CompositeImplicitAutograd, TORCH_FN(scaled_dot_product_attention)));
  g_provided.push_back("aten::scaled_dot_product_attention");
}

std::vector<std::string> provided_operators() {
  const std::lock_guard<std::mutex> lock(g_mutex);
  return g_provided;
}

// Keeps each distinct message once, in order.
class ModelWarnings::Handler : public c10::WarningHandler {
 public:
#if TORCH_VERSION_MAJOR >= 2
  void process(const c10::Warning& warning) override { keep(warning.msg()); }
#else
  void process(const c10::SourceLocation&, const std::string& message, const bool) override { keep(message); }
#endif
  std::vector<std::string> messages;

 private:
  void keep(const std::string& message) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (std::find(messages.begin(), messages.end(), message) == messages.end()) messages.push_back(message);
  }
  std::mutex mutex_;
};

#if TORCH_VERSION_MAJOR >= 2
namespace warning_api = c10::WarningUtils;
#else
namespace warning_api = c10::Warning;
#endif

ModelWarnings::ModelWarnings() : handler_(std::make_unique<Handler>()), previous_(warning_api::get_warning_handler()) {
  warning_api::set_warning_handler(handler_.get());
}

ModelWarnings::~ModelWarnings() { warning_api::set_warning_handler(previous_); }

std::vector<std::string> ModelWarnings::messages() const { return handler_->messages; }

void let_meta_kernels_skip_autograd() {
  static const bool registered = [] {
    try {
      static torch::Library fallback(torch::Library::IMPL, "_", c10::DispatchKey::AutogradMeta, __FILE__, __LINE__);
      fallback.fallback(torch::CppFunction::makeFallthrough());
    } catch (const c10::Error&) {  // 2.x: already there
    }
    return true;
  }();
  (void)registered;
}

}  // namespace flopscope::compat
