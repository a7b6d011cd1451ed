// scaled_dot_product_attention and every kernel it dispatches to, the fused encoder layer and the other
// ops PyTorch 2.x models run, against hand-computed integers.
#include <gtest/gtest.h>

#include "flopscope/counting/op_formulas.h"
#include "formula_inputs.h"

namespace flopscope {
namespace {

using testing::boolean;
using testing::integer;
using testing::ints;
using testing::none;
using testing::real;
using testing::reals;
using testing::run;
using testing::tensor;
using testing::text;

// scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal, *, scale, enable_gqa)
Counts sdpa(ValueInfo q, ValueInfo k, ValueInfo v, ValueInfo mask, double dropout, bool causal, bool gqa = false) {
  return run("aten::scaled_dot_product_attention", {q, k, v, mask, real(dropout), boolean(causal), real(0.5), boolean(gqa)});
}

TEST(AttentionFormulas, CrossAttentionWithWiderValues) {
  // q [2, 4 heads, Lq 6, E 8], k [2, 4, S 10, 8], v [2, 4, 10, Ev 16]: 8 batch-heads, 8*6*10 = 480 scores.
  // QK^T 480*8 = 3,840 MACs; AV 480*16 = 7,680 MACs -> 11,520 MACs, all activation x activation.
  // Elementwise: q scaled 8*6*8 = 384; softmax 5*480 = 2,400.
  const Counts plain = sdpa(tensor({2, 4, 6, 8}), tensor({2, 4, 10, 8}), tensor({2, 4, 10, 16}), none(), 0.0, false);
  EXPECT_EQ(plain, (Counts{11'520, 23'040, 2'784, 23'040}));
  // A float mask adds one per score (+480); dropout_p > 0 one more (+480).
  const Counts masked = sdpa(tensor({2, 4, 6, 8}), tensor({2, 4, 10, 8}), tensor({2, 4, 10, 16}), tensor({6, 10}), 0.0, false);
  EXPECT_EQ(masked.elementwise_flops, 2'784 + 480);
  const Counts dropped = sdpa(tensor({2, 4, 6, 8}), tensor({2, 4, 10, 8}), tensor({2, 4, 10, 16}), tensor({6, 10}), 0.1, false);
  EXPECT_EQ(dropped.elementwise_flops, 2'784 + 2 * 480);
  EXPECT_EQ(dropped.matmul_flops, plain.matmul_flops);
}

TEST(AttentionFormulas, CausalIsNotDiscountedAndGroupedQueryHeadsAllCount) {
  // Causal self-attention, q = k = v [2, 4, 6, 8]: 8*36 = 288 scores; MACs 288*(8+8) = 4,608.
  // Elementwise: q 384 + softmax 5*288 + causal mask 288 = 2,112.
  const Counts causal = sdpa(tensor({2, 4, 6, 8}), tensor({2, 4, 6, 8}), tensor({2, 4, 6, 8}), none(), 0.0, true);
  EXPECT_EQ(causal, (Counts{4'608, 9'216, 2'112, 9'216}));
  // Grouped-query: 4 query heads share 2 key/value heads; every query head still attends: 4,608 MACs.
  const Counts grouped = sdpa(tensor({2, 4, 6, 8}), tensor({2, 2, 6, 8}), tensor({2, 2, 6, 8}), none(), 0.0, false, true);
  EXPECT_EQ(grouped.macs, 4'608);
  EXPECT_EQ(grouped.elementwise_flops, 384 + 5 * 288);
}

TEST(AttentionFormulas, CausalKeptPairs) {
  // Top left (PyTorch's is_causal): query i sees keys 0..i.
  EXPECT_EQ(causal_kept_pairs(6, 6, Causal::TopLeft), 21);             // 1+2+...+6
  EXPECT_EQ(causal_kept_pairs(6, 10, Causal::TopLeft), 21);            // the last 4 keys are never seen
  EXPECT_EQ(causal_kept_pairs(10, 6, Causal::TopLeft), 1 + 2 + 3 + 4 + 5 + 6 * 5);
  // Bottom right (the memory-efficient kernel's mask type 2): query i sees keys 0..i + S - L.
  EXPECT_EQ(causal_kept_pairs(6, 10, Causal::BottomRight), 5 + 6 + 7 + 8 + 9 + 10);
  EXPECT_EQ(causal_kept_pairs(10, 6, Causal::BottomRight), 0 + 0 + 0 + 0 + 1 + 2 + 3 + 4 + 5 + 6);  // i - 3, clamped
  EXPECT_EQ(causal_kept_pairs(6, 10, Causal::None), 60);
}

// Every kernel SDPA dispatches to counts the same work for the same causal call, q = k = v = 8 heads of
// [6, 8] in the kernel's own layout.
TEST(AttentionFormulas, EveryKernelCountsTheSameWork) {
  const ValueInfo h = tensor({2, 4, 6, 8});  // [B, H, L, E]
  const ValueInfo s = tensor({2, 6, 4, 8});  // [B, L, H, E]
  const Counts expected = sdpa(h, h, h, none(), 0.0, true);
  struct Case {
    const char* op;
    std::vector<ValueInfo> inputs;
  };
  const std::vector<Case> cases = {
      {"aten::_scaled_dot_product_attention_math", {h, h, h, none(), real(0.0), boolean(true), none(), none(), boolean(false)}},
      {"aten::_scaled_dot_product_flash_attention_for_cpu", {h, h, h, real(0.0), boolean(true), none(), none()}},
      {"aten::_scaled_dot_product_flash_attention", {h, h, h, real(0.0), boolean(true), boolean(false), none()}},
      {"aten::_scaled_dot_product_efficient_attention", {h, h, h, none(), boolean(true), real(0.0), boolean(true), none()}},
      {"aten::_scaled_dot_product_cudnn_attention",
       {h, h, h, none(), boolean(true), real(0.0), boolean(true), boolean(false), none()}},
      {"aten::_scaled_dot_product_fused_attention_overrideable",
       {h, h, h, none(), real(0.0), boolean(true), boolean(false), none()}},
      {"aten::_efficient_attention_forward",
       {s, s, s, none(), none(), none(), none(), none(), real(0.0), integer(1), boolean(false), none(), none(), none()}},
      {"aten::_flash_attention_forward",
       {s, s, s, none(), none(), integer(6), integer(6), real(0.0), boolean(true), boolean(false), none()}},
      // LibTorch 1.13's private op: (q, k, v, attn_mask, dropout_p, need_attn_weights, is_causal)
      {"aten::_scaled_dot_product_attention", {h, h, h, none(), real(0.0), boolean(false), boolean(true)}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(run(c.op, c.inputs), expected) << c.op;
    const auto shape = dot_product_shape(c.op, c.inputs);
    ASSERT_TRUE(shape.has_value()) << c.op;
    EXPECT_EQ(shape->causal, Causal::TopLeft) << c.op;
  }
}

TEST(AttentionFormulas, PackedSequencesAreRefusedNotGuessed) {
  // With cumulative sequence lengths the pairs depend on data: the formula refuses, so the recorder
  // reports the op uncovered instead of counting a wrong number.
  const ValueInfo packed = tensor({12, 4, 8});
  EXPECT_THROW(run("aten::_flash_attention_forward", {packed, packed, packed, tensor({3}), tensor({3}), integer(6),
                                                     integer(6), real(0.0), boolean(false), boolean(false), none()}),
               std::exception);
  EXPECT_THROW(sdpa(tensor({2, 4, 6, 8}), tensor({2, 4, 6, 4}), tensor({2, 4, 6, 8}), none(), 0.0, false), std::exception);
}

TEST(AttentionFormulas, FusedEncoderLayer) {
  // _transformer_encoder_layer_fwd on src [2, 10, 64], 4 heads, feed-forward 128, ReLU; rows = 20.
  //   attention 8BLd^2 + 4BL^2d = 655,360 + 51,200 = 706,560; feed-forward 2 * 2*20*64*128 = 655,360
  //   -> 1,361,920 matmul FLOPs (the first feed-forward product is the one an op-level count missed).
  //   Elementwise: attention 10,400 (qkv bias 3,840, q scale 1,280, softmax 4,000, out bias 1,280);
  //   feed-forward biases 20*(128+64) = 3,840; ReLU 2,560; norms 2*1,280*7 = 17,920; residuals 2,560.
  std::vector<ValueInfo> in = {tensor({2, 10, 64}), integer(64), integer(4), tensor({192, 64}), tensor({192}),
                               tensor({64, 64}), tensor({64}), boolean(false), boolean(false), real(1e-5),
                               tensor({64}), tensor({64}), tensor({64}), tensor({64}), tensor({128, 64}),
                               tensor({128}), tensor({64, 128}), tensor({64}), none(), none()};
  const Counts relu = run("aten::_transformer_encoder_layer_fwd", in);
  EXPECT_EQ(relu.matmul_flops, 1'361'920);
  EXPECT_EQ(relu.activation_flops, 51'200);
  EXPECT_EQ(relu.elementwise_flops, 10'400 + 3'840 + 2'560 + 17'920 + 2'560);
  in[7] = boolean(true);  // GELU: 5 per hidden element instead of 1
  EXPECT_EQ(run("aten::_transformer_encoder_layer_fwd", in).elementwise_flops, relu.elementwise_flops + 4 * 2'560);
  in[0] = tensor({20, 64});  // nested or unbatched sources are not counted from shapes
  EXPECT_THROW(run("aten::_transformer_encoder_layer_fwd", in), std::exception);
}

TEST(OpFormulas2x, AddmmActivation) {
  // _addmm_activation(bias [5], a [3,4], b [4,5], beta, alpha, use_gelu): 60 MACs; bias 15; ReLU 15 or GELU 75.
  EXPECT_EQ(run("aten::_addmm_activation", {tensor({5}), tensor({3, 4}), tensor({4, 5}), integer(1), integer(1), boolean(false)}),
            (Counts{60, 120, 30, 120}));
  EXPECT_EQ(run("aten::_addmm_activation", {tensor({5}), tensor({3, 4}), tensor({4, 5}), integer(1), integer(1), boolean(true)})
                .elementwise_flops,
            15 + 75);
}

TEST(OpFormulas2x, ActivationsInPlaceVariantsAndDropout) {
  EXPECT_EQ(run("aten::hardswish", {tensor({2, 8})}).elementwise_flops, 16 * 4);
  EXPECT_EQ(run("aten::hardswish_", {tensor({2, 8})}).elementwise_flops, 16 * 4);  // in place: the base op's work
  EXPECT_EQ(run("aten::hardsigmoid", {tensor({2, 8})}).elementwise_flops, 16 * 3);
  EXPECT_EQ(run("aten::relu_", {tensor({2, 8})}).elementwise_flops, 16);
  // Dropout: a mask multiply per element in training, nothing in eval.
  EXPECT_EQ(run("aten::dropout", {tensor({4, 8}), real(0.5), boolean(true)}).elementwise_flops, 32);
  EXPECT_EQ(run("aten::dropout_", {tensor({4, 8}), real(0.5), boolean(false)}).elementwise_flops, 0);
  EXPECT_EQ(run("aten::feature_dropout", {tensor({4, 8}), real(0.0), boolean(true)}).elementwise_flops, 0);
  EXPECT_EQ(find_op_formula("aten::no_such_op_"), nullptr);
}

TEST(OpFormulas2x, Upsampling) {
  // upsample_bilinear2d.vec(x [1,3,10,10], output_size [20,30], align_corners, scale_factors): 3*600 outputs x 7.
  EXPECT_EQ(run("aten::upsample_bilinear2d", {tensor({1, 3, 10, 10}), ints({20, 30}), boolean(false), none()}).elementwise_flops,
            1'800 * 7);
  // By scale factors 2 and 1.5: 20 x 15 = 300 outputs per channel, 900 in all.
  EXPECT_EQ(run("aten::upsample_bilinear2d", {tensor({1, 3, 10, 10}), none(), boolean(false), reals({2.0, 1.5})}).elementwise_flops,
            900 * 7);
  EXPECT_EQ(run("aten::upsample_nearest2d", {tensor({1, 3, 10, 10}), ints({20, 20}), none()}), Counts{});
}

TEST(OpFormulas2x, PoolingCeilMode) {
  // max_pool2d(x [1,1,5,5], kernel 2, stride 2, padding 0, dilation 1, ceil_mode): 2x2 or 3x3 windows of 4.
  EXPECT_EQ(run("aten::max_pool2d", {tensor({1, 1, 5, 5}), ints({2, 2}), ints({2, 2}), ints({0, 0}), ints({1, 1}), boolean(false)})
                .elementwise_flops,
            4 * 4);
  EXPECT_EQ(run("aten::max_pool2d", {tensor({1, 1, 5, 5}), ints({2, 2}), ints({2, 2}), ints({0, 0}), ints({1, 1}), boolean(true)})
                .elementwise_flops,
            9 * 4);
  // avg_pool2d(x, kernel, stride, padding, ceil_mode, ...): ceil_mode is argument 4.
  EXPECT_EQ(run("aten::avg_pool2d", {tensor({1, 1, 5, 5}), ints({2, 2}), ints({2, 2}), ints({0, 0}), boolean(true), boolean(true),
                                     none()})
                .elementwise_flops,
            9 * 4);
  EXPECT_EQ(run("aten::gelu", {tensor({10}), text("tanh")}).elementwise_flops, 80);
}

}  // namespace
}  // namespace flopscope
