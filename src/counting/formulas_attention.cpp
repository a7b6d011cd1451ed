// Attention: nn.MultiheadAttention's fused kernel, the fused TransformerEncoderLayer, and
// scaled_dot_product_attention with every kernel it dispatches to on CPU and CUDA. Each path counts
// the same work for the same shapes, so whichever ran, and whichever one is outermost, gives one number.
#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <utility>

#include "formula_kit.h"

namespace flopscope {
namespace formulas {
namespace {

// Where a dot-product attention op keeps its arguments. Positions are schema indices; -1: none.
struct DotProductOp {
  const char* op;
  int mask, dropout, causal;
  bool sequence_major;  // q is [B, L, H, E] (the raw flash / memory-efficient kernels), else [..., H, L, E]
  int varlen;           // cumulative sequence lengths: packed sequences whose pairs shapes cannot tell
};

const DotProductOp kDotProductOps[] = {
    // scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal, *, scale, enable_gqa) (2.x)
    {"aten::scaled_dot_product_attention", 3, 4, 5, false, -1},
    // _scaled_dot_product_attention_math(q, k, v, attn_mask, dropout_p, is_causal, dropout_mask, *, scale, enable_gqa)
    {"aten::_scaled_dot_product_attention_math", 3, 4, 5, false, -1},
    {"aten::_scaled_dot_product_attention_math_for_mps", 3, 4, 5, false, -1},
    // _scaled_dot_product_flash_attention_for_cpu(q, k, v, dropout_p, is_causal, *, attn_mask, scale)
    {"aten::_scaled_dot_product_flash_attention_for_cpu", 5, 3, 4, false, -1},
    // _scaled_dot_product_flash_attention(q, k, v, dropout_p, is_causal, return_debug_mask, *, scale)
    {"aten::_scaled_dot_product_flash_attention", -1, 3, 4, false, -1},
    // _scaled_dot_product_efficient_attention(q, k, v, attn_bias, compute_log_sumexp, dropout_p, is_causal, *, scale)
    {"aten::_scaled_dot_product_efficient_attention", 3, 5, 6, false, -1},
    // _scaled_dot_product_cudnn_attention(q, k, v, attn_bias, compute_log_sumexp, dropout_p, is_causal, ...)
    {"aten::_scaled_dot_product_cudnn_attention", 3, 5, 6, false, -1},
    // _scaled_dot_product_fused_attention_overrideable(q, k, v, attn_bias, dropout_p, is_causal, ...)
    {"aten::_scaled_dot_product_fused_attention_overrideable", 3, 4, 5, false, -1},
    // LibTorch 1.13's private _scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, need_attn_weights, is_causal)
    {"aten::_scaled_dot_product_attention", 3, 4, 6, false, -1},
    // _efficient_attention_forward(q, k, v, bias, cu_seqlens_q, cu_seqlens_k, max_q, max_k, dropout_p,
    //                              custom_mask_type (0 none, 1 causal from the top left, 2 from the bottom right), ...)
    {"aten::_efficient_attention_forward", 3, 8, 9, true, 4},
    // _flash_attention_forward(q, k, v, cum_seq_q, cum_seq_k, max_q, max_k, dropout_p, is_causal, ...)
    {"aten::_flash_attention_forward", -1, 7, 8, true, 3},
};

const DotProductOp& dot_product_op(const std::string& op) {
  for (const auto& entry : kDotProductOps) {
    if (op == entry.op) return entry;
  }
  throw std::invalid_argument("not a dot-product attention op: " + op);
}

DotProductShape read_shape(const DotProductOp& op, const Inputs& in) {
  const auto& q = tensor_arg(in, 0);
  const auto& k = tensor_arg(in, 1);
  const auto& v = tensor_arg(in, 2);
  if (op.varlen >= 0 && present(in, static_cast<size_t>(op.varlen))) {
    throw std::invalid_argument("packed variable-length sequences: their lengths are data, not shapes");
  }
  if (q.shape.size() < 2 || k.shape.size() != q.shape.size() || v.shape.size() != q.shape.size()) {
    throw std::invalid_argument("attention operand ranks");
  }
  // [B, L, H, E] kernels keep the sequence at dim 1; the others at dim -2.
  const int64_t seq = op.sequence_major ? 1 : -2;
  if (op.sequence_major && q.shape.size() != 4) throw std::invalid_argument("expected [B, L, H, E] operands");
  DotProductShape s;
  s.query_len = q.dim(seq);
  s.key_len = k.dim(seq);
  s.head_dim = q.dim(-1);
  s.value_dim = v.dim(-1);
  s.batch_heads = q.numel() / (s.query_len * s.head_dim);  // every query head, grouped-query or not
  if (k.dim(-1) != s.head_dim || v.dim(seq) != s.key_len) throw std::invalid_argument("q, k and v do not fit");
  s.masked = op.mask >= 0 && present(in, static_cast<size_t>(op.mask));
  if (op.causal >= 0 && flag(in, static_cast<size_t>(op.causal))) {
    s.causal = arg(in, static_cast<size_t>(op.causal)).int_value == 2 ? Causal::BottomRight : Causal::TopLeft;
  }
  s.dropout = op.dropout >= 0 && number(in, static_cast<size_t>(op.dropout), 0.0) > 0.0;
  return s;
}

Counts dot_product(const std::string& name, const Inputs& in) {
  return dot_product_attention_counts(read_shape(dot_product_op(name), in));
}

// One function per op name, so the registry (which stores plain function pointers) can tell them apart.
template <size_t Index>
Counts dot_product_at(const Inputs& in) {
  return dot_product(kDotProductOps[Index].op, in);
}

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
const RegisterOpFormula register_native_multi_head_attention(
    {"aten::_native_multi_head_attention"}, native_multi_head_attention,
    "in-projections, QK^T, AV, out-projection MACs; biases, scale, mask, softmax elementwise");

// _transformer_encoder_layer_fwd(src, embed_dim, num_heads, qkv_weight, qkv_bias, proj_weight, proj_bias,
//     use_gelu, norm_first, eps, norm_weight_1, norm_bias_1, norm_weight_2, norm_bias_2,
//     ffn_weight_1, ffn_bias_1, ffn_weight_2, ffn_bias_2, mask, mask_type)
Counts transformer_encoder_layer(const Inputs& in) {
  const auto& src = tensor_arg(in, 0);
  if (src.shape.size() != 3) throw std::invalid_argument("expected a [B, L, E] source (nested tensors are not counted)");
  EncoderLayerShape s;
  s.attention.batch = src.dim(0);
  s.attention.query_len = s.attention.key_len = src.dim(1);
  s.attention.embed_dim = s.attention.kdim = s.attention.vdim = arg(in, 1).int_value;
  s.attention.heads = arg(in, 2).int_value;
  s.attention.in_proj_bias = present(in, 4);
  s.attention.out_proj_bias = present(in, 6);
  s.attention.masked = present(in, 18);
  s.feedforward = tensor_arg(in, 14).dim(0);
  s.feedforward_bias = present(in, 15) && present(in, 17);
  s.activation_cost = flag(in, 7) ? cost::kGelu : cost::kArithmetic;
  s.norm_affine = (present(in, 10) ? 1 : 0) + (present(in, 11) ? 1 : 0);
  if (src.dim(2) != s.attention.embed_dim || tensor_arg(in, 14).dim(1) != s.attention.embed_dim) {
    throw std::invalid_argument("encoder layer widths");
  }
  return encoder_layer_counts(s);
}
const RegisterOpFormula register_transformer_encoder_layer_fwd(
    {"aten::_transformer_encoder_layer_fwd"}, transformer_encoder_layer,
    "self-attention as _native_multi_head_attention, feed-forward 2 x rows*E*F MACs; biases, activation, "
    "2 layer norms and 2 residual adds elementwise");

// Every scaled-dot-product op of kDotProductOps, each with its own function.
template <size_t... Index>
bool register_dot_products(std::index_sequence<Index...>) {
  (op_formula_registry().add(
       {kDotProductOps[Index].op}, dot_product_at<Index>,
       kDotProductOps[Index].sequence_major
           ? "as scaled_dot_product_attention, on [B, L, H, E] operands"
           : "QK^T and AV MACs over every query head (grouped-query heads included); scale per query element, "
             "softmax per score, +1 per score for a mask or causal masking, +1 for dropout; causal masking not discounted"),
   ...);
  return true;
}
const bool dot_products_registered = register_dot_products(std::make_index_sequence<std::size(kDotProductOps)>());

}  // namespace

const char kAttentionFormulas[] = "attention";

}  // namespace formulas

std::optional<DotProductShape> dot_product_shape(const std::string& op, const std::vector<ValueInfo>& inputs) {
  for (const auto& entry : formulas::kDotProductOps) {
    if (op == entry.op) return formulas::read_shape(entry, inputs);
  }
  return std::nullopt;
}

Counts dot_product_attention_counts(const DotProductShape& s) {
  const int64_t scores = s.batch_heads * s.query_len * s.key_len;
  Counts c = activation_multiply_adds(scores * s.head_dim + scores * s.value_dim);  // Q K^T, then A V
  c += elementwise(s.batch_heads * s.query_len * s.head_dim, cost::kArithmetic);     // q scaled
  const bool masked = s.masked || s.causal != Causal::None;
  c += elementwise(scores, cost::kSoftmax + (masked ? cost::kArithmetic : 0) + (s.dropout ? cost::kArithmetic : 0));
  return c;
}

int64_t causal_kept_pairs(int64_t query_len, int64_t key_len, Causal causal) {
  if (causal == Causal::None) return query_len * key_len;
  // Query i sees keys j < i + 1 + offset, clamped to [0, key_len]: offset 0 from the top left (PyTorch's
  // is_causal), key_len - query_len from the bottom right. Sum of clamp(t, 0, S) for t = 1+o .. L+o.
  const int64_t offset = causal == Causal::BottomRight ? key_len - query_len : 0;
  const int64_t first = 1 + offset, last = query_len + offset;
  const auto sum = [](int64_t lo, int64_t hi) { return lo > hi ? 0 : (lo + hi) * (hi - lo + 1) / 2; };
  const int64_t partial = sum(std::max<int64_t>(first, 1), std::min(last, key_len));
  const int64_t full = std::max<int64_t>(0, last - std::max(first - 1, key_len));
  return partial + full * key_len;
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

Counts encoder_layer_counts(const EncoderLayerShape& s) {
  const int64_t rows = s.attention.batch * s.attention.query_len;
  const int64_t width = s.attention.embed_dim;
  Counts c = attention_counts(s.attention);
  c += multiply_adds(2 * rows * width * s.feedforward);  // linear1 then linear2
  if (s.feedforward_bias) c += elementwise(rows * (s.feedforward + width), cost::kArithmetic);
  c += elementwise(rows * s.feedforward, s.activation_cost);
  c += elementwise(2 * rows * width, cost::kNormalize + s.norm_affine * cost::kAffine);  // norm1, norm2
  c += elementwise(2 * rows * width, cost::kArithmetic);  // two residual adds
  return c;
}

}  // namespace flopscope
