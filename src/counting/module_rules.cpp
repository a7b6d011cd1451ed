// The module rule table. Each rule states its formula next to the code and is registered right after
// it; B is the batch (all leading dims), and elementwise costs come from counts.h.
#include "flopscope/counting/module_rules.h"

#include <initializer_list>
#include <stdexcept>

#include "flopscope/counting/op_formulas.h"
#include "flopscope/counting/type_names.h"

namespace flopscope {

CostRegistry<ModuleRule>& module_rule_registry() {
  static CostRegistry<ModuleRule> table("module rules");
  return table;
}

namespace {

using RegisterModuleRule = CostRegistration<ModuleRule, module_rule_registry>;

const ValueInfo& input(const CallRecord& call, size_t i) {
  if (i >= call.inputs.size() || !call.inputs[i].is_tensor()) throw std::invalid_argument("input is not a tensor");
  return call.inputs[i];
}

const ValueInfo& output(const CallRecord& call) {
  if (call.outputs.empty() || !call.outputs[0].is_tensor()) throw std::invalid_argument("output is not a tensor");
  return call.outputs[0];
}

// A weight is a parameter, or a buffer of that name: removing weight_norm under no_grad (as torchaudio
// does before scripting wav2vec 2.0's positional convolution) leaves the computed weight a buffer.
const TensorEntry& weight(const ModuleInfo& module, const char* name = "weight") {
  if (const TensorEntry* w = module.parameter(name)) return *w;
  for (const TensorEntry& b : module.buffers) {
    if (b.name == name) return b;
  }
  throw std::invalid_argument(std::string("module has no parameter or buffer ") + name);
}

int64_t int_attribute(const ModuleInfo& module, const char* name) {
  const ValueInfo* v = module.attribute(name);
  if (v == nullptr) throw MissingAttribute(std::string("the file keeps no attribute ") + name);
  if (v->kind != ValueInfo::Kind::Int && v->kind != ValueInfo::Kind::Bool) {
    throw std::invalid_argument(std::string("module has no int attribute ") + name);
  }
  return v->int_value;
}

bool bool_attribute(const ModuleInfo& module, const char* name, bool fallback) {
  const ValueInfo* v = module.attribute(name);
  return v == nullptr || v->kind == ValueInfo::Kind::None ? fallback : v->int_value != 0;
}

// The first op of the call's own code with one of `names`, or nullptr. Traced files keep a module's
// parameters but not its other attributes: a rule that needs one (GELU's approximation, a pooling
// window) reads it from the op that ran instead.
const OpRecord* own_op(const RuleContext& context, std::initializer_list<const char*> names) {
  for (const OpRecord* op : context.own_ops()) {
    for (const char* name : names) {
      if (op->op == name) return op;
    }
  }
  return nullptr;
}

// Linear: y = x W^T + b.  MACs = B*I*O (B = all leading dims of x); bias adds B*O.
Counts linear_rule(const RuleContext& context) {
  const ModuleInfo& module = context.module;
  const CallRecord& call = context.call;
  const auto& x = input(call, 0);
  const auto& w = weight(module);
  if (w.shape.size() != 2 || x.shape.empty() || x.dim(-1) != w.shape[1]) throw std::invalid_argument("linear shapes");
  const int64_t rows = x.numel() / x.dim(-1);
  Counts c = multiply_adds(rows * w.shape[1] * w.shape[0]);
  if (module.parameter("bias") != nullptr) c += elementwise(rows * w.shape[0], cost::kArithmetic);
  return c;
}
const RegisterModuleRule register_linear(
    {type_names::kLinear, type_names::kNonDynamicallyQuantizableLinear}, linear_rule, "2*B*I*O matmul; B*O bias adds");

// ConvNd: MACs = B*Cout*prod(out spatial) * (Cin/groups)*prod(kernel), read from the output shape and
// weight [Cout, Cin/groups, k...]; depthwise and pointwise are the groups=Cin and 1x1 cases. Bias adds
// one per output element.
Counts conv_rule(const RuleContext& context) {
  const ModuleInfo& module = context.module;
  const CallRecord& call = context.call;
  const auto& w = weight(module);
  const auto& y = output(call);
  int64_t per_output = 1;
  for (size_t i = 1; i < w.shape.size(); ++i) per_output *= w.shape[i];
  Counts c = multiply_adds(y.numel() * per_output);
  if (module.parameter("bias") != nullptr) c += elementwise(y.numel(), cost::kArithmetic);
  return c;
}
const RegisterModuleRule register_conv(
    {type_names::kConv1d, type_names::kConv2d, type_names::kConv3d},
    conv_rule, "2*B*Cout*prod(out)*(Cin/groups)*prod(kernel) matmul; one bias add per output");

// ConvTransposeNd: every input element is multiplied into (Cout/groups)*prod(kernel) outputs, weight
// [Cin, Cout/groups, k...]: MACs = B*Cin*prod(in spatial) * (Cout/groups)*prod(kernel). Bias per output.
Counts conv_transpose_rule(const RuleContext& context) {
  const ModuleInfo& module = context.module;
  const CallRecord& call = context.call;
  const auto& w = weight(module);
  const auto& x = input(call, 0);
  int64_t per_input = 1;
  for (size_t i = 1; i < w.shape.size(); ++i) per_input *= w.shape[i];
  Counts c = multiply_adds(x.numel() * per_input);
  if (module.parameter("bias") != nullptr) c += elementwise(output(call).numel(), cost::kArithmetic);
  return c;
}
const RegisterModuleRule register_conv_transpose(
    {type_names::kConvTranspose1d, type_names::kConvTranspose2d, type_names::kConvTranspose3d},
    conv_transpose_rule, "2*B*Cin*prod(in)*(Cout/groups)*prod(kernel) matmul; one bias add per output");

// Reads an nn.MultiheadAttention's shape for a query and key: layout from batch_first, widths and
// heads from its attributes, biases from its parameters.
AttentionShape attention_shape(const ModuleInfo& module, const ValueInfo& q, const ValueInfo& k, bool masked) {
  const bool batch_first = bool_attribute(module, "batch_first", false);
  AttentionShape s;
  // The attributes first: a traced file has none (nothing to check against, counted from its ops),
  // and its calls list only tensors, so a mask may stand where the key would.
  s.embed_dim = int_attribute(module, "embed_dim");
  s.kdim = int_attribute(module, "kdim");
  s.vdim = int_attribute(module, "vdim");
  s.heads = int_attribute(module, "num_heads");
  if (q.shape.size() == 3 && k.shape.size() == 3) {
    s.batch = batch_first ? q.dim(0) : q.dim(1);
    s.query_len = batch_first ? q.dim(1) : q.dim(0);
    s.key_len = batch_first ? k.dim(1) : k.dim(0);
  } else if (q.shape.size() == 2 && k.shape.size() == 2) {  // unbatched
    s.query_len = q.dim(0);
    s.key_len = k.dim(0);
  } else {
    throw std::invalid_argument("attention input rank");
  }
  // add_bias_kv appends one key/value token; add_zero_attn appends another.
  if (module.parameter("bias_k") != nullptr) s.key_len += 1;
  if (bool_attribute(module, "add_zero_attn", false)) s.key_len += 1;
  // The constructor's `bias` flag governs both projections: in_proj_bias and out_proj.bias.
  s.in_proj_bias = module.parameter("in_proj_bias") != nullptr;
  s.out_proj_bias = s.in_proj_bias;
  s.masked = masked;
  if (q.dim(-1) != s.embed_dim) throw std::invalid_argument("query width differs from embed_dim");
  return s;
}

bool tensor_given(const CallRecord& call, size_t i) { return i < call.inputs.size() && call.inputs[i].is_tensor(); }

// MultiheadAttention(query, key, value, key_padding_mask, need_weights, attn_mask, ...):
// MACs = B*Lq*E^2 (q) + B*Lk*kdim*E (k) + B*Lk*vdim*E (v) + 2*B*Lq*Lk*E (QK^T, AV) + B*Lq*E^2 (out);
// self-attention: 4*B*L*E^2 + 2*B*L^2*E MACs = 8BLd^2 + 4BL^2d FLOPs. Layout from batch_first.
Counts multihead_attention_rule(const RuleContext& context) {
  const ModuleInfo& module = context.module;
  const CallRecord& call = context.call;
  // A traced call that passed one tensor as query, key and value takes it once.
  const ValueInfo& key = tensor_given(call, 1) ? input(call, 1) : input(call, 0);
  return attention_counts(attention_shape(module, input(call, 0), key, tensor_given(call, 3) || tensor_given(call, 5)));
}
const RegisterModuleRule register_multihead_attention(
    {type_names::kMultiheadAttention},
    multihead_attention_rule,
    "2*(B*Lq*E^2 + B*Lk*kdim*E + B*Lk*vdim*E + 2*B*Lq*Lk*E + B*Lq*E^2) matmul "
    "(self-attention: 8BLd^2 + 4BL^2d); biases, scale, mask and softmax elementwise");

// FLOPs per hidden element of a transformer layer's activation: a child module (nn.ReLU, nn.GELU),
// the encoder's activation_relu_or_gelu flag (1 ReLU, 2 GELU), or else the function the layer's own
// code applied to the hidden tensor (F.relu is compiled into the code, not kept as an attribute).
int64_t activation_cost(const RuleContext& context, int64_t hidden) {
  if (const ModuleInfo* activation = context.find_child("activation")) {
    const ModuleRuleEntry* rule = find_module_rule(activation->type);
    if (rule == nullptr) throw std::invalid_argument("activation module " + activation->type + " has no rule");
    ValueInfo x;
    x.kind = ValueInfo::Kind::Tensor;
    x.shape = {hidden};
    CallRecord probe;
    probe.inputs = probe.outputs = {x};
    return rule->function({context.model, *activation, probe, nullptr}).elementwise_flops / hidden;
  }
  const ValueInfo* flag = context.module.attribute("activation_relu_or_gelu");
  if (flag != nullptr && flag->int_value == 1) return cost::kArithmetic;
  if (flag != nullptr && flag->int_value == 2) return cost::kGelu;
  for (const OpRecord* op : context.own_ops()) {
    if (op->inputs.empty() || !op->inputs[0].is_tensor() || op->inputs[0].numel() != hidden) continue;
    if (op->op == "aten::relu" || op->op == "aten::relu_") return cost::kArithmetic;
    if (op->op == "aten::gelu") return op->inputs.size() > 1 && op->inputs[1].text == "tanh" ? cost::kGeluTanh : cost::kGelu;
  }
  throw std::invalid_argument("cannot tell the layer's activation function");
}

int64_t norm_affine(const ModuleInfo& norm) {
  return (norm.parameter("weight") ? 1 : 0) + (norm.parameter("bias") ? 1 : 0);
}

// The self-attention and feed-forward part shared by encoder and decoder layers, on `x`.
EncoderLayerShape layer_shape(const RuleContext& context, const ValueInfo& x, bool masked) {
  EncoderLayerShape s;
  s.attention = attention_shape(context.child("self_attn"), x, x, masked);
  const ModuleInfo& linear1 = context.child("linear1");
  s.feedforward = weight(linear1).shape[0];
  s.feedforward_bias = linear1.parameter("bias") != nullptr;
  s.norm_affine = norm_affine(context.child("norm1"));
  s.activation_cost = activation_cost(context, s.attention.batch * s.attention.query_len * s.feedforward);
  return s;
}

// TransformerEncoderLayer(src, src_mask, src_key_padding_mask, is_causal): self-attention, feed-forward
// E -> F -> E (linear1, linear2), two norms and two residual adds, whether the fused
// _transformer_encoder_layer_fwd ran or the separate modules: 8BLE^2 + 4BL^2E + 4BLEF matmul FLOPs.
Counts transformer_encoder_layer_rule(const RuleContext& context) {
  return encoder_layer_counts(layer_shape(context, input(context.call, 0), tensor_given(context.call, 1) || tensor_given(context.call, 2)));
}
const RegisterModuleRule register_transformer_encoder_layer(
    {"torch.nn.modules.transformer.TransformerEncoderLayer"},
    transformer_encoder_layer_rule,
    "self-attention (as MultiheadAttention) + 2*2*B*L*E*F feed-forward matmul; biases, activation, "
    "2 norms, 2 residual adds elementwise");

// TransformerDecoderLayer(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
// memory_key_padding_mask, ...): the encoder layer's work on the targets plus cross-attention of the
// targets to memory (multihead_attn), a third norm and a third residual add.
Counts transformer_decoder_layer_rule(const RuleContext& context) {
  const auto& target = input(context.call, 0);
  const EncoderLayerShape s = layer_shape(context, target, tensor_given(context.call, 2) || tensor_given(context.call, 4));
  const AttentionShape cross =
      attention_shape(context.child("multihead_attn"), target, input(context.call, 1), tensor_given(context.call, 3) || tensor_given(context.call, 5));
  const int64_t target_elements = cross.batch * cross.query_len * cross.embed_dim;
  return encoder_layer_counts(s) + attention_counts(cross) +
         elementwise(target_elements, cost::kNormalize + s.norm_affine * cost::kAffine + cost::kArithmetic);
}
const RegisterModuleRule register_transformer_decoder_layer(
    {"torch.nn.modules.transformer.TransformerDecoderLayer"},
    transformer_decoder_layer_rule,
    "as TransformerEncoderLayer on the targets, plus cross-attention to memory, a third norm and residual add");

// A recurrent layer's tokens: every step of every sequence. The input is [T, B, I], [B, T, I] or
// unbatched [T, I] (a cell: [B, I] or [I]); a PackedSequence (a tuple) carries its steps as rows of data.
int64_t recurrent_tokens(const CallRecord& call, const TensorEntry& first_input_weight) {
  const ValueInfo* x = call.inputs.empty() ? nullptr : &call.inputs[0];
  if (x != nullptr && x->kind == ValueInfo::Kind::Tuple && !x->elements.empty()) x = &x->elements[0];
  if (x == nullptr || !x->is_tensor() || x->shape.empty() || first_input_weight.shape.size() != 2 ||
      x->dim(-1) != first_input_weight.shape[1]) {
    throw std::invalid_argument("recurrent input does not match weight_ih");
  }
  return x->numel() / x->dim(-1);
}

// nn.LSTM, nn.GRU, nn.RNN and their cells: every weight matrix (weight_ih, weight_hh, an LSTM's
// projection weight_hr, for each layer and direction) multiplies one vector per token, so MACs =
// tokens * (sum of their elements). Elementwise per hidden unit and token: the cell's work (counts.h)
// and two bias adds per gate when biased.
template <int Gates, int64_t CellFlops>
Counts recurrent_rule(const RuleContext& context) {
  const ModuleInfo& module = context.module;
  int64_t weight_elements = 0;
  int64_t hidden_units = 0;  // summed over layers and directions
  for (const TensorEntry& p : module.parameters) {
    if (p.name.rfind("weight_", 0) == 0) weight_elements += p.numel;
    if (p.name.rfind("weight_hh", 0) == 0) hidden_units += p.shape.at(0) / Gates;
  }
  const TensorEntry* first = module.parameter("weight_ih_l0");
  const int64_t tokens = recurrent_tokens(context.call, first != nullptr ? *first : weight(module, "weight_ih"));
  const bool biased = module.parameter("bias_ih_l0") != nullptr || module.parameter("bias_ih") != nullptr;
  return recurrent_counts(tokens, weight_elements, hidden_units, Gates, CellFlops, biased);
}
const RegisterModuleRule register_lstm(
    {"torch.nn.modules.rnn.LSTM", "torch.nn.modules.rnn.LSTMCell"}, recurrent_rule<4, cost::kLstmCell>,
    "2*tokens*(elements of every weight matrix) matmul; 19 per hidden unit and token, +8 with biases");
const RegisterModuleRule register_gru(
    {"torch.nn.modules.rnn.GRU", "torch.nn.modules.rnn.GRUCell"}, recurrent_rule<3, cost::kGruCell>,
    "2*tokens*(elements of every weight matrix) matmul; 14 per hidden unit and token, +6 with biases");
const RegisterModuleRule register_rnn(
    {"torch.nn.modules.rnn.RNN", "torch.nn.modules.rnn.RNNCell"}, recurrent_rule<1, cost::kRnnCell>,
    "2*tokens*(elements of every weight matrix) matmul; 2 per hidden unit and token, +2 with biases");

// LayerNorm / GroupNorm: 5 FLOPs per element to normalize, +1 each for weight and bias.
Counts norm_rule(const RuleContext& context) {
  const ModuleInfo& module = context.module;
  const CallRecord& call = context.call;
  const int64_t affine = (module.parameter("weight") ? cost::kAffine : 0) + (module.parameter("bias") ? cost::kAffine : 0);
  return elementwise(input(call, 0).numel(), cost::kNormalize + affine);
}
const RegisterModuleRule register_layer_norm(
    {"torch.nn.modules.normalization.LayerNorm", "torch.nn.modules.normalization.GroupNorm"},
    norm_rule, "5 per element, +1 each for weight and bias");

// BatchNorm in eval mode with running statistics: one folded multiply-add (2 FLOPs) per element.
Counts batch_norm_rule(const RuleContext& context) {
  const ModuleInfo& module = context.module;
  const CallRecord& call = context.call;
  const bool running_stats = bool_attribute(module, "track_running_stats", true);
  if (!running_stats) return norm_rule(context);
  return elementwise(input(call, 0).numel(), cost::kBatchNormEval);
}
const RegisterModuleRule register_batch_norm(
    {"torch.nn.modules.batchnorm.BatchNorm1d", "torch.nn.modules.batchnorm.BatchNorm2d",
     "torch.nn.modules.batchnorm.BatchNorm3d"}, batch_norm_rule, "eval with running stats: 2 per element");

template <int64_t PerElement>
Counts per_element_rule(const RuleContext& context) {
  const CallRecord& call = context.call;
  return elementwise(input(call, 0).numel(), PerElement);
}
const RegisterModuleRule register_relu(
    {"torch.nn.modules.activation.ReLU", "torch.nn.modules.activation.ReLU6", "torch.nn.modules.activation.LeakyReLU",
     "torch.nn.modules.activation.Hardtanh"}, per_element_rule<cost::kArithmetic>, "1 per element");
const RegisterModuleRule register_tanh(
    {"torch.nn.modules.activation.Tanh"}, per_element_rule<cost::kTranscendental>, "1 per element");
const RegisterModuleRule register_hardsigmoid(
    {"torch.nn.modules.activation.Hardsigmoid"}, per_element_rule<cost::kHardsigmoid>, "3 per element");
const RegisterModuleRule register_hardswish(
    {"torch.nn.modules.activation.Hardswish"}, per_element_rule<cost::kHardswish>, "4 per element");
const RegisterModuleRule register_elu(
    {"torch.nn.modules.activation.ELU", "torch.nn.modules.activation.CELU", "torch.nn.modules.activation.SELU"},
    per_element_rule<cost::kElu>, "4 per element");
const RegisterModuleRule register_softplus(
    {"torch.nn.modules.activation.Softplus"}, per_element_rule<cost::kSoftplus>, "3 per element");
const RegisterModuleRule register_mish(
    {"torch.nn.modules.activation.Mish"}, per_element_rule<cost::kMish>, "5 per element");
const RegisterModuleRule register_sigmoid(
    {"torch.nn.modules.activation.Sigmoid"}, per_element_rule<cost::kSigmoid>, "3 per element");
const RegisterModuleRule register_silu(
    {"torch.nn.modules.activation.SiLU"}, per_element_rule<cost::kSilu>, "4 per element");
const RegisterModuleRule register_softmax(
    {"torch.nn.modules.activation.Softmax", "torch.nn.modules.activation.LogSoftmax"},
    per_element_rule<cost::kSoftmax>, "5 per element");
const RegisterModuleRule register_adaptive_avg_pool(
    {"torch.nn.modules.pooling.AdaptiveAvgPool1d", "torch.nn.modules.pooling.AdaptiveAvgPool2d",
     "torch.nn.modules.pooling.AdaptiveAvgPool3d"}, per_element_rule<cost::kArithmetic>, "1 per input element");

Counts gelu_rule(const RuleContext& context) {
  const ModuleInfo& module = context.module;
  const CallRecord& call = context.call;
  const ValueInfo* approximate = module.attribute("approximate");
  if (approximate == nullptr) {
    const OpRecord* op = own_op(context, {"aten::gelu"});
    if (op == nullptr || op->inputs.size() < 2) throw MissingAttribute("the file keeps no attribute approximate");
    approximate = &op->inputs[1];
  }
  const bool tanh = approximate->text == "tanh";
  return elementwise(input(call, 0).numel(), tanh ? cost::kGeluTanh : cost::kGelu);
}
const RegisterModuleRule register_gelu(
    {"torch.nn.modules.activation.GELU"}, gelu_rule, "5 per element (tanh approximation: 8)");

// Pooling with a window: output elements x window size (one add or compare per window element).
Counts pool_rule(const RuleContext& context) {
  const ModuleInfo& module = context.module;
  const CallRecord& call = context.call;
  const ValueInfo* kernel = module.attribute("kernel_size");
  if (kernel == nullptr) {
    const OpRecord* op = own_op(context, {"aten::max_pool1d", "aten::max_pool2d", "aten::max_pool3d",
                                          "aten::max_pool1d_with_indices", "aten::max_pool2d_with_indices",
                                          "aten::max_pool3d_with_indices", "aten::avg_pool1d", "aten::avg_pool2d",
                                          "aten::avg_pool3d"});
    if (op == nullptr || op->inputs.size() < 2) throw MissingAttribute("the file keeps no attribute kernel_size");
    kernel = &op->inputs[1];  // the op's kernel_size argument
  }
  const auto& y = output(call);
  const size_t spatial = y.shape.size() >= 2 ? y.shape.size() - 2 : 1;
  int64_t window = 1;
  if (kernel->kind == ValueInfo::Kind::Int) {  // kernel_size=3 means 3 along every spatial dim
    for (size_t i = 0; i < spatial; ++i) window *= kernel->int_value;
  } else if (kernel->kind == ValueInfo::Kind::IntList) {
    for (const int64_t k : kernel->shape) window *= k;
  } else {
    for (const auto& k : kernel->elements) window *= k.int_value;
  }
  return elementwise(y.numel() * window, cost::kArithmetic);
}
const RegisterModuleRule register_max_pool(
    {"torch.nn.modules.pooling.MaxPool1d", "torch.nn.modules.pooling.MaxPool2d", "torch.nn.modules.pooling.MaxPool3d",
     "torch.nn.modules.pooling.AvgPool1d", "torch.nn.modules.pooling.AvgPool2d", "torch.nn.modules.pooling.AvgPool3d"},
    pool_rule, "output elements x window size");

Counts zero_rule(const RuleContext&) { return {}; }
const RegisterModuleRule register_embedding(
    {"torch.nn.modules.sparse.Embedding", "torch.nn.modules.dropout.Dropout", "torch.nn.modules.linear.Identity",
     "torch.nn.modules.flatten.Flatten", "torch.nn.modules.flatten.Unflatten"},
    zero_rule, "0 (data movement; dropout is identity in eval)");


}  // namespace

const ModuleInfo* RuleContext::find_child(const std::string& local) const {
  const int index = model.find_module(module.name.empty() ? local : module.name + "." + local);
  return index < 0 ? nullptr : &model.modules()[static_cast<size_t>(index)];
}

const ModuleInfo& RuleContext::child(const std::string& local) const {
  const ModuleInfo* found = find_child(local);
  if (found == nullptr) throw std::invalid_argument("module has no child " + local);
  return *found;
}

std::vector<const OpRecord*> RuleContext::own_ops() const {
  std::vector<const OpRecord*> ops;
  for (const auto& op : call.ops) ops.push_back(&op);
  if (recording == nullptr) return ops;
  for (const int id : call.children) {
    const CallRecord& nested = recording->calls[static_cast<size_t>(id)];
    if (nested.module != call.module) continue;
    for (const auto& op : nested.ops) ops.push_back(&op);
  }
  return ops;
}

const ModuleRuleEntry* find_module_rule(const std::string& type) { return module_rule_registry().find(type); }

std::vector<const ModuleRuleEntry*> all_module_rules() { return module_rule_registry().all(); }

}  // namespace flopscope
