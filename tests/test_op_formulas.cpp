// Each formula against the closed forms of the user's seed documents (004: Linear 2BIO, Conv2D,
// depthwise, pointwise, attention 4BL^2d + 8BLd^2, FFN 16BLd^2; 000: MultiheadAttention), with the
// integers computed by hand in the comments.
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "flopscope/counting/backward_rules.h"
#include "flopscope/counting/module_rules.h"
#include "flopscope/counting/op_formulas.h"
#include "flopscope/counting/op_traffic.h"
#include "flopscope/counting/type_names.h"
#include "formula_inputs.h"

namespace flopscope {
namespace {

using testing::boolean;
using testing::integer;
using testing::ints;
using testing::none;
using testing::real;
using testing::run;
using testing::text;
using testing::tensor;

// convolution(x, w, b, stride, padding, dilation, transposed, output_padding, groups)
Counts conv(std::vector<int64_t> x, std::vector<int64_t> w, int64_t stride, int64_t padding, int64_t groups) {
  return run("aten::convolution", {tensor(x), tensor(w), none(), ints({stride, stride}), ints({padding, padding}),
                                   ints({1, 1}), boolean(false), ints({0, 0}), integer(groups)});
}

TEST(OpFormulas, LinearIs2BIO) {
  // B=4, I=768, O=3072: 2*4*768*3072 = 18,874,368 FLOPs; no bias, no elementwise work.
  const Counts c = run("aten::linear", {tensor({4, 768}), tensor({3072, 768}), none()});
  EXPECT_EQ(c.matmul_flops, 18'874'368);
  EXPECT_EQ(c.macs, 9'437'184);
  EXPECT_EQ(c.elementwise_flops, 0);
  // With a bias: one add per output element, 4*3072 = 12,288.
  EXPECT_EQ(run("aten::linear", {tensor({4, 768}), tensor({3072, 768}), tensor({3072})}).elementwise_flops, 12'288);
}

TEST(OpFormulas, Conv2dIs2BCinCoutKhKwHoutWout) {
  // B=2, Cin=3, Cout=64, 7x7, stride 2, padding 3, 224 -> Hout = Wout = (224+6-7)/2+1 = 112:
  // 2*2*3*64*7*7*112*112 = 472,055,808.
  EXPECT_EQ(conv({2, 3, 224, 224}, {64, 3, 7, 7}, 2, 3, 1).matmul_flops, 472'055'808);
}

TEST(OpFormulas, DepthwiseAndPointwise) {
  // Depthwise: B=1, Cin=32, 3x3, 56x56 out: 2*32*3*3*56*56 = 1,806,336.
  EXPECT_EQ(conv({1, 32, 56, 56}, {32, 1, 3, 3}, 1, 1, 32).matmul_flops, 1'806'336);
  // Pointwise: Cin=32, Cout=64, 56x56: 2*32*64*56*56 = 12,845,056.
  EXPECT_EQ(conv({1, 32, 56, 56}, {64, 32, 1, 1}, 1, 0, 1).matmul_flops, 12'845'056);
}

TEST(OpFormulas, Conv2dSamePaddingKeepsTheSize) {
  // conv2d(x, w, b, stride, "same", dilation, groups): 1x8x10x10, 8->4, 3x3 -> 10x10 out:
  // 2 * 4*10*10 * 8*3*3 = 57,600.
  EXPECT_EQ(run("aten::conv2d", {tensor({1, 8, 10, 10}), tensor({4, 8, 3, 3}), none(), ints({1, 1}), text("same"), ints({1, 1}),
                                 integer(1)}).matmul_flops,
            57'600);
}

TEST(OpFormulas, TransposedConvolution) {
  // x 1x4x5x5, w [Cin=4, Cout/groups=2, 3, 3], stride 2: every input element meets 2*3*3 weights:
  // 4*25*18 = 1,800 MACs. Output 11x11 (= (5-1)*2 + 3); bias adds 2*121 = 242.
  const Counts c = run("aten::convolution", {tensor({1, 4, 5, 5}), tensor({4, 2, 3, 3}), tensor({2}), ints({2, 2}),
                                             ints({0, 0}), ints({1, 1}), boolean(true), ints({0, 0}), integer(1)});
  EXPECT_EQ(c.macs, 1'800);
  EXPECT_EQ(c.elementwise_flops, 242);
}

// torchvision's detection operators, by hand.
TEST(OpFormulas, DetectionOperators) {
  // nms of 100 boxes: 100 areas of 3 FLOPs, 4,950 pairs of 13.
  EXPECT_EQ(run("torchvision::nms", {tensor({100, 4}), tensor({100}), real(0.5)}).elementwise_flops, 300 + 64'350);
  // roi_align of 10 boxes over 256 channels into 7x7 bins, 2x2 samples: 125,440 outputs of 4*8 + 1.
  EXPECT_EQ(run("torchvision::roi_align", {tensor({1, 256, 50, 50}), tensor({10, 5}), real(0.25), integer(7), integer(7),
                                           integer(2), boolean(false)}).elementwise_flops,
            125'440 * 33);
  // Adaptive sampling (ratio 0) takes as many samples as each box is large: not countable from shapes.
  EXPECT_THROW(run("torchvision::roi_align", {tensor({1, 256, 50, 50}), tensor({10, 5}), real(0.25), integer(7), integer(7),
                                              integer(0), boolean(false)}),
               std::invalid_argument);
  // ps_roi_align: 49 channels = 1 output channel of 7x7 bins; 10 boxes: 490 outputs, 1x1 samples: 9 each.
  EXPECT_EQ(run("torchvision::ps_roi_align", {tensor({1, 49, 20, 20}), tensor({10, 5}), real(1.0), integer(7), integer(7),
                                              integer(1)}).elementwise_flops,
            490 * 9);
  // deform_conv2d: x 1x4x8x8, w 6x4x3x3, offsets for 8x8 outputs, a mask: 64 positions x 6 x 36 = 13,824
  // MACs; 64 x 4 x 9 = 2,304 samples of 7 + 1 (the mask); 384 bias adds.
  const Counts deform = run("torchvision::deform_conv2d",
                            {tensor({1, 4, 8, 8}), tensor({6, 4, 3, 3}), tensor({1, 18, 8, 8}), tensor({1, 9, 8, 8}), tensor({6}),
                             integer(1), integer(1), integer(1), integer(1), integer(1), integer(1), integer(1), integer(1),
                             boolean(true)});
  EXPECT_EQ(deform.macs, 13'824);
  EXPECT_EQ(deform.elementwise_flops, 2'304 * 8 + 384);
}

TEST(OpFormulas, FourierTransformsAt5NLog2NPerComplexTransform) {
  // stft of 101 frames of 64 samples, one-sided: 101 x 2.5 x 64 x 6 = 96,960; normalized ("ortho")
  // 2 more per complex output, 101 x 33 x 2 = 6,666.
  EXPECT_EQ(run("aten::_fft_r2c", {tensor({1, 101, 64}), ints({2}), integer(0), boolean(true)}).elementwise_flops, 96'960);
  EXPECT_EQ(run("aten::_fft_r2c", {tensor({1, 101, 64}), ints({-1}), integer(1), boolean(true)}).elementwise_flops,
            96'960 + 6'666);
  // Its inverse to 64 real points; a 2-D complex transform of 8 x 16 points, 3 of them: 3 x 5 x 128 x 7.
  ValueInfo spectrum = tensor({1, 101, 33}), image = tensor({3, 8, 16});
  spectrum.dtype = image.dtype = "ComplexFloat";
  EXPECT_EQ(run("aten::_fft_c2r", {spectrum, ints({2}), integer(0), integer(64)}).elementwise_flops, 96'960);
  EXPECT_EQ(run("aten::_fft_c2c", {image, ints({1, 2}), integer(0), boolean(true)}).elementwise_flops, 13'440);
  // A complex magnitude sqrt(re^2 + im^2) is 4 FLOPs, a real one 1; GLU halves its input: 4 per output.
  EXPECT_EQ(run("aten::abs", {spectrum}).elementwise_flops, 4 * 101 * 33);
  EXPECT_EQ(run("aten::abs", {tensor({1, 101, 33})}).elementwise_flops, 101 * 33);
  EXPECT_EQ(run("aten::glu", {tensor({1, 32, 10}), integer(1)}).elementwise_flops, 4 * 16 * 10);
}

TEST(OpFormulas, SelfAttentionIs4BL2dPlus8BLd2) {
  // B=2, L=10, d=64, 4 heads: 4*2*10^2*64 + 8*2*10*64^2 = 51,200 + 655,360 = 706,560.
  AttentionShape s;
  s.batch = 2;
  s.query_len = s.key_len = 10;
  s.embed_dim = s.kdim = s.vdim = 64;
  s.heads = 4;
  EXPECT_EQ(attention_counts(s).matmul_flops, 706'560);
  // Seed 000 splits it: in_proj 6BLD^2 = 491,520; QK^T and AV 4BL^2D = 51,200; out_proj 2BLD^2 = 163,840.
  EXPECT_EQ(491'520 + 51'200 + 163'840, 706'560);
  // The fused op reads the same shapes from its arguments.
  const Counts fused = run("aten::_native_multi_head_attention",
                           {tensor({2, 10, 64}), tensor({2, 10, 64}), tensor({2, 10, 64}), integer(64), integer(4),
                            tensor({192, 64}), tensor({192}), tensor({64, 64}), tensor({64}), none(), boolean(false),
                            boolean(true), none()});
  EXPECT_EQ(fused, attention_counts(s));
  EXPECT_EQ(fused.activation_flops, 51'200);  // QK^T and AV: 4BL^2d
  // Elementwise: qkv bias 2*10*192 = 3,840; q scale 1,280; softmax 5 * 2*4*10*10 = 4,000; out bias 1,280.
  EXPECT_EQ(fused.elementwise_flops, 3'840 + 1'280 + 4'000 + 1'280);
}

TEST(OpFormulas, FeedForwardIs16BLd2) {
  // Two linears d -> 4d -> d on B=2, L=10, d=64: 8BLd^2 each, 16*2*10*64^2 = 1,310,720.
  const Counts up = run("aten::linear", {tensor({2, 10, 64}), tensor({256, 64}), none()});
  const Counts down = run("aten::linear", {tensor({2, 10, 256}), tensor({64, 256}), none()});
  EXPECT_EQ(up.matmul_flops + down.matmul_flops, 1'310'720);
}

TEST(OpFormulas, MatrixProducts) {
  EXPECT_EQ(run("aten::mm", {tensor({3, 4}), tensor({4, 5})}).macs, 60);
  // Operands that are not parameters multiply two activations.
  EXPECT_EQ(run("aten::addmm", {tensor({5}), tensor({3, 4}), tensor({4, 5})}), (Counts{60, 120, 15, 120}));
  ValueInfo weight = tensor({4, 5});
  weight.is_parameter = true;
  EXPECT_EQ(run("aten::addmm", {tensor({5}), tensor({3, 4}), weight}), (Counts{60, 120, 15, 0}));
  EXPECT_EQ(run("aten::bmm", {tensor({2, 3, 4}), tensor({2, 4, 5})}).macs, 120);
  EXPECT_EQ(run("aten::baddbmm", {tensor({2, 3, 5}), tensor({2, 3, 4}), tensor({2, 4, 5})}), (Counts{120, 240, 30, 240}));
  // Broadcast batch: [2,3,4,5] @ [5,6] -> 2*3*4*5*6 = 720 MACs; vector @ matrix: 5*6 = 30.
  EXPECT_EQ(run("aten::matmul", {tensor({2, 3, 4, 5}), tensor({5, 6})}).macs, 720);
  EXPECT_EQ(run("aten::matmul", {tensor({5}), tensor({5, 6})}).macs, 30);
  EXPECT_THROW(run("aten::mm", {tensor({3, 4}), tensor({5, 5})}), std::exception);
}

TEST(OpFormulas, Einsum) {
  ValueInfo operands;
  operands.kind = ValueInfo::Kind::List;
  operands.elements = {tensor({2, 3, 4}), tensor({2, 4, 5})};
  EXPECT_EQ(run("aten::einsum", {text("bij,bjk->bik"), operands, none()}).macs, 2 * 3 * 4 * 5);
}

TEST(OpFormulas, ElementwiseCosts) {
  EXPECT_EQ(run("aten::add", {tensor({2, 1, 8}), tensor({5, 1}), integer(1)}).elementwise_flops, 2 * 5 * 8);  // broadcast
  EXPECT_EQ(run("aten::gelu", {tensor({10})}).elementwise_flops, 50);
  EXPECT_EQ(run("aten::softmax", {tensor({4, 4}), integer(-1), none()}).elementwise_flops, 80);
  EXPECT_EQ(run("aten::layer_norm", {tensor({2, 8}), ints({8}), tensor({8}), tensor({8})}).elementwise_flops, 16 * 7);
  EXPECT_EQ(run("aten::view", {tensor({2, 8}), ints({16})}).flops(), 0);
  EXPECT_EQ(find_op_formula("aten::logcumsumexp"), nullptr);
}

Counts no_cost(const std::vector<ValueInfo>&) { return {}; }

TEST(CostRegistry, ANameRegisteredTwiceIsRefusedNamingBothFormulas) {
  CostRegistry<OpFormula> table("op formulas");
  table.add({"aten::mm", "aten::bmm"}, no_cost, "first");
  try {
    table.add({"aten::addmm", "aten::mm"}, no_cost, "second");
    FAIL() << "a duplicate was accepted";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "op formulas: 'aten::mm' registered twice (\"first\" and \"second\")");
  }
  ASSERT_NE(table.find("aten::bmm"), nullptr);
  EXPECT_EQ(table.find("aten::bmm")->description, "first");
  EXPECT_EQ(table.find("aten::nope"), nullptr);
}

TEST(CostRegistry, EveryTableIsFilledAtStartUpFromTheRegistrationsNextToEachFunction) {
  // One formula of each family (formulas_*.cpp), so none was left out of the link.
  for (const char* op : {"aten::mm", "aten::convolution", "aten::scaled_dot_product_attention", "aten::gelu", "aten::cat",
                         "aten::convolution_backward"}) {
    EXPECT_NE(find_op_formula(op), nullptr) << op;
  }
  const auto ops = all_op_formulas();
  EXPECT_TRUE(std::is_sorted(ops.begin(), ops.end(), [](const auto* a, const auto* b) { return a->name < b->name; }));
  ASSERT_NE(find_module_rule(type_names::kLinear), nullptr);
  EXPECT_EQ(find_module_rule(type_names::kLinear)->description, "2*B*I*O matmul; B*O bias adds");
  EXPECT_EQ(all_backward_rules().size(), 8u);
  EXPECT_NE(find_backward_rule(type_names::kConvTranspose2d), nullptr);
  EXPECT_EQ(find_backward_rule("torch.nn.modules.activation.GELU"), nullptr);
  EXPECT_NE(traffic_rule_registry().find("aten::embedding"), nullptr);
}

}  // namespace
}  // namespace flopscope
