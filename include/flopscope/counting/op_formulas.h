// Op formulas — the cost of one aten op from the values it was called with.
//
// A formula is a small pure function of the recorded inputs (shapes and scalar arguments, in schema
// order), registered right after it with a RegisterOpFormula object (cost_registry.h) in the
// src/counting/formulas_*.cpp file of its family (matrix, convolution, attention, elementwise, data
// movement, backward). A formula for a composite op (aten::linear, aten::_native_multi_head_attention)
// stands for everything the op runs inside: the recorder counts the outermost op that has a formula
// and skips its children. Formulas throw std::exception when the inputs contradict their assumptions;
// the recorder then treats the op as opaque and counts its children instead.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "flopscope/core/counts.h"
#include "flopscope/core/value_info.h"
#include "flopscope/counting/cost_registry.h"

namespace flopscope {

// A function, not a function pointer: user formulas (user_formulas.h) are closures over their expressions.
using OpFormula = std::function<Counts(const std::vector<ValueInfo>& inputs)>;

// name: "aten::addmm"; function: the formula; description: what is counted and what is left out.
using OpFormulaEntry = CostRegistry<OpFormula>::Entry;

// nullptr when the op has no formula (it is then reported as uncovered unless its children are counted).
// Built-in formulas first, then the user's (--formulas FILE).
const OpFormulaEntry* find_op_formula(const std::string& op);
// The built-in formula of `op` only.
const OpFormulaEntry* find_builtin_op_formula(const std::string& op);
// Every built-in formula, sorted by op name (for docs and `flopscope formulas`).
std::vector<const OpFormulaEntry*> all_op_formulas();

// A (transposed) convolution from its input and weight shapes and its geometry: the shared formula of
// the aten::convolution family (module rules read the output shape instead).
Counts conv_counts(const ValueInfo& input, const ValueInfo& weight, const std::vector<int64_t>& stride,
                   const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, bool transposed,
                   const std::vector<int64_t>& output_padding, bool has_bias);

// Self- or cross-attention with in/out projections: the shared formula of nn.MultiheadAttention's
// module rule and of aten::_native_multi_head_attention.
struct AttentionShape {
  int64_t batch = 1, query_len = 0, key_len = 0, embed_dim = 0, kdim = 0, vdim = 0, heads = 1;
  bool in_proj_bias = true, out_proj_bias = true, masked = false;
};
Counts attention_counts(const AttentionShape& shape);

// A transformer encoder layer: self-attention, feed-forward E -> F -> E, two norms, two residual adds.
// The shared formula of aten::_transformer_encoder_layer_fwd and the TransformerEncoderLayer rule.
struct EncoderLayerShape {
  AttentionShape attention;
  int64_t feedforward = 0;       // F, the hidden width
  bool feedforward_bias = true;
  int64_t activation_cost = 1;   // FLOPs per hidden element: ReLU 1, GELU 5
  int64_t norm_affine = 2;       // weight and bias present in each norm: 0..2
};
Counts encoder_layer_counts(const EncoderLayerShape& shape);

// Scaled dot-product attention over already-projected heads (scaled_dot_product_attention and its
// kernels). Causal masking does not reduce the count (the OpenCLIP and FlopCounterMode convention);
// causal_kept_pairs gives the causal-aware figure.
enum class Causal { None, TopLeft, BottomRight };
struct DotProductShape {
  int64_t batch_heads = 0;  // batch x query heads (grouped-query key/value heads serve several)
  int64_t query_len = 0, key_len = 0, head_dim = 0, value_dim = 0;
  bool masked = false;      // an explicit mask or bias
  Causal causal = Causal::None;
  bool dropout = false;     // dropout_p > 0
};
Counts dot_product_attention_counts(const DotProductShape& shape);
// The shape of one recorded dot-product attention op call; nullopt when `op` is not one. Throws
// std::invalid_argument when its inputs contradict the op (then the op was reported uncovered).
std::optional<DotProductShape> dot_product_shape(const std::string& op, const std::vector<ValueInfo>& inputs);
// (query, key) pairs a causal mask keeps; query_len x key_len when not causal. PyTorch's is_causal is
// TopLeft: query i sees keys 0..i.
int64_t causal_kept_pairs(int64_t query_len, int64_t key_len, Causal causal);

}  // namespace flopscope
